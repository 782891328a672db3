// What went wrong, in the customer's words: every failure an activity reports is a Problem with a
// cause and a fix, turned into exactly one Temporal ApplicationFailure. Temporal's retry policy is
// the only retry layer, so `retryable` and `retryAfterMs` here decide what happens next.
import { ApplicationFailure } from '@temporalio/common';
import { redact } from '../contract/redact';

export interface Problem {
  /** Stable failure type, e.g. `PingOneInvalidClient`; operators filter on it. */
  type: string;
  /** One sentence: what happened. */
  cause: string;
  /** One sentence: what to do about it. */
  fix: string;
  retryable: boolean;
  /** Server-requested wait before the next attempt (Retry-After). */
  retryAfterMs?: number;
  /** PingOne's error id or token Correlation ID, for support tickets. */
  correlationId?: string;
  status?: number;
}

export function problemMessage(problem: Problem): string {
  const ref = problem.correlationId ? ` (correlation id ${problem.correlationId})` : '';
  return redact(`${problem.cause} ${problem.fix}${ref}`);
}

/** Raised inside activities; the activity boundary converts it with `toFailure`. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problemMessage(problem));
    this.name = problem.type;
  }
}

export function toFailure(problem: Problem): ApplicationFailure {
  return ApplicationFailure.create({
    type: problem.type,
    message: problemMessage(problem),
    nonRetryable: !problem.retryable,
    nextRetryDelay: problem.retryAfterMs,
    details: [
      {
        cause: redact(problem.cause),
        fix: redact(problem.fix),
        correlationId: problem.correlationId ?? null,
        status: problem.status ?? null,
      },
    ],
  });
}

/**
 * Whether a request failed because the server's TLS certificate was not accepted: Node's codes for
 * a certificate that fails verification (nodejs.org/api/crypto.html, "X509 certificate error
 * codes") and for one that does not name the host. Retried as an unreachable host is (a host's or
 * a proxy's certificate can be mended while the sync waits), but the words name the certificate:
 * "could not be reached" would send an operator to the network instead.
 */
export function isCertificateRejection(code: string | undefined): boolean {
  return code !== undefined && CERTIFICATE_REJECTIONS.has(code);
}

const CERTIFICATE_REJECTIONS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The fix for a rejected certificate, for PingOne's and Torii's hosts alike. */
export function certificateFix(host: string): string {
  return `Check that ${host} is the right host and that its certificate is valid for that name; if a TLS-inspecting proxy sits in the worker's path, give the worker its authority with NODE_EXTRA_CA_CERTS.`;
}

/**
 * Wraps an activity body so that every error leaves as a redacted ApplicationFailure: Problems keep
 * their classification; anything unexpected is retryable with its message redacted (got errors carry
 * request options, headers included, so nothing of the original object travels on).
 */
export async function reportingProblems<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ProblemError) throw toFailure(err.problem);
    if (err instanceof ApplicationFailure) throw err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw ApplicationFailure.create({ type: 'UnexpectedError', message: redact(message), nonRetryable: false });
  }
}
