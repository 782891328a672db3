// The HTTP client every PingOne and Torii request goes through: got with its own retries off
// (Temporal's retry policy is the one retry owner), no redirects (a redirect could carry a
// credential to another host), bounded timeouts, and bodies read as text so this code, not got,
// decides what a malformed answer means.
import got, { type Got } from 'got';

export interface HttpSettings {
  /** Milliseconds a single request may take before it counts as a timeout. */
  requestTimeoutMs: number;
}

export function createHttp(settings: HttpSettings): Got {
  return got.extend({
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    responseType: 'text',
    timeout: { request: settings.requestTimeoutMs },
    headers: { 'user-agent': 'pingone-torii-sync/0.1' },
  });
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
