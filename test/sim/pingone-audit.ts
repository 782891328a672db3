// The simulated audit activities (`/environments/:envId/activities`), as PingOne's platform API
// docs describe them ("Audit Activities", "Read Audit Activities"): a filter is required and must
// bound `recordedat` on both sides, at most 14 days apart; events older than 14 days have left the
// immediately readable window (PingOne restores them only on request, hours later); `action.type`
// narrows by event type; pages are HAL with `_links.next`. The endpoint has its own rate limit, far
// below the management API's, so this file keeps its own budget and answers its own 429s.
// The events of an environment live in an AuditLog the test fills (sign-ons, other types, events
// for users and applications that are gone) and ages (events leaving PingOne's retention).
import { randomUUID } from 'node:crypto';
import type { Directory } from './directory';
import { insufficientPermissions, invalidData, requestLimited } from './pingone-errors';
import { halPage, pageRequest, type CursorBook, type PagingSettings } from './pingone-paging';
import type { SimClient } from './pingone-token';
import type { SimReply, SimRequest } from './server';

export const AUDIT_QUERY_SPAN_MS = 14 * 24 * 3600 * 1000;

export interface AuditEvent {
  id: string;
  recordedAt: string;
  createdAt: string;
  correlationId: string;
  action: { type: string; description: string };
  actors: {
    client?: { id: string; name: string; type: 'CLIENT'; environment: { id: string }; href: string };
    user?: { id: string; name: string; type: 'USER'; environment: { id: string }; href: string };
  };
  resources: { id: string; type: string; name: string; environment: { id: string }; href: string }[];
  result: { status: 'SUCCESS' | 'FAILED'; description: string };
}

export interface AuditLog {
  events: AuditEvent[];
  /** Requests per second the audit endpoint allows (sliding second); over it, 429 with Retry-After: 1. */
  requestsPerSecond: number;
  /** Clients whose role lacks the audit permission: 403 INSUFFICIENT_PERMISSIONS. */
  deniedClientIds: Set<string>;
  recent: number[];
}

const logs = new WeakMap<Directory, AuditLog>();

/** The audit log of an environment, made empty on first use. */
export function auditLogOf(dir: Directory): AuditLog {
  let log = logs.get(dir);
  if (!log) logs.set(dir, (log = { events: [], requestsPerSecond: 10, deniedClientIds: new Set(), recent: [] }));
  return log;
}

export interface SignOn {
  userId: string;
  /** The user's name as PingOne shows it; defaults to the id. */
  userName?: string;
  appId: string;
  appName?: string;
  at: Date;
  /** Defaults to USER.ACCESS_ALLOWED. */
  type?: string;
  status?: 'SUCCESS' | 'FAILED';
}

/** An event as PingOne records it: the application as `actors.client`, the user as a USER resource and `actors.user`. */
export function auditEvent(dir: Directory, origin: string, e: SignOn): AuditEvent {
  const env = { id: dir.environmentId };
  const base = `${origin}/v1/environments/${dir.environmentId}`;
  const userName = e.userName ?? e.userId;
  const recordedAt = e.at.toISOString();
  return {
    id: randomUUID(),
    recordedAt,
    createdAt: new Date(e.at.getTime() + 15).toISOString(),
    correlationId: randomUUID(),
    action: { type: e.type ?? 'USER.ACCESS_ALLOWED', description: e.type ? e.type : 'User Access Allowed' },
    actors: {
      client: { id: e.appId, name: e.appName ?? e.appId, type: 'CLIENT', environment: env, href: `${base}/applications/${e.appId}` },
      user: { id: e.userId, name: userName, type: 'USER', environment: env, href: `${base}/users/${e.userId}` },
    },
    resources: [{ id: e.userId, type: 'USER', name: userName, environment: env, href: `${base}/users/${e.userId}` }],
    result: { status: e.status ?? 'SUCCESS', description: e.status === 'FAILED' ? 'Access denied' : 'Access allowed' },
  };
}

/** Records events; the log stays in `recordedAt` order, the order the endpoint pages them in. */
export function recordAudit(dir: Directory, origin: string, signOns: SignOn[]): AuditEvent[] {
  const log = auditLogOf(dir);
  const events = signOns.map((s) => auditEvent(dir, origin, s));
  log.events.push(...events);
  log.events.sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : a.id < b.id ? -1 : 1));
  return events;
}

/** PingOne's retention took these events: they are gone from the API for good. */
export function ageOut(dir: Directory, before: Date): number {
  const log = auditLogOf(dir);
  const kept = log.events.filter((e) => Date.parse(e.recordedAt) >= before.getTime());
  const gone = log.events.length - kept.length;
  log.events = kept;
  return gone;
}

interface AuditFilter {
  after?: { at: number; inclusive: boolean };
  before?: { at: number; inclusive: boolean };
  actionTypes?: string[];
}

/**
 * `recordedat gt|ge|lt|le "<ISO>"` and `action.type eq "<type>"` terms joined by `and`; several
 * types as a parenthesized `or` of `action.type eq` terms. Attribute names are case-insensitive.
 */
export function parseAuditFilter(text: string): AuditFilter | { error: string } {
  const filter: AuditFilter = {};
  const terms = text.split(/\s+and\s+/i);
  for (const raw of terms) {
    const term = raw.trim();
    const time = /^recordedat\s+(gt|ge|lt|le)\s+"([^"]+)"$/i.exec(term);
    if (time) {
      const at = Date.parse(time[2]);
      if (Number.isNaN(at)) return { error: `"${time[2]}" is not a date-time` };
      const op = time[1].toLowerCase();
      if (op === 'gt' || op === 'ge') filter.after = { at, inclusive: op === 'ge' };
      else filter.before = { at, inclusive: op === 'le' };
      continue;
    }
    const types = /^\(?\s*(action\.type\s+eq\s+"[^"]+"(?:\s+or\s+action\.type\s+eq\s+"[^"]+")*)\s*\)?$/i.exec(term);
    if (types) {
      filter.actionTypes = [...types[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      continue;
    }
    return { error: `unsupported filter term: ${term}` };
  }
  return filter;
}

export interface AuditContext {
  origin: string;
  settings: PagingSettings;
  cursors: CursorBook;
  now?: () => number;
}

export function answerAudit(req: SimRequest, dir: Directory, client: SimClient, ctx: AuditContext): SimReply {
  const log = auditLogOf(dir);
  if (overBudget(log)) return requestLimited();
  if (log.deniedClientIds.has(client.clientId)) return insufficientPermissions('activities');
  const start = pageRequest(req, ctx.cursors, ctx.settings, 100);
  if ('error' in start) return start.error;
  if (start.filter === undefined) return invalidData('REQUIRED_VALUE', 'filter', 'A filter with a recordedat range is required.');
  const filter = parseAuditFilter(start.filter);
  if ('error' in filter) return invalidData('INVALID_FILTER', 'filter', filter.error);
  if (!filter.after || !filter.before) return invalidData('INVALID_FILTER', 'filter', 'The filter must bound recordedat on both sides.');
  if (filter.before.at - filter.after.at > AUDIT_QUERY_SPAN_MS) {
    return invalidData('INVALID_FILTER', 'filter', 'The requested range may span at most 14 days.');
  }
  const now = (ctx.now ?? Date.now)();
  const horizon = now - AUDIT_QUERY_SPAN_MS;
  const { after, before, actionTypes } = filter;
  const matching = log.events.filter((e) => {
    const at = Date.parse(e.recordedAt);
    if (at < horizon) return false; // no longer immediately readable: PingOne would need a restore
    if (after.inclusive ? at < after.at : at <= after.at) return false;
    if (before.inclusive ? at > before.at : at >= before.at) return false;
    return !actionTypes || actionTypes.includes(e.action.type);
  });
  return halPage({
    origin: ctx.origin, req, collection: 'activities', items: matching, start, cursors: ctx.cursors, settings: ctx.settings,
    present: (e) => ({ _links: { self: { href: `${ctx.origin}${req.path}/${e.id}` } }, ...e }),
  });
}

// Sliding one-second window of its own: the audit endpoint's limit is separate from (and lower than) the API's.
function overBudget(log: AuditLog): boolean {
  const now = Date.now();
  while (log.recent.length > 0 && now - log.recent[0] >= 1000) log.recent.shift();
  if (log.recent.length >= log.requestsPerSecond) return true;
  log.recent.push(now);
  return false;
}
