// Secrets masked wherever they turn up: in text shaped like a credential, as registered values, and
// in whatever an activity throws (a got error carries the request's headers and form in its options).
import { inspect } from 'node:util';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { freePort } from '../dev/dev-server';
import { createHttp } from '../activities/pingone/http';
import { redactedFailure } from '../activities/redacting-interceptor';
import { randomUUID } from 'node:crypto';
import { endpointsFor } from '../activities/connection';
import { MAX_SECRETS, redact, registeredSecrets, registerSecret } from '../contract/redact';

describe('redact', () => {
  it.each([
    ['an Authorization header', 'headers: { authorization: "Bearer abc.def.ghi-123456" }', 'headers: { authorization: "Bearer [redacted]" }'],
    ['a Basic credential', 'sent Basic dXNlcjpwYXNzd29yZDEyMzQ=', 'sent Basic [redacted]'],
    ['a form field', 'grant_type=client_credentials&client_secret=s3cr3t-v4lue&client_id=x', 'grant_type=client_credentials&client_secret=[redacted]&client_id=x'],
    ['a JSON field', '{"clientSecret":"s3cr3t-v4lue","apiKey":"k-123"}', '{"clientSecret":"[redacted]","apiKey":"[redacted]"}'],
    ['a JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'token [redacted-jwt]'],
  ])('masks %s', (_what, text, masked) => {
    expect(redact(text)).toBe(masked);
  });

  it('masks a registered secret wherever it appears', () => {
    registerSecret('plain-looking-value-9Rt4');
    expect(redact('failed for plain-looking-value-9Rt4 at host')).toBe('failed for [redacted] at host');
  });
  it('masks a registered secret in its JSON-escaped, twice-escaped, \\u-escaped and URL-encoded forms', () => {
    const secret = 'q"uo\\te/é+sp ace-7Hn2';
    registerSecret(secret);
    const inJson = JSON.stringify({ message: `refused ${secret}` });
    const nested = JSON.stringify({ failure: inJson });
    const ascii = inJson.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const form = new URLSearchParams({ client_id: 'x', other: secret }).toString();
    for (const text of [inJson, nested, ascii, form, `path/${encodeURIComponent(secret)}/x`]) {
      const masked = redact(text);
      expect(masked).toContain('[redacted]');
      for (const piece of ['q"uo', 'q\\"uo', 'uo\\\\te', 'sp ace-7Hn2', 'sp+ace-7Hn2', 'sp%20ace-7Hn2']) expect(masked).not.toContain(piece);
    }
  });

  it('masks a secret field inside escaped JSON even when never registered', () => {
    expect(redact(JSON.stringify({ body: JSON.stringify({ client_secret: 'never-registered-4Kd9' }) }))).not.toContain('never-registered-4Kd9');
  });

  it('forgets a token once it has expired, and keeps at most MAX_SECRETS', () => {
    const now = Date.now();
    registerSecret('short-lived-token-Xc5Vb8', now - 60 * 60_000, now);
    // The sweep runs at most once a minute: a registration two minutes on triggers it.
    registerSecret('another-token-Nm3Qw7', now + 60 * 60_000, now + 2 * 60_000);
    expect(redact('short-lived-token-Xc5Vb8')).toBe('short-lived-token-Xc5Vb8');
    expect(redact('another-token-Nm3Qw7')).toBe('[redacted]');
    for (let i = 0; i < MAX_SECRETS + 50; i++) registerSecret(`flood-${i}-secret`, Infinity, now + 3 * 60_000);
    expect(registeredSecrets()).toBeLessThanOrEqual(MAX_SECRETS);
    // The most recent stay.
    expect(redact(`flood-${MAX_SECRETS + 49}-secret`)).toBe('[redacted]');
  });
});

describe('secrets in host checks', () => {
  it('registers the Client Secret before the Token URL is checked, so a refusal cannot echo it', () => {
    // Lower case: a URL's host comes back lower-cased.
    const secret = 'pastedsecretinthehost7k2m9x';
    let message = '';
    try {
      endpointsFor({ environmentId: randomUUID(), clientId: randomUUID(), clientSecret: secret, tokenUrl: `https://${secret}.example.com/env/as/token` }, { allowedHosts: [] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/InvalidConnection|Token URL|host/i);
    expect(message).not.toContain(secret);
  });
});

describe('what an activity throws', () => {
  it('leaves a got error behind, keeping only its redacted message', async () => {
    const secret = 'form-secret-Mv8Qz2Lp';
    const port = await freePort();
    const error = await createHttp({ requestTimeoutMs: 2000, maxResponseBytes: 1024 * 1024 })
      .post(`http://127.0.0.1:${port}/env/as/token`, {
        form: { grant_type: 'client_credentials', client_secret: secret },
        headers: { authorization: `Bearer header-token-Jw3Kx9Tq5` },
      })
      .then(() => undefined, (err: unknown) => err);
    // The vector is real: the error object carries the request's credentials.
    expect(inspect(error, { depth: 6 })).toContain('header-token-Jw3Kx9Tq5');
    const failure = redactedFailure(error) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('RequestError');
    expect(failure.message).toMatch(/ECONNREFUSED/);
    expect(failure.nonRetryable).toBe(false);
    const shown = inspect(failure, { depth: 10 });
    expect(shown).not.toContain('header-token-Jw3Kx9Tq5');
    expect(shown).not.toContain(secret);
  });

  it('redacts an ApplicationFailure’s message and keeps its retry decision', () => {
    registerSecret('registered-secret-Pq7Wn3');
    const thrown = ApplicationFailure.create({ type: 'ToriiRejected', message: 'key registered-secret-Pq7Wn3 refused', nonRetryable: true, nextRetryDelay: 5000 });
    const failure = redactedFailure(thrown) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'ToriiRejected', message: 'key [redacted] refused', nonRetryable: true, nextRetryDelay: 5000 });
  });

  it('lets cancellation through as it is', () => {
    const cancelled = new CancelledFailure('cancelled');
    expect(redactedFailure(cancelled)).toBe(cancelled);
  });
});
