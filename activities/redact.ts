// Keeps secrets out of logs, errors and history text. Secrets are registered as they enter the
// worker (client secrets, API keys, issued tokens), and anything shaped like a credential is masked
// even when it was never registered.

const known = new Set<string>();

/** Remembers a secret so every later `redact` masks it, wherever it turns up. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 6) known.add(secret);
}

const PATTERNS: [RegExp, string][] = [
  [/(authorization["']?\s*[:=]\s*["']?)(basic|bearer)\s+[^\s"',}]+/gi, '$1$2 [redacted]'],
  [/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{12,}=*/gi, '$1 [redacted]'],
  [/((?:client_secret|clientSecret|access_token|accessToken|apiKey|api_key|password)["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi, '$1[redacted]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
