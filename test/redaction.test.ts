// Secrets masked wherever they turn up: in text shaped like a credential, as registered values, and
// in whatever an activity throws (a got error carries the request's headers and form in its options).
import { inspect } from 'node:util';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { freePort } from '../client/dev-server';
import { createHttp } from '../activities/pingone/http';
import { redactedFailure } from '../activities/redacting-interceptor';
import { redact, registerSecret } from '../activities/redact';

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
