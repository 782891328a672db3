// The connection test's side effects: one activity call per check (token, environment, users,
// applications, groups, populations), each answering `ok` or `failed` with the sync's own cause
// and fix. Expected failures are answers, not errors. Two kinds of failure are thrown instead, so
// that Temporal (the one retry owner) asks again: a 403/404/invalid_client while a new Worker app
// or role may still be propagating (for PINGONE_PROPAGATION_GRACE_SECONDS since the first
// attempt), and a transient failure (network, timeout, 429, 5xx) for the first few attempts.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { VerifyCheck, VerifyCheckName } from '../../contract/verify';
import { auditApiFor, endpointsFor, pingOneApiFor, type ConnectionArgs } from '../connection';
import type { PingOneApi, PingOneApiDeps } from './api';
import { malformedAnswer, mayBePropagating, populationsHidden } from './classify';
import type { HostPolicy } from './hosts';
import { embeddedRecords, nextLink } from './listings';
import { toPopulationRow, type PopulationRow } from './records';
import { ProblemError, toFailure, type Problem } from '../problem';
import { redact } from '../../contract/redact';
import { AUDIT_PERMISSION_FIX, auditDeniedCause, auditPath, DEFAULT_USAGE_ACTION_TYPES, type UsageSettings } from './audit';

export const DEFAULT_PROPAGATION_GRACE_MS = 60_000;
/** Attempts a transient failure gets before the check reports it. */
export const TRANSIENT_ATTEMPTS = 3;
/** Populations whose visibility is probed, one request each; more are rare and would slow the test. */
const POPULATIONS_PROBED = 100;

export interface VerifyDeps extends PingOneApiDeps {
  hostPolicy: HostPolicy;
  usage?: UsageSettings;
  /** How long a 403/404/invalid_client is asked again before it is reported. */
  propagationGraceMs?: number;
}

export interface VerifyCheckArgs extends ConnectionArgs {
  check: VerifyCheckName;
}

export interface VerifyCheckOutcome {
  check: VerifyCheck;
  /** The token host's region code, answered by the token check. */
  region?: string;
}

type Finding = { cause: string; region?: string };

/** Runs one check of the connection test; throws only to be asked again (see the file comment). */
export async function verifyCheck(args: VerifyCheckArgs, deps: VerifyDeps): Promise<VerifyCheckOutcome> {
  const graceMs = deps.propagationGraceMs ?? DEFAULT_PROPAGATION_GRACE_MS;
  const info = Context.current().info;
  try {
    const found = await runCheck(args, deps);
    const check: VerifyCheck = { name: args.check, status: 'ok', cause: redact(found.cause), fix: '', type: null, correlationId: null };
    return { check, region: found.region };
  } catch (err) {
    const problem = problemOf(err);
    const stillPropagating = mayBePropagating(problem) && Date.now() - info.scheduledTimestampMs < graceMs;
    if (stillPropagating) throw expectedRetry(problem);
    if (problem.retryable && info.attempt < TRANSIENT_ATTEMPTS) throw toFailure(problem);
    return { check: failedCheck(args.check, problem) };
  }
}

export function failedCheck(name: VerifyCheckName, problem: Pick<Problem, 'type' | 'cause' | 'fix' | 'correlationId'>): VerifyCheck {
  return {
    name,
    status: 'failed',
    cause: redact(problem.cause),
    fix: redact(problem.fix),
    type: problem.type,
    correlationId: problem.correlationId ?? null,
  };
}

/** Asking again through the propagation delay is expected: benign, so the worker logs it at DEBUG, not WARN. */
function expectedRetry(problem: Problem): ApplicationFailure {
  const failure = toFailure({ ...problem, retryable: true });
  return ApplicationFailure.create({
    type: problem.type,
    message: `${failure.message} (asked again while PingOne may still be propagating a new Worker app or role)`,
    details: failure.details ?? undefined,
    category: ApplicationFailureCategory.BENIGN,
  });
}

function problemOf(err: unknown): Problem {
  if (err instanceof ProblemError) return err.problem;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    type: 'UnexpectedError',
    cause: `The connection test failed unexpectedly: ${message.slice(0, 300)}`,
    fix: 'Try again; if it persists, report it with the workflow id.',
    retryable: true,
  };
}

async function runCheck(args: VerifyCheckArgs, deps: VerifyDeps): Promise<Finding> {
  const endpoints = endpointsFor(args.pingOne, deps.hostPolicy);
  const api = pingOneApiFor(args.pingOne, deps.hostPolicy, deps);
  const environmentId = args.pingOne.environmentId;
  switch (args.check) {
    case 'token': {
      // A fresh token, never the cache's: the app may have been disabled since the last one.
      await deps.tokens.token(api.target.credentials, { ...api.target.context, resource: 'token', cursor: false }, api.stats, true);
      const host = new URL(endpoints.tokenUrl).host;
      return { cause: `PingOne at ${host} issued an access token to Client ID ${args.pingOne.clientId}.`, region: endpoints.region };
    }
    case 'environment': {
      const environment = await api.get(api.environmentUrl(), 'environment');
      const name = typeof environment.name === 'string' ? ` "${environment.name.slice(0, 100)}"` : '';
      return { cause: `Environment${name} (${environmentId}) is readable in PingOne's ${endpoints.regionName} region.` };
    }
    case 'users':
      await readable(api, '/users?limit=1', 'users');
      return { cause: `Users in environment ${environmentId} are readable.` };
    case 'applications':
      await readable(api, '/applications', 'applications');
      return { cause: `Applications in environment ${environmentId} are readable.` };
    case 'groups':
      await readable(api, '/groups?limit=1', 'groups');
      return { cause: `Groups in environment ${environmentId} are readable.` };
    case 'populations':
      return populationsVisible(api, environmentId);
    case 'auditActivities':
      return auditActivitiesReadable(args, deps);
  }
}

async function readable(api: PingOneApi, path: string, resource: 'users' | 'applications' | 'groups'): Promise<unknown[]> {
  const url = api.environmentUrl(path);
  const records = embeddedRecords(await api.get(url, resource), resource);
  if (!records) throw malformed(api, resource);
  return records;
}

/**
 * A population-scoped role lists populations but hides their users (or answers 403 for them): a
 * population that counts users while a listing filtered to it shows none is hidden.
 */
async function populationsVisible(api: PingOneApi, environmentId: string): Promise<Finding> {
  const populations: PopulationRow[] = [];
  for (let url: string | undefined = api.environmentUrl('/populations'), pages = 0; url && pages < 20; pages++) {
    const page = await api.get(url, 'populations', pages > 0);
    const records = embeddedRecords(page, 'populations');
    if (!records) throw malformed(api, 'populations');
    for (const raw of records) {
      const row = toPopulationRow(raw);
      if (row) populations.push(row);
    }
    url = nextLink(page, url);
  }
  const hidden: string[] = [];
  for (const population of populations.slice(0, POPULATIONS_PROBED)) {
    if (!population.user_count) continue;
    const filter = encodeURIComponent(`population.id eq "${population.population_id}"`);
    try {
      const users = await readable(api, `/users?limit=1&filter=${filter}`, 'users');
      if (users.length === 0) hidden.push(population.name);
    } catch (err) {
      if (err instanceof ProblemError && err.problem.status === 403) hidden.push(population.name);
      else throw err;
    }
  }
  if (hidden.length > 0) throw new ProblemError(populationsHidden(hidden, populations.length, environmentId));
  if (populations.length === 0) return { cause: `PingOne listed no populations in environment ${environmentId}.` };
  const probed = populations.length > POPULATIONS_PROBED ? ` (the first ${POPULATIONS_PROBED} were probed)` : '';
  return { cause: `The Worker app sees the users of all ${populations.length} population${populations.length === 1 ? '' : 's'} in environment ${environmentId}${probed}.` };
}

/** One page of the last hour's sign-ons, on the audit budget: enough to know the permission is there. */
async function auditActivitiesReadable(args: VerifyCheckArgs, deps: VerifyDeps): Promise<Finding> {
  const api = auditApiFor(args, deps);
  const to = new Date();
  const window = { from: new Date(to.getTime() - 3600_000).toISOString(), to: to.toISOString() };
  try {
    await api.get(api.environmentUrl(auditPath(window, deps.usage?.actionTypes ?? DEFAULT_USAGE_ACTION_TYPES, 1)), 'activities');
  } catch (err) {
    if (err instanceof ProblemError && err.problem.type === 'PingOneInsufficientPermissions') {
      throw new ProblemError({ ...err.problem, cause: auditDeniedCause(args.pingOne.environmentId), fix: AUDIT_PERMISSION_FIX });
    }
    throw err;
  }
  return { cause: `Audit activities in environment ${args.pingOne.environmentId} are readable: the sync can tell who signs on to each application.` };
}

function malformed(api: PingOneApi, resource: string): ProblemError {
  return new ProblemError(
    malformedAnswer(
      `PingOne at ${new URL(api.target.apiBaseUrl).host} answered ${resource} without a readable _embedded list.`,
      'Try the connection test again; if it persists, report it with the correlation id.',
    ),
  );
}
