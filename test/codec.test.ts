// The history encryption: AES-256-GCM payloads with the key id in their metadata, rotation (the
// first key encrypts, all decrypt), tampering and unknown keys refused in words, the operator's key
// list checked line by line, and no fallback to plain text without a key.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, encryptingDataConverter, KEY_ID_METADATA } from '../contract/codec';
import { ConfigError, loadConfig } from '../contract/config';
import { arrivedUnencrypted, payloadConverter } from '../contract/payload-converter';
import { parseEncryptionKeys, type EncryptionKey } from '../contract/encryption-keys';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const input = { connectionId: 'acme', pingOne: { clientSecret: 'very-secret-value-Lk29' } };

describe('AesGcmPayloadCodec', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('encrypts a payload, names its key, and decrypts it back', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const plain = defaultPayloadConverter.toPayload(input);
    const [sealed] = await codec.encode([plain]);
    expect(text(sealed.metadata?.encoding)).toBe('binary/encrypted');
    expect(text(sealed.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(sealed.data ?? []).includes(Buffer.from('very-secret-value'))).toBe(false);
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual(input);
  });

  it('encrypts the same payload differently each time (a fresh IV)', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const plain = defaultPayloadConverter.toPayload(input);
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
  });

  it('rotates: the first key encrypts, older keys still decrypt', async () => {
    const [old] = await new AesGcmPayloadCodec([k1]).encode([defaultPayloadConverter.toPayload(input)]);
    const rotated = new AesGcmPayloadCodec([k2, k1]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(input);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(input)]);
    expect(text(fresh.metadata?.[KEY_ID_METADATA])).toBe('k2');
  });

  it('names an unknown key id without showing any key', async () => {
    const [sealed] = await new AesGcmPayloadCodec([k2]).encode([defaultPayloadConverter.toPayload(input)]);
    await expect(new AesGcmPayloadCodec([k1]).decode([sealed])).rejects.toThrow(
      'A payload is encrypted with key "k2", which is not in this process\'s SYNC_ENCRYPTION_KEYS (it holds "k1"). Add that key after the current one; keep old keys as long as history encrypted with them is read.',
    );
  });

  it('refuses an altered payload, a different key under the same id, and a key id swapped in', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(input)]);
    const altered: Payload = { ...sealed, data: Buffer.from(sealed.data ?? []).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([altered])).rejects.toThrow('A payload encrypted with key "k1" did not decrypt');
    await expect(new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]).decode([sealed])).rejects.toThrow('did not decrypt');
    const swapped: Payload = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(new AesGcmPayloadCodec([k1, { id: 'k2', key: k1.key }]).decode([swapped])).rejects.toThrow('did not decrypt');
  });

  it('passes payloads that were never encrypted through, marked as having arrived so', async () => {
    const plain = defaultPayloadConverter.toPayload({ written: 'before encryption' });
    const [decoded] = await new AesGcmPayloadCodec([k1]).decode([plain]);
    expect(decoded.data).toEqual(plain.data);
    expect(Buffer.from(decoded.metadata?.['arrived-unencrypted'] ?? []).toString()).toBe('true');
    // The project's payload converter hands the workflow the same value, carrying the mark.
    const value = payloadConverter.fromPayload(decoded);
    expect(value).toEqual({ written: 'before encryption' });
    expect(arrivedUnencrypted(value)).toBe(true);
    const [sealed] = await new AesGcmPayloadCodec([k1]).encode([plain]);
    expect(arrivedUnencrypted(payloadConverter.fromPayload((await new AesGcmPayloadCodec([k1]).decode([sealed]))[0]))).toBe(false);
  });
});

describe('encryption keys from the environment', () => {
  const good = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

  it('reads a rotation list, first key first', () => {
    const config = loadConfig({ SYNC_ENCRYPTION_KEYS: `${good('2025-06')}, ${good('2025-01')}` });
    expect(config.SYNC_ENCRYPTION_KEYS?.map((k) => [k.id, k.key.length])).toEqual([['2025-06', 32], ['2025-01', 32]]);
  });

  it('names every bad entry on its own line, never its key material', () => {
    const short = randomBytes(16).toString('base64');
    const raw = [`k1:${short}`, 'nocolon', `bad id!:${randomBytes(32).toString('base64')}`, good('k2'), good('k2'), 'k3:not*base64'].join(',');
    let error: ConfigError | undefined;
    try {
      loadConfig({ SYNC_ENCRYPTION_KEYS: raw });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([
      'SYNC_ENCRYPTION_KEYS: key "k1" must be 32 bytes in base64 (44 characters ending in =); generate a key with `openssl rand -base64 32`',
      'SYNC_ENCRYPTION_KEYS: entry 2 must be keyId:base64Key, like k1:<32 bytes in base64>; generate a key with `openssl rand -base64 32`',
      'SYNC_ENCRYPTION_KEYS: entry 3: the key id must be 1–64 letters, digits, ".", "_" or "-"',
      'SYNC_ENCRYPTION_KEYS: key id "k2" appears twice; give each key its own id',
      'SYNC_ENCRYPTION_KEYS: key "k3" must be 32 bytes in base64 (44 characters ending in =); generate a key with `openssl rand -base64 32`',
    ]);
    expect(error?.message).not.toContain(short);
  });

  it('refuses to build a data converter without a key, saying how to make one', () => {
    expect(() => encryptingDataConverter(loadConfig({}))).toThrow(
      "SYNC_ENCRYPTION_KEYS: required, or the Client Secret would be stored in plain text in Temporal's history; generate a key with `openssl rand -base64 32` and set SYNC_ENCRYPTION_KEYS=k1:<that key> on the worker and on every client",
    );
    const converter = encryptingDataConverter({ SYNC_ENCRYPTION_KEYS: parseEncryptionKeys(good('k1')).keys });
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toMatch(/failure-converter/);
  });
});

describe('the contract module', () => {
  it('imports nothing of workflows/, activities/, worker/ or client/, and client/ takes its data converter from it', () => {
    const root = join(__dirname, '..');
    const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map(([, spec]) => spec);
    for (const file of readdirSync(join(root, 'contract')).filter((f) => f.endsWith('.ts'))) {
      expect({ file, outside: imports(join(root, 'contract', file)).filter((spec) => spec.startsWith('.') && !spec.startsWith('./')) }).toEqual({ file, outside: [] });
    }
    for (const file of readdirSync(join(root, 'client')).filter((f) => f.endsWith('.ts'))) {
      expect({ file, codec: imports(join(root, 'client', file)).filter((spec) => /worker\/(codec|encryption-keys|failure-converter)/.test(spec)) }).toEqual({ file, codec: [] });
    }
  });
});
