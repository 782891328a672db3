// The one error classifier for PingOne: turns a status, an error body or a network error into a
// Problem with the customer's cause and fix. Pure; status classes and `code`s decide, not exact
// statuses, because PingOne answers a missing environment with 400, 401, 403 or 404.
import { certificateFix, isCertificateRejection, type Problem } from '../problem';
import { parseRetryAfter } from '../retry-after';

export type PingOneResource =
  | 'token'
  | 'environment'
  | 'users'
  | 'members'
  | 'roleAssignments'
  | 'roles'
  | 'groups'
  | 'groupParents'
  | 'applications'
  | 'populations'
  | 'activities';

export interface PingOneAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface ClassifyContext {
  resource: PingOneResource;
  /** Token URL host, for messages. */
  host: string;
  /** Whether the customer gave a Token URL (admin environment) or the default was used. */
  customTokenUrl: boolean;
  /** `https://auth.pingone.<tld>/<admin-env-id>/as/token` for this region. */
  adminTokenUrlHint: string;
  regionName: string;
  environmentId: string;
  /** True when the request followed a `next` link: a 400/404 then means the cursor expired. */
  cursor: boolean;
}

// As PingOne's official Go SDK retries (pingone-go-sdk-v2): 408, 429, 500, 501, 502, 503, 504, and
// any answer whose error `code` is UNEXPECTED_ERROR, whatever its status.
const RETRYABLE_STATUS = new Set([408, 429, 500, 501, 502, 503, 504]);

function isRetryable(answer: PingOneAnswer): boolean {
  return RETRYABLE_STATUS.has(answer.status) || errorBody(answer.body).code === 'UNEXPECTED_ERROR';
}

interface PingOneErrorBody {
  id?: string;
  code?: string;
  message?: string;
  details?: { code?: string; message?: string }[];
  error?: string;
  error_description?: string;
}

function errorBody(body: unknown): PingOneErrorBody {
  return body && typeof body === 'object' ? (body as PingOneErrorBody) : {};
}

function correlationIdOf(body: PingOneErrorBody): string | undefined {
  const fromDescription = /Correlation ID:\s*([^)\s]+)/i.exec(body.error_description ?? '');
  return fromDescription?.[1] ?? body.id;
}

export function isUnsupportedAuthMethod(answer: PingOneAnswer): boolean {
  const body = errorBody(answer.body);
  return body.error === 'invalid_client' && /unsupported authentication method/i.test(body.error_description ?? '');
}

export function isInvalidToken(answer: PingOneAnswer): boolean {
  const body = errorBody(answer.body);
  return answer.status === 401 && (body.code === 'INVALID_TOKEN' || body.code === 'ACCESS_FAILED' || !body.code);
}

const GRANT_FOR: Record<PingOneResource, string> = {
  token: '',
  environment: 'Identity Data Read Only',
  users: 'Identity Data Read Only',
  members: 'Identity Data Read Only',
  groups: 'Identity Data Read Only',
  groupParents: 'Identity Data Read Only',
  populations: 'Identity Data Read Only',
  roleAssignments: 'Identity Data Read Only',
  roles: 'Identity Data Read Only',
  applications: 'Application Owner',
  activities: 'Environment Admin',
};

// What a customer calls the resource: a group's members are users to them, whichever listing asked.
const READ_AS: Record<PingOneResource, string> = {
  token: 'tokens',
  environment: 'the environment',
  users: 'users',
  members: 'users',
  roleAssignments: 'users’ role assignments',
  roles: 'the roles list',
  groups: 'groups',
  groupParents: 'groups',
  applications: 'applications',
  populations: 'populations',
  activities: 'audit activities',
};

export function classifyTokenAnswer(answer: PingOneAnswer, ctx: ClassifyContext, bothMethodsTried: boolean): Problem {
  const body = errorBody(answer.body);
  const correlationId = correlationIdOf(body);
  const base = { status: answer.status, correlationId };
  if (isRetryable(answer)) return transient(answer, ctx, base);
  if (body.error === 'invalid_client' && isUnsupportedAuthMethod(answer)) {
    return {
      ...base,
      type: 'PingOneUnsupportedAuthMethod',
      cause: bothMethodsTried
        ? "PingOne refused both Client Secret Basic and Client Secret Post: the Worker app's token endpoint authentication method is neither (Private Key JWT, perhaps)."
        : 'PingOne refused the client authentication method.',
      fix: "In PingOne, set the Worker app's Token Endpoint Authentication Method to Client Secret Basic (or Client Secret Post).",
      retryable: false,
    };
  }
  if (body.error === 'invalid_client') {
    return ctx.customTokenUrl
      ? {
          ...base,
          type: 'PingOneInvalidClient',
          cause: `PingOne at ${ctx.host} did not accept the Client ID and Client Secret for the environment in the Token URL.`,
          fix: "Copy the Client ID and Client Secret again from the Worker app's Configuration tab in that environment.",
          retryable: false,
        }
      : {
          ...base,
          type: 'PingOneInvalidClient',
          cause: `PingOne did not accept the Client ID and Client Secret for environment ${ctx.environmentId}.`,
          fix: `Check them in the Worker app; if these credentials were issued by another (admin) environment, set Token URL to ${ctx.adminTokenUrlHint}.`,
          retryable: false,
        };
  }
  return {
    ...base,
    type: 'PingOneTokenRejected',
    cause: `PingOne's token endpoint at ${ctx.host} answered ${answer.status} (${body.error ?? body.code ?? 'no error code'}).`,
    fix: 'Check the Token URL and that the Worker app is enabled and uses the client credentials grant.',
    retryable: false,
  };
}

function transient(answer: PingOneAnswer, ctx: ClassifyContext, base: Pick<Problem, 'status' | 'correlationId'>): Problem {
  return {
    ...base,
    type: answer.status === 429 ? 'PingOneRateLimited' : 'PingOneUnavailable',
    cause:
      answer.status === 429
        ? `PingOne's rate limit was reached while reading ${ctx.resource}.`
        : `PingOne answered ${answer.status} while reading ${ctx.resource}.`,
    fix: 'Nothing to do: the sync waits and tries again.',
    retryable: true,
    retryAfterMs: parseRetryAfter(answer.headers['retry-after']),
  };
}

export function classifyApiAnswer(answer: PingOneAnswer, ctx: ClassifyContext): Problem {
  const body = errorBody(answer.body);
  const detailCodes = (body.details ?? []).map((d) => d.code);
  const base = { status: answer.status, correlationId: correlationIdOf(body) };
  if (isRetryable(answer)) return transient(answer, ctx, base);
  if (ctx.cursor && (answer.status === 400 || answer.status === 404)) {
    return {
      ...base,
      type: 'PingOneCursorExpired',
      cause: `PingOne no longer accepts the paging cursor of a ${ctx.resource} listing.`,
      fix: 'Nothing to do: the listing starts again from its first page.',
      retryable: false,
    };
  }
  if (ctx.resource === 'environment' && [400, 401, 403, 404].includes(answer.status)) {
    return {
      ...base,
      type: 'PingOneEnvironmentNotFound',
      cause: `Environment ${ctx.environmentId} was not found in PingOne's ${ctx.regionName} region, or this Worker app may not read it (${answer.status}).`,
      fix: 'Check the Environment ID and region (the Token URL host decides the region), and that the Worker app has a role scoped to this environment.',
      retryable: false,
    };
  }
  if (answer.status === 403 || detailCodes.includes('INSUFFICIENT_PERMISSIONS')) {
    return {
      ...base,
      type: 'PingOneInsufficientPermissions',
      cause: `The Worker app may not read ${READ_AS[ctx.resource]} in environment ${ctx.environmentId}.`,
      fix: `In PingOne, grant the Worker app the ${GRANT_FOR[ctx.resource]} role for this environment and all its populations.`,
      retryable: false,
    };
  }
  if (answer.status === 401) {
    return {
      ...base,
      type: 'PingOneAccessDenied',
      cause: `PingOne rejected a fresh access token while reading ${ctx.resource}.`,
      fix: 'Check that the Worker app is enabled and its role assignments are scoped to this environment.',
      retryable: false,
    };
  }
  return {
    ...base,
    type: answer.status === 404 ? 'PingOneNotFound' : 'PingOneBadRequest',
    cause: `PingOne answered ${answer.status} ${body.code ?? ''} while reading ${ctx.resource}: ${(body.message ?? '').slice(0, 200)}`.trim(),
    fix: 'Check the Environment ID; if it is right, report this to support with the correlation id.',
    retryable: false,
  };
}

const NETWORK_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_GOT_REQUEST_ERROR', 'ERR_BODY_PARSE_FAILURE']);

const doing = (resource: PingOneResource) => (resource === 'token' ? 'asked for an access token' : `reading ${resource}`);

/** A request that produced no usable answer: the network, a timeout, or a body cut short. */
export function classifyTransportError(error: { code?: string; name?: string; message?: string }, host: string, resource: PingOneResource): Problem {
  const code = error.code ?? error.name ?? 'unknown';
  if (isCertificateRejection(code)) {
    return { type: 'PingOneUnreachable', cause: `PingOne at ${host} presented a TLS certificate the worker does not accept when ${doing(resource)} (${code}).`, fix: certificateFix(host), retryable: true };
  }
  const timeout = code === 'ETIMEDOUT' || error.name === 'TimeoutError';
  return {
    type: timeout ? 'PingOneTimeout' : 'PingOneUnreachable',
    cause: timeout
      ? `PingOne at ${host} did not answer in time when ${doing(resource)}.`
      : `PingOne at ${host} could not be reached when ${doing(resource)} (${NETWORK_CODES.has(code) ? code : 'network error'}).`,
    fix: 'Nothing to do if this passes; if it persists, check the worker’s network path to that host.',
    retryable: true,
  };
}

/**
 * The one PingOneMalformedResponse: an answer or link the worker cannot use. Retried by default,
 * since a second answer is usually whole; `cause` names the resource and what was wrong with it.
 */
export function malformedAnswer(cause: string, fix = 'Nothing to do: the page is fetched again.', retryable = true): Problem {
  return { type: 'PingOneMalformedResponse', cause, fix, retryable };
}

/**
 * An answer the worker will not hold: bigger than HTTP_MAX_RESPONSE_BYTES or nested deeper than any
 * real one. Not retried: every attempt would cost a worker the same memory, one worker after another.
 */
export function responseTooLarge(host: string, resource: PingOneResource, what: { limitBytes: number } | { maxDepth: number }): Problem {
  const beyond = 'limitBytes' in what ? `more than ${what.limitBytes} bytes (HTTP_MAX_RESPONSE_BYTES, counted over the connection's answers in flight)` : `JSON nested deeper than ${what.maxDepth} levels`;
  return {
    type: 'PingOneResponseTooLarge',
    cause: `PingOne at ${host} sent ${beyond} when ${doing(resource)}; the worker stopped reading it, since a real answer is far smaller (a page of 200 users is under 1 MB).`,
    fix: 'Check that the Token URL and region point at PingOne itself; if they do, report this to PingOne support. Raise HTTP_MAX_RESPONSE_BYTES on the worker only if such answers are expected.',
    retryable: false,
  };
}

/**
 * Right after a Worker app or its role assignment is created, PingOne answers 403, 404 or
 * invalid_client for about a minute: such a problem may still pass on its own.
 */
export function mayBePropagating(problem: Problem): boolean {
  return problem.type === 'PingOneInvalidClient' || problem.status === 403 || problem.status === 404;
}

/** Populations whose users this Worker app cannot see: its roles are scoped to some populations only. */
export function populationsHidden(hidden: string[], total: number, environmentId: string): Problem {
  const names = hidden.slice(0, 5).map((name) => JSON.stringify(name)).join(', ') + (hidden.length > 5 ? ` and ${hidden.length - 5} more` : '');
  return {
    type: 'PingOnePopulationsHidden',
    cause: `The Worker app sees the users of only ${total - hidden.length} of ${total} populations in environment ${environmentId}; hidden: ${names}.`,
    fix: 'In PingOne, grant the Worker app its roles (Identity Data Read Only, Application Owner) for the whole environment, not for single populations.',
    retryable: false,
  };
}
