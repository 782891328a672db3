// The one error classifier for Torii: a status and Torii's `{statusCode, error, message}` body
// become a Problem. 409 on a sync means another sync of the account is running: retried with
// backoff by Temporal, like 429 and 5xx; a rejected file is final and carries Torii's own words.
import { certificateFix, isCertificateRejection, type Problem } from '../problem';
import { parseRetryAfter } from '../retry-after';

export type ToriiStep = 'upload' | 'presign' | 'presigned-put' | 'register' | 'sync';

export function classifyToriiAnswer(step: ToriiStep, status: number, body: unknown, headers: Record<string, string | string[] | undefined>): Problem {
  const message = typeof (body as { message?: unknown })?.message === 'string' ? (body as { message: string }).message.slice(0, 300) : '';
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  if (status === 401 || status === 403) {
    if (step === 'presigned-put') {
      return { type: 'ToriiUploadUrlExpired', cause: 'The presigned upload URL was refused (expired).', fix: 'Nothing to do: a new upload URL is requested.', retryable: true, status };
    }
    return {
      type: 'ToriiUnauthorized',
      cause: `Torii refused the API key (${status}).`,
      fix: 'Create a Full access API key in Torii (Settings → API Access) and set it as TORII_API_KEY or in the input.',
      retryable: false,
      status,
    };
  }
  if (status === 409 && step === 'sync') {
    return { type: 'ToriiSyncBusy', cause: 'Torii is still processing another sync of this account.', fix: 'Nothing to do: the sync call is repeated with backoff.', retryable: true, retryAfterMs, status };
  }
  if (status === 429 || status >= 500 || status === 408) {
    return { type: status === 429 ? 'ToriiRateLimited' : 'ToriiUnavailable', cause: `Torii answered ${status} during ${step}.`, fix: 'Nothing to do: the sync waits and tries again.', retryable: true, retryAfterMs, status };
  }
  if (step === 'sync' && (status === 400 || status === 422)) {
    return { type: 'ToriiRejectedFile', cause: `Torii rejected the file: ${message || status}.`, fix: 'Report this to support with the sync id: the file does not match what Torii expects.', retryable: false, status };
  }
  if (status === 404 && step === 'sync') {
    return { type: 'ToriiAppAccountNotFound', cause: `Torii does not know the app account or file (${message || status}).`, fix: 'Check torii.appAccountId: it must be the id of the custom integration’s app account.', retryable: false, status };
  }
  return { type: 'ToriiRequestFailed', cause: `Torii answered ${status} during ${step}${message ? `: ${message}` : ''}.`, fix: 'Check the Torii API URL and key; report this to support if it persists.', retryable: false, status };
}

export function classifyToriiTransport(step: ToriiStep, error: { code?: string; name?: string }, host: string): Problem {
  if (isCertificateRejection(error.code)) {
    return { type: 'ToriiUnreachable', cause: `Torii at ${host} presented a TLS certificate the worker does not accept during ${step} (${error.code}).`, fix: certificateFix(host), retryable: true };
  }
  return {
    type: 'ToriiUnreachable',
    cause: `Torii at ${host} could not be reached during ${step} (${error.code ?? error.name ?? 'network error'}).`,
    fix: 'Nothing to do if this passes; if it persists, check the worker’s network path to Torii.',
    retryable: true,
  };
}

/** An answer bigger than HTTP_MAX_RESPONSE_BYTES or nested deeper than any real one; not retried. */
export function toriiResponseTooLarge(step: ToriiStep, host: string, what: { limitBytes: number } | { maxDepth: number }): Problem {
  const beyond = 'limitBytes' in what ? `more than ${what.limitBytes} bytes (HTTP_MAX_RESPONSE_BYTES)` : `JSON nested deeper than ${what.maxDepth} levels`;
  return {
    type: 'ToriiResponseTooLarge',
    cause: `Torii at ${host} answered ${step} with ${beyond}; the worker stopped reading it, since Torii's answers are a few hundred bytes.`,
    fix: 'Check TORII_API_URL points at Torii\'s API; if it does, report this to Torii support with the sync id.',
    retryable: false,
  };
}
