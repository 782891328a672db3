// What the codec server shows of a decoded payload: everything but credentials. A JSON payload's
// Client Secret, Torii API key and any token or password become one fixed mask, so operators read
// inputs in the Temporal UI without ever seeing a secret; and an encode from the UI that still holds
// the mask is refused, so a mask never becomes a connection's secret.
import type { Payload } from '@temporalio/common';
import { redact } from '../contract/redact';

export const SECRET_MASK = '••••••••';

/** Field names whose values are credentials wherever they sit (the sync's input, tokens, headers). */
const SECRET_FIELD = /^(client_?secret|api_?key|(access|refresh|id)_?token|token|password|secret|authorization)$/i;

const JSON_ENCODING = 'json/plain';
const encodingOf = (payload: Payload) => (payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString('utf8') : undefined);

export class MaskedSecretError extends Error {
  constructor(where: string) {
    super(
      `payloads[${where}] holds the codec server's secret mask (${SECRET_MASK}) where a credential belongs: ` +
        'the mask is what decoding shows instead of a secret and is never encoded as one. Enter the real value, or start the sync with the CLI or the client code.',
    );
    this.name = 'MaskedSecretError';
  }
}

function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_FIELD.test(key) && inner !== null && inner !== undefined ? SECRET_MASK : maskValue(inner)]));
  }
  // Text can hold a credential too (a failure message quoting a header or a JWT).
  return typeof value === 'string' ? redact(value) : value;
}

function holdsMask(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(SECRET_MASK);
  if (Array.isArray(value)) return value.some(holdsMask);
  return !!value && typeof value === 'object' && Object.values(value).some(holdsMask);
}

/** A decoded payload for display: JSON with its credentials masked; other encodings as they are. */
export function maskForDisplay(payload: Payload): Payload {
  if (encodingOf(payload) !== JSON_ENCODING || !payload.data) return payload;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return payload;
  }
  return { ...payload, data: new TextEncoder().encode(JSON.stringify(maskValue(parsed))) };
}

const MASK_BYTES = Buffer.from(SECRET_MASK);

function parsedJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Refuses payloads to encode that carry the mask (a decoded input sent back from the UI). */
export function refuseMasked(payloads: Payload[]): void {
  payloads.forEach((payload, i) => {
    const bytes = Buffer.from(payload.data ?? new Uint8Array());
    // The raw bytes catch the mask in any encoding; parsed JSON catches it written as \u2022 escapes.
    if (bytes.includes(MASK_BYTES) || (encodingOf(payload) === JSON_ENCODING && holdsMask(parsedJson(bytes)))) throw new MaskedSecretError(String(i));
  });
}
