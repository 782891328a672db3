// The paged resources a sync reads, as data: where each listing starts, where its records sit in
// PingOne's HAL envelope, and how a page lands in the store. One mechanism serves users, groups,
// applications, populations, group members and group parents.
import type { ListingKind, ListingRef } from '../../contract/checkpoint';
import type { Sql } from '../store/sql';
import {
  insertGroupLinks,
  upsertApplications,
  upsertGroups,
  upsertPopulations,
  upsertUsers,
  type SnapshotKey,
} from '../store/pages';
import type { PingOneResource } from './classify';
import type { KeptText } from './http';
import { recordIdOf, toApplicationRow, toGroupRow, toMemberId, toParentId, toPopulationRow, toUserRow } from './records';

export const PAGE_LIMIT = 200;
/** How many skipped records' ids a page names, for the result's warnings. */
export const SKIPPED_IDS_NAMED = 5;

/** Username prefixes a large population's chain is split by; usernames starting elsewhere are caught by the count check. */
export type { ListingKind, ListingRef };

export const USERNAME_PREFIXES = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function userFilter(ref: ListingRef): string {
  const terms: string[] = [];
  if (ref.populationId) terms.push(`population.id eq ${quoted(ref.populationId)}`);
  if (ref.usernamePrefix) terms.push(`username sw ${quoted(ref.usernamePrefix)}`);
  return terms.length ? `&filter=${encodeURIComponent(terms.join(' and '))}` : '';
}

interface ListingSpec {
  resource: PingOneResource;
  path(ref: ListingRef): string;
  embedded: string;
  /**
   * Maps a page's records to its rows, at once: the page's parsed JSON (most of what a page
   * allocates) is garbage before the write waits for the store, instead of outliving the wait and
   * being promoted to the old generation, where each mark-compact pays for it again.
   */
  map(records: unknown[]): MappedPage;
  /** What `map` keeps of a page when that is its records' ids alone (http.ts KeptText). */
  keptText?: KeptText;
}

/** A page's rows, ready to be written in one statement (so the page lands whole). */
export interface MappedPage {
  kept: number;
  skipped: number;
  /** The first few skipped records' ids ("(no id)" when a record has none). */
  skippedIds: string[];
  write(sql: Sql, key: SnapshotKey, ref: ListingRef): Promise<void>;
}

function mapAll<T>(records: unknown[], map: (raw: unknown) => T | undefined): { rows: T[]; skipped: number; skippedIds: string[] } {
  const rows: T[] = [];
  const skippedIds: string[] = [];
  for (const raw of records) {
    const row = map(raw);
    if (row !== undefined) rows.push(row);
    else if (skippedIds.length < SKIPPED_IDS_NAMED) skippedIds.push(recordIdOf(raw));
  }
  return { rows, skipped: records.length - rows.length, skippedIds };
}

function groupScoped(ref: ListingRef): string {
  if (!ref.groupId) throw new Error(`listing ${ref.kind} needs a groupId`);
  return ref.groupId;
}

/** A listing's rows: maps each record (skipping those it cannot read); the rows are stored in one statement. */
function writing<T>(map: (raw: unknown) => T | undefined, store: (sql: Sql, key: SnapshotKey, rows: T[], ref: ListingRef) => Promise<void>): ListingSpec['map'] {
  return (records) => {
    const { rows, skipped, skippedIds } = mapAll(records, map);
    return { kept: rows.length, skipped, skippedIds, write: (sql, key, ref) => store(sql, key, rows, ref) };
  };
}

export const LISTINGS: Record<ListingKind, ListingSpec> = {
  users: {
    resource: 'users',
    path: (ref) => `/users?limit=${PAGE_LIMIT}${userFilter(ref)}`,
    embedded: 'users',
    map: writing(toUserRow, upsertUsers),
  },
  groups: {
    resource: 'groups',
    path: () => `/groups?limit=${PAGE_LIMIT}`,
    embedded: 'groups',
    map: writing(toGroupRow, upsertGroups),
  },
  applications: {
    resource: 'applications',
    path: () => `/applications`,
    embedded: 'applications',
    map: writing(toApplicationRow, upsertApplications),
  },
  populations: {
    resource: 'populations',
    path: () => `/populations`,
    embedded: 'populations',
    map: writing(toPopulationRow, upsertPopulations),
  },
  members: {
    resource: 'members',
    path: (ref) => `/users?limit=${PAGE_LIMIT}&filter=${encodeURIComponent(`memberOfGroups[id eq "${groupScoped(ref)}"]`)}`,
    embedded: 'users',
    map: writing(toMemberId, (sql, key, rows, ref) => insertGroupLinks(sql, key, 'snapshot_group_members', groupScoped(ref), rows)),
    keptText: idsAndNextLink('users'),
  },
  groupParents: {
    resource: 'groupParents',
    // readGroupNesting takes no query parameters in the OpenAPI (no `limit`): its own page size.
    path: (ref) => `/groups/${encodeURIComponent(groupScoped(ref))}/memberOfGroups`,
    embedded: 'groupMemberships',
    map: writing(toParentId, (sql, key, rows, ref) => insertGroupLinks(sql, key, 'snapshot_group_parents', groupScoped(ref), rows)),
    keptText: idsAndNextLink('groupMemberships'),
  },
};

/**
 * What a page of ids keeps: each record's id (toMemberId, toParentId, and recordIdOf for a skipped
 * record read nothing else) and the next link, found as embeddedRecords and nextLink find them.
 */
function idsAndNextLink(embedded: string): KeptText {
  return (value) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
    const page = value as Record<string, unknown>;
    const records = embeddedRecords(page, embedded) ?? [];
    const ids = records.map((record) => (record && typeof record === 'object' ? (record as { id?: unknown }).id : undefined));
    return [...ids, nextHref(page)];
  };
}

/** The records of a HAL page: `_embedded.<name>`, else the envelope's only array; none when absent. */
export function embeddedRecords(page: Record<string, unknown>, name: string): unknown[] | undefined {
  const embedded = page._embedded;
  if (embedded === undefined) return [];
  if (!embedded || typeof embedded !== 'object') return undefined;
  const byName = (embedded as Record<string, unknown>)[name];
  if (Array.isArray(byName)) return byName;
  const arrays = Object.values(embedded as Record<string, unknown>).filter(Array.isArray);
  if (arrays.length === 1) return arrays[0] as unknown[];
  return arrays.length === 0 ? [] : undefined;
}

/** The page's next link, absolute: HAL allows a relative href, which is resolved against the page's own URL. */
export function nextLink(page: Record<string, unknown>, pageUrl: string): string | undefined {
  const href = nextHref(page);
  if (typeof href !== 'string' || href.length === 0) return undefined;
  try {
    return new URL(href, pageUrl).href;
  } catch {
    return href; // not a URL even relative: api.get refuses it as malformed
  }
}

/** `_links.next.href` as the page holds it, before it is checked or resolved. */
function nextHref(page: Record<string, unknown>): unknown {
  return (page._links as { next?: { href?: unknown } } | undefined)?.next?.href;
}
