// A PingOne tenant over real HTTP for tests: token endpoint at `${authUrl}/:envId/as/token`,
// management API at `${apiUrl}/environments/:envId/...`, serving live Directory objects (mutate
// them between syncs). Settings may be changed while running; faults and a rate limit make it
// as unfriendly as the reference notes say PingOne can be.
import type { Directory } from './directory';
import type { FaultPlan } from './faults';
import { ManagementSettings, PingOneKind, answerManagement, answerRoles, prepareFrozenDirectory } from './pingone-api';
import { notFound, requestLimited } from './pingone-errors';
import { CursorBook } from './pingone-paging';
import { SimClient, TokenIssuer } from './pingone-token';
import { RequestRecord, SimReply, SimRequest, startSimServer } from './server';

export type { PingOneKind } from './pingone-api';
export type { SimClient, TokenAuthMethod } from './pingone-token';

export interface PingOneSimulatorOptions {
  environments: Directory[];
  clients: SimClient[];
  /** Fixed delay before every answer. */
  latencyMs?: number;
  /** `limit` is clamped to this; default 200. */
  maxPageSize?: number;
  /** `limit` on audit activities is clamped to this; default maxPageSize. */
  auditMaxPageSize?: number;
  /** Pages hold a deterministic random 1..limit items. */
  shortPages?: boolean;
  omitCount?: boolean;
  /** `count` under-reports by one. */
  wrongCount?: boolean;
  /** See PagingSettings. */
  relativeNextLinks?: boolean;
  expiredCursorStatus?: 400 | 404;
  omitEmptyEmbedded?: boolean;
  tokenTtlSeconds?: number;
  /** Over budget (sliding one second), 429 REQUEST_LIMITED with Retry-After: 1. */
  rateLimit?: { requestsPerSecond: number };
  /** Status for an environment id the tenant does not have; default 403. */
  unknownEnvironmentStatus?: 400 | 401 | 403 | 404;
  /**
   * The directories never change while the simulator runs (the benchmark's do not), so a user
   * filter's matches are computed once, not on every page. Tests that edit a directory mid-run
   * leave it off.
   */
  frozenDirectory?: boolean;
}

export interface PingOneSettings extends ManagementSettings {
  latencyMs: number;
  tokenTtlSeconds: number;
  rateLimit?: { requestsPerSecond: number };
}

export interface PingOneSimulator {
  origin: string;
  /** Token URL is `${authUrl}/${envId}/as/token`. */
  authUrl: string;
  /** `${origin}/v1` */
  apiUrl: string;
  /** Live settings: change them mid-test (e.g. shortPages, rateLimit, environments). */
  settings: PingOneSettings;
  requests: RequestRecord<PingOneKind>[];
  faults: FaultPlan<PingOneKind>;
  readonly connections: number;
  /** Every access token handed out, to grep logs and stores for leaks. */
  issuedTokens: string[];
  fetchesByUrl(url: string): number;
  revokeTokens(): void;
  /** Every cursor issued so far answers 400 INVALID_DATA (or 404, settings.expiredCursorStatus) from now on. */
  expireCursors(): void;
  close(): Promise<void>;
}

export async function startPingOneSimulator(opts: PingOneSimulatorOptions): Promise<PingOneSimulator> {
  const settings: PingOneSettings = {
    environments: opts.environments,
    maxPageSize: opts.maxPageSize ?? 200,
    auditMaxPageSize: opts.auditMaxPageSize,
    shortPages: opts.shortPages ?? false,
    omitCount: opts.omitCount ?? false,
    wrongCount: opts.wrongCount ?? false,
    relativeNextLinks: opts.relativeNextLinks ?? false,
    expiredCursorStatus: opts.expiredCursorStatus ?? 400,
    omitEmptyEmbedded: opts.omitEmptyEmbedded ?? false,
    unknownEnvironmentStatus: opts.unknownEnvironmentStatus ?? 403,
    latencyMs: opts.latencyMs ?? 0,
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
    rateLimit: opts.rateLimit,
    frozenDirectory: opts.frozenDirectory ?? false,
  };
  if (settings.frozenDirectory) for (const dir of settings.environments) prepareFrozenDirectory(dir);
  const tokens = new TokenIssuer(opts.clients, () => settings.tokenTtlSeconds);
  const cursors = new CursorBook();
  const recent: number[] = [];
  let origin = '';

  const handle = async (req: SimRequest, kind: PingOneKind): Promise<SimReply> => {
    // The audit endpoint keeps its own, separate budget (pingone-audit.ts).
    if (kind !== 'activities' && overBudget(recent, settings.rateLimit)) return requestLimited();
    if (kind === 'token') {
      if (req.method !== 'POST') return notFound('resource');
      return tokens.issue(req, req.path.split('/')[1]);
    }
    if (kind === 'roles') return answerRoles(req, { origin, settings, tokens, cursors });
    if (!req.path.startsWith('/v1/environments/')) return notFound('resource');
    return answerManagement(req, kind, { origin, settings, tokens, cursors });
  };

  const server = await startSimServer<PingOneKind>({ classify, handle, latencyMs: () => settings.latencyMs });
  origin = server.origin;
  return {
    origin,
    authUrl: origin,
    apiUrl: `${origin}/v1`,
    settings,
    requests: server.requests,
    faults: server.faults,
    get connections() { return server.connections; },
    issuedTokens: tokens.issuedTokens,
    fetchesByUrl: server.fetchesByUrl,
    revokeTokens: () => tokens.revokeAll(),
    expireCursors: () => cursors.expireAll(),
    close: server.close,
  };
}

function classify(method: string, path: string, params: URLSearchParams): PingOneKind {
  if (/^\/[^/]+\/as\/token$/.test(path)) return 'token';
  if (path === '/v1/roles') return 'roles';
  const match = /^\/v1\/environments\/[^/]+(?:\/([^/]+)(?:\/[^/]+(?:\/([^/]+))?)?)?$/.exec(path);
  if (!match) return 'other';
  const [, collection, sub] = match;
  if (collection === undefined) return 'environment';
  if (collection === 'users') {
    if (sub === 'roleAssignments') return 'roleAssignments';
    return /memberOfGroups\[/i.test(params.get('filter') ?? '') ? 'members' : 'users';
  }
  if (collection === 'groups') return sub === 'memberOfGroups' ? 'groupParents' : 'groups';
  if (collection === 'populations') return 'populations';
  if (collection === 'applications') return 'applications';
  if (collection === 'activities') return 'activities';
  return 'other';
}

// Sliding one-second window; rejected requests do not count against the budget.
function overBudget(recent: number[], limit: { requestsPerSecond: number } | undefined): boolean {
  if (!limit) return false;
  const now = Date.now();
  while (recent.length > 0 && now - recent[0] >= 1000) recent.shift();
  if (recent.length >= limit.requestsPerSecond) return true;
  recent.push(now);
  return false;
}
