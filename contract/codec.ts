// Encrypts every payload this service writes to Temporal (inputs with the Client Secret and the
// Torii API key, results, query answers, failure messages) with AES-256-GCM, so history at rest and
// in the Temporal UI holds ciphertext. The worker, the client and the codec server all build their
// data converter here, from the same SYNC_ENCRYPTION_KEYS; a client is checked for it before it
// may start anything (`sealsWithThisCodec`).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, LoadedDataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from './config-error';
import { GENERATE_KEY_HINT, type EncryptionKey } from './encryption-keys';
import { ARRIVED_UNENCRYPTED_METADATA } from './payload-converter';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
/** Loaded into the workflow sandbox: a prebuilt workflow bundle must be built with it (worker/workflow-code.ts). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
/** Loaded into the workflow sandbox like the failure converter: it tells the workflow an input arrived unencrypted. */
export const PAYLOAD_CONVERTER_PATH = require.resolve('./payload-converter');
/** Registered symbol: the brand survives this module being loaded twice (jest, a bundled client). */
const SEALS_WITH_THIS_CODEC = Symbol.for('pingone-torii-sync.aes-gcm-payload-codec');
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export class AesGcmPayloadCodec implements PayloadCodec {
  readonly [SEALS_WITH_THIS_CODEC] = true;
  private readonly byId: Map<string, Buffer>;

  /** The first key encrypts; every key decrypts. */
  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error(`AesGcmPayloadCodec needs at least one key; ${GENERATE_KEY_HINT}`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0];
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated too: a payload cannot be passed off as another key's.
      cipher.setAAD(Buffer.from(id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id), [CIPHER_METADATA]: utf8(CIPHER) },
        data: sealed,
      };
    });
  }

  /**
   * Payloads that are not encrypted pass through, marked as such (ARRIVED_UNENCRYPTED_METADATA): the
   * workflow refuses an input that arrived so (contract/payload-converter.ts).
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) {
        return { ...payload, metadata: { ...payload.metadata, [ARRIVED_UNENCRYPTED_METADATA]: utf8('true') } };
      }
      const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
      const key = this.byId.get(id);
      if (!key) {
        throw new Error(
          `A payload is encrypted with key "${id}", which is not in this process's SYNC_ENCRYPTION_KEYS (it holds ${[...this.byId.keys()].map((k) => `"${k}"`).join(', ')}). ` +
            'Add that key after the current one; keep old keys as long as history encrypted with them is read.',
        );
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(id));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        throw new Error(`A payload encrypted with key "${id}" did not decrypt: the key under that id is not the one that encrypted it, or the payload was altered.`);
      }
    });
  }
}

/**
 * The data converter of the worker and every client: payloads encrypted, and failure messages and
 * stack traces moved into an encrypted payload too (they can name hosts, ids and inputs).
 * Refuses to work without a key: plain-text secrets in history are never the fallback.
 */
export function encryptingDataConverter(config: { SYNC_ENCRYPTION_KEYS?: EncryptionKey[] }): DataConverter {
  const keys = config.SYNC_ENCRYPTION_KEYS ?? [];
  if (keys.length === 0) {
    throw new ConfigError([
      `SYNC_ENCRYPTION_KEYS: required, or the Client Secret would be stored in plain text in Temporal's history; ${GENERATE_KEY_HINT} and set SYNC_ENCRYPTION_KEYS=k1:<that key> on the worker and on every client`,
    ]);
  }
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keys)],
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

/** Whether a client's (loaded) data converter seals every payload with this project's codec. */
export function sealsWithThisCodec(converter: Pick<LoadedDataConverter, 'payloadCodecs'> | undefined): boolean {
  return (converter?.payloadCodecs ?? []).some((codec) => (codec as unknown as Record<symbol, unknown>)[SEALS_WITH_THIS_CODEC] === true);
}
