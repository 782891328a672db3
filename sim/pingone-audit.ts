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

/**
 * The events of one environment, held compactly: a few bytes of typed arrays per event and each
 * distinct string (user, application, type) once, so a benchmark's millions of events fit in a
 * few hundred MB instead of gigabytes of objects. An event is dressed as PingOne's JSON only when a
 * page serves it (or a test asks for `events`); its id follows from its sequence number, so the
 * same event always reads the same.
 */
export class AuditLog {
  /** Requests per second the audit endpoint allows (sliding second); over it, 429 with Retry-After: 1. */
  requestsPerSecond = 10;
  /** Clients whose role lacks the audit permission: 403 INSUFFICIENT_PERMISSIONS. */
  deniedClientIds = new Set<string>();
  recent: number[] = [];

  private readonly idPrefix = randomUUID().slice(0, 23);
  private size = 0;
  private at = new Float64Array(1024);
  private seq = new Uint32Array(1024);
  private user = new Uint32Array(1024);
  private app = new Uint32Array(1024);
  /** Action type index, and the top bit set when the event failed. */
  private kind = new Uint32Array(1024);
  private nextSeq = 0;
  private sorted = true;
  private readonly strings = new Map<string, number>();
  private readonly table: string[] = [];
  /** Per filter: the positions of matching events in the sorted log (cleared when the log changes). */
  private readonly matches = new Map<string, Uint32Array>();

  get length(): number {
    return this.size;
  }

  /** Every event as PingOne shows it, in the endpoint's order (small logs: tests). */
  get events(): AuditEvent[] {
    this.sort();
    return Array.from({ length: this.size }, (_, i) => this.event(i));
  }

  /** Records events; answers each as PingOne will show it. */
  record(env: { id: string; origin: string }, signOns: SignOn[]): AuditEvent[] {
    const first = this.size;
    this.grow(this.size + signOns.length);
    for (const s of signOns) {
      const i = this.size++;
      this.at[i] = s.at.getTime();
      this.seq[i] = this.nextSeq++;
      // Each user and application is one string: id, name, environment and origin.
      this.user[i] = this.intern(JSON.stringify([s.userId, s.userName ?? s.userId, env.id, env.origin]));
      this.app[i] = this.intern(JSON.stringify([s.appId, s.appName ?? s.appId]));
      this.kind[i] = this.intern(s.type ?? '') | (s.status === 'FAILED' ? 0x8000_0000 : 0);
      if (i > 0 && this.at[i] < this.at[i - 1]) this.sorted = false;
    }
    this.matches.clear();
    return Array.from({ length: signOns.length }, (_, k) => this.event(first + k));
  }

  /** Drops events recorded before `before`; answers how many went. */
  dropBefore(before: number): number {
    this.sort();
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.at[i] < before) continue;
      this.at[kept] = this.at[i];
      this.seq[kept] = this.seq[i];
      this.user[kept] = this.user[i];
      this.app[kept] = this.app[i];
      this.kind[kept] = this.kind[i];
      kept++;
    }
    const gone = this.size - kept;
    this.size = kept;
    this.matches.clear();
    return gone;
  }

  /** Positions (in recordedAt order) of the events inside the filter's bounds and types, from `horizon` on. */
  matching(filter: Required<Pick<AuditFilter, 'after' | 'before'>> & Pick<AuditFilter, 'actionTypes'>, horizon: number): Uint32Array {
    this.sort();
    const key = JSON.stringify(filter);
    let found = this.matches.get(key);
    if (!found) {
      const { after, before, actionTypes } = filter;
      const lo = this.firstAt(after.at, !after.inclusive);
      const hi = this.firstAt(before.at, before.inclusive);
      const types = actionTypes && new Set(actionTypes);
      const picked = new Uint32Array(Math.max(0, hi - lo));
      let n = 0;
      for (let i = lo; i < hi; i++) if (!types || types.has(this.typeOf(i))) picked[n++] = i;
      found = picked.subarray(0, n);
      if (this.matches.size > 32) this.matches.clear();
      this.matches.set(key, found);
    }
    // Events older than the horizon are no longer immediately readable: PingOne would need a restore.
    let cut = 0;
    while (cut < found.length && this.at[found[cut]] < horizon) cut++;
    return found.subarray(cut);
  }

  /** The event at a position, as PingOne shows it. */
  event(i: number): AuditEvent {
    const [userId, userName, envId, origin] = JSON.parse(this.table[this.user[i]]) as string[];
    const [appId, appName] = JSON.parse(this.table[this.app[i]]) as string[];
    const type = this.typeOf(i);
    const failed = (this.kind[i] & 0x8000_0000) !== 0;
    const env = { id: envId };
    const base = `${origin}/v1/environments/${envId}`;
    const tail = this.seq[i].toString(16).padStart(12, '0');
    return {
      id: `${this.idPrefix}-${tail}`,
      recordedAt: new Date(this.at[i]).toISOString(),
      createdAt: new Date(this.at[i] + 15).toISOString(),
      correlationId: `${tail.slice(4)}-${this.idPrefix.slice(9, 13)}-4${this.idPrefix.slice(15, 18)}-8${this.idPrefix.slice(20, 23)}-${this.idPrefix.slice(0, 8)}${tail.slice(0, 4)}`,
      action: { type, description: this.table[this.kind[i] & 0x7fff_ffff] === '' ? 'User Access Allowed' : type },
      actors: {
        client: { id: appId, name: appName, type: 'CLIENT', environment: env, href: `${base}/applications/${appId}` },
        user: { id: userId, name: userName, type: 'USER', environment: env, href: `${base}/users/${userId}` },
      },
      resources: [{ id: userId, type: 'USER', name: userName, environment: env, href: `${base}/users/${userId}` }],
      result: { status: failed ? 'FAILED' : 'SUCCESS', description: failed ? 'Access denied' : 'Access allowed' },
    };
  }

  private typeOf(i: number): string {
    return this.table[this.kind[i] & 0x7fff_ffff] || 'USER.ACCESS_ALLOWED';
  }

  /** The first position whose time is above `at` (strictly when `strict`), by binary search. */
  private firstAt(at: number, strict: boolean): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strict ? this.at[mid] <= at : this.at[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private intern(text: string): number {
    let index = this.strings.get(text);
    if (index === undefined) {
      index = this.table.push(text) - 1;
      this.strings.set(text, index);
    }
    return index;
  }

  private grow(wanted: number): void {
    if (wanted <= this.at.length) return;
    let capacity = this.at.length;
    while (capacity < wanted) capacity *= 2;
    const widen = <T extends Float64Array | Uint32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old.subarray(0, this.size) as never);
      return next;
    };
    this.at = widen(this.at, (n) => new Float64Array(n));
    this.seq = widen(this.seq, (n) => new Uint32Array(n));
    this.user = widen(this.user, (n) => new Uint32Array(n));
    this.app = widen(this.app, (n) => new Uint32Array(n));
    this.kind = widen(this.kind, (n) => new Uint32Array(n));
  }

  /** recordedAt order, then recording order: the order the endpoint pages them in. */
  private sort(): void {
    if (this.sorted) return;
    const order = new Uint32Array(this.size);
    for (let i = 0; i < this.size; i++) order[i] = i;
    const at = this.at;
    const seq = this.seq;
    order.sort((a, b) => at[a] - at[b] || seq[a] - seq[b]);
    const permute = <T extends Float64Array | Uint32Array>(old: T): T => {
      const next = old.slice() as T;
      for (let i = 0; i < this.size; i++) next[i] = old[order[i]];
      return next;
    };
    this.at = permute(this.at);
    this.seq = permute(this.seq);
    this.user = permute(this.user);
    this.app = permute(this.app);
    this.kind = permute(this.kind);
    this.sorted = true;
  }
}

const logs = new WeakMap<Directory, AuditLog>();

/** The audit log of an environment, made empty on first use. */
export function auditLogOf(dir: Directory): AuditLog {
  let log = logs.get(dir);
  if (!log) logs.set(dir, (log = new AuditLog()));
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

/**
 * Records events; the log pages them in `recordedAt` order. Each event as PingOne shows it: the
 * application as `actors.client`, the user as a USER resource and `actors.user`.
 */
export function recordAudit(dir: Directory, origin: string, signOns: SignOn[]): AuditEvent[] {
  return auditLogOf(dir).record({ id: dir.environmentId, origin }, signOns);
}

/** PingOne's retention took these events: they are gone from the API for good. */
export function ageOut(dir: Directory, before: Date): number {
  return auditLogOf(dir).dropBefore(before.getTime());
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
  settings: PagingSettings & { auditMaxPageSize?: number };
  cursors: CursorBook;
  now?: () => number;
}

export function answerAudit(req: SimRequest, dir: Directory, client: SimClient, ctx: AuditContext): SimReply {
  const log = auditLogOf(dir);
  if (overBudget(log)) return requestLimited();
  if (log.deniedClientIds.has(client.clientId)) return insufficientPermissions('activities');
  const settings = { ...ctx.settings, maxPageSize: ctx.settings.auditMaxPageSize ?? ctx.settings.maxPageSize };
  const start = pageRequest(req, ctx.cursors, settings, 100);
  if ('error' in start) return start.error;
  if (start.filter === undefined) return invalidData('REQUIRED_VALUE', 'filter', 'A filter with a recordedat range is required.');
  const filter = parseAuditFilter(start.filter);
  if ('error' in filter) return invalidData('INVALID_FILTER', 'filter', filter.error);
  if (!filter.after || !filter.before) return invalidData('INVALID_FILTER', 'filter', 'The filter must bound recordedat on both sides.');
  if (filter.before.at - filter.after.at > AUDIT_QUERY_SPAN_MS) {
    return invalidData('INVALID_FILTER', 'filter', 'The requested range may span at most 14 days.');
  }
  const now = (ctx.now ?? Date.now)();
  const { after, before, actionTypes } = filter;
  const positions = log.matching({ after, before, actionTypes }, now - AUDIT_QUERY_SPAN_MS);
  const matching = { length: positions.length, slice: (from: number, to: number) => Array.from(positions.subarray(from, to), (i) => log.event(i)) };
  return halPage({
    origin: ctx.origin, req, collection: 'activities', items: matching, start, cursors: ctx.cursors, settings,
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
