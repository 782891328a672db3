// PingOne's audit activities as the usage read needs them: the filter of one read (a recordedat
// window, at most 14 days, and the sign-on action types), and an audit event turned into "this
// user signed on to that application at this time". Per PingOne's audit reporting data model the
// application used is the event's `actors.client` and the user its USER resource (or `actors.user`).
// Pure: the activity that pages through them is readUsagePage (pingone/activities.ts).
import type { UsageEventRow, UsageWindow } from '../store/usage';

export interface UsageSettings {
  /** PINGONE_USAGE_ACTION_TYPES */
  actionTypes: string[];
  /** PINGONE_AUDIT_REQUESTS_PER_SECOND: the audit budget per license. */
  requestsPerSecond: number;
}

export const DEFAULT_AUDIT_REQUESTS_PER_SECOND = 4;

/** PingOne answers at most 14 days per query and keeps about that much immediately readable. */
export const AUDIT_QUERY_SPAN_MS = 14 * 24 * 3600 * 1000;
/** A read reaches back a minute less than the span, so clock skew never makes PingOne refuse it. */
export const USAGE_REACH_MS = AUDIT_QUERY_SPAN_MS - 60_000;
/** Each read starts this long before the last one's end: events recorded late are not missed. */
export const USAGE_OVERLAP_MS = 5 * 60_000;
/** Events per audit page; PingOne clamps larger limits to its own maximum. */
export const AUDIT_PAGE_LIMIT = 1000;

/** Action types that mean "a user signed on to an application" (PINGONE_USAGE_ACTION_TYPES). */
export const DEFAULT_USAGE_ACTION_TYPES = ['USER.ACCESS_ALLOWED'];

/** The wire format PingOne's filter examples use: UTC with milliseconds. */
const stamp = (iso: string) => new Date(iso).toISOString();

export function auditFilter(window: Pick<UsageWindow, 'from' | 'to'>, actionTypes: string[]): string {
  const types = actionTypes.map((t) => `action.type eq "${t}"`);
  const byType = types.length === 1 ? types[0] : `(${types.join(' or ')})`;
  return `recordedat gt "${stamp(window.from)}" and recordedat lt "${stamp(window.to)}" and ${byType}`;
}

export function auditPath(window: Pick<UsageWindow, 'from' | 'to'>, actionTypes: string[], limit = AUDIT_PAGE_LIMIT): string {
  return `/activities?limit=${limit}&filter=${encodeURIComponent(auditFilter(window, actionTypes))}`;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined);
const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * A successful sign-on of one of `actionTypes`, or undefined: another type (PingOne sent it anyway),
 * a failed attempt, or a record without an id, a time, an application or a user.
 */
export function toUsageEvent(raw: unknown, actionTypes: string[]): UsageEventRow | undefined {
  const event = record(raw);
  if (!event) return undefined;
  const eventId = text(event.id);
  const recordedAt = text(event.recordedAt);
  const type = text(record(event.action)?.type);
  if (!eventId || !recordedAt || Number.isNaN(Date.parse(recordedAt)) || !type || !actionTypes.includes(type)) return undefined;
  const status = text(record(event.result)?.status);
  if (status !== undefined && status !== 'SUCCESS') return undefined;
  const actors = record(event.actors);
  const appId = text(record(actors?.client)?.id);
  const resources = Array.isArray(event.resources) ? event.resources.map(record) : [];
  const userId = text(resources.find((r) => r?.type === 'USER')?.id) ?? text(record(actors?.user)?.id);
  if (!appId || !userId) return undefined;
  return { eventId, userId, appId, at: new Date(recordedAt).toISOString() };
}

/** What the customer reads when the Worker app may not read audit activities. */
export const AUDIT_PERMISSION_FIX =
  'In PingOne, give the Worker app a role holding the audit reporting "Read activity" permission (audit_reporting:read:activity) ' +
  'for this environment: Environment Admin holds it; a custom role with only that permission is the narrower choice.';

export function auditDeniedCause(environmentId: string): string {
  return `The Worker app may not read audit activities in environment ${environmentId}, so who signs on to each application is unknown.`;
}
