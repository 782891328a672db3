// Keeps secrets out of logs, errors and history text, in every process (the worker, the CLI, the
// codec server's masking). Secrets are registered as they enter the
// worker (client secrets, API keys, issued tokens), and anything shaped like a credential is masked
// even when it was never registered. A registered secret is also masked in the forms it takes inside
// other text: JSON-escaped (once or twice, as a message nested in JSON is), \u-escaped and
// URL-encoded. The registry is bounded: a token leaves it when it expires, and past MAX_SECRETS the
// least recently registered go first (a connection's secret is registered again on every activity).

interface KnownSecret {
  /** Every form to mask, the secret itself first. */
  forms: string[];
  /** Epoch ms after which it is no longer worth masking; Infinity for secrets that do not expire. */
  until: number;
}

export const MAX_SECRETS = 10_000;
/** A token is masked this long past its expiry: log lines about it may still be on their way. */
const EXPIRED_GRACE_MS = 10 * 60_000;

const known = new Map<string, KnownSecret>();
let prunedAt = -Infinity;

const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);
const asciiEscaped = (text: string) => jsonEscaped(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function formsOf(secret: string): string[] {
  const once = jsonEscaped(secret);
  const forms = [secret, once, jsonEscaped(once), asciiEscaped(secret), encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')];
  // Longest first, so a form is not half-masked by a shorter one it contains.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/**
 * Remembers a secret so every later `redact` masks it, wherever it turns up. `expiresAt` (epoch ms)
 * for secrets that stop working, like access tokens.
 */
export function registerSecret(secret: string | undefined, expiresAt = Infinity, now = Date.now()): void {
  if (!secret || secret.length < 6) return;
  const previous = known.get(secret);
  known.delete(secret);
  known.set(secret, { forms: previous?.forms ?? formsOf(secret), until: Math.max(previous?.until ?? -Infinity, expiresAt + EXPIRED_GRACE_MS) });
  // Expired ones are swept at most once a minute; the bound is kept at once.
  if (known.size > MAX_SECRETS || now - prunedAt > 60_000) prune(now);
}

function prune(now: number): void {
  prunedAt = now;
  for (const [secret, entry] of known) if (entry.until < now) known.delete(secret);
  for (const secret of known.keys()) {
    if (known.size <= MAX_SECRETS) break;
    known.delete(secret);
  }
}

/** How many secrets are registered (tests of the bound). */
export function registeredSecrets(): number {
  return known.size;
}

const PATTERNS: [RegExp, string][] = [
  [/(authorization["']?\s*[:=]\s*["']?)(basic|bearer)\s+[^\s"',}]+/gi, '$1$2 [redacted]'],
  [/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{12,}=*/gi, '$1 [redacted]'],
  [/((?:client_secret|clientSecret|access_token|accessToken|apiKey|api_key|password)(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)[^\s"'&,}\\]+/gi, '$1[redacted]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
];

export function redact(text: string): string {
  let out = text;
  for (const { forms } of known.values()) {
    for (const form of forms) if (out.includes(form)) out = out.split(form).join('[redacted]');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
