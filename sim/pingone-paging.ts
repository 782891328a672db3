// HAL paging as PingOne does it: `limit` (clamped), `_links.next.href` absolute with an opaque,
// checksummed `cursor`, optional and possibly wrong `count`, pages that may hold fewer than asked.
// Cursors are bound to the collection they came from and die on expireCursors(). Settings choose
// the variants real services send: relative next links (HAL allows them), 404 for a dead cursor,
// and no `_embedded` at all on an empty page.
import { createHmac, randomBytes } from 'node:crypto';
import { invalidData, notFound } from './pingone-errors';
import { hashSeed, seededRandom } from './random';
import type { SimReply, SimRequest } from './server';

export interface PagingSettings {
  maxPageSize: number;
  shortPages: boolean;
  omitCount: boolean;
  wrongCount: boolean;
  /** Next links as a path and query, without scheme and host (RFC 8288 and HAL allow relative links). */
  relativeNextLinks: boolean;
  /** How a dead or foreign cursor is answered: 400 INVALID_DATA (default) or 404 NOT_FOUND. */
  expiredCursorStatus: 400 | 404;
  /** A page with no items carries no `_embedded` object at all. */
  omitEmptyEmbedded: boolean;
}

interface CursorState { path: string; offset: number; limit: number; filter?: string; issuedAt: number }

export class CursorBook {
  private readonly secret = randomBytes(16);
  private epoch = 0;

  issue(state: CursorState): string {
    const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  open(cursor: string): CursorState | undefined {
    const [payload, checksum] = cursor.split('.');
    if (!payload || checksum !== this.sign(payload)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorState;
    } catch {
      return undefined;
    }
  }

  expireAll(): void {
    this.epoch += 1;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`${this.epoch}:${payload}`).digest('base64url').slice(0, 22);
  }
}

/** Where a list request starts: from its cursor, or from its own limit and filter. */
export type PageRequest = { offset: number; limit: number; filter?: string } | { error: SimReply };

export function pageRequest(req: SimRequest, cursors: CursorBook, settings: PagingSettings, defaultLimit: number): PageRequest {
  const cursor = req.params.get('cursor');
  if (cursor !== null) {
    const state = cursors.open(cursor);
    if (!state || state.path !== req.path) {
      return { error: settings.expiredCursorStatus === 404 ? notFound('page') : invalidData('INVALID_VALUE', 'cursor', 'The cursor is invalid or has expired.') };
    }
    const filter = req.params.get('filter') ?? undefined;
    if (filter !== undefined && filter !== state.filter) {
      return { error: invalidData('INVALID_VALUE', 'filter', 'The filter does not match the cursor.') };
    }
    return { offset: state.offset, limit: state.limit, filter: state.filter };
  }
  const limitText = req.params.get('limit');
  const limit = limitText === null ? defaultLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) {
    return { error: invalidData('INVALID_VALUE', 'limit', 'limit must be a positive integer.') };
  }
  return { offset: 0, limit: Math.min(limit, settings.maxPageSize), filter: req.params.get('filter') ?? undefined };
}

export interface HalPageInput<T> {
  origin: string;
  req: SimRequest;
  collection: string;
  /** Every matching item, already in order (or a view that makes a page's items on demand). */
  items: { length: number; slice(from: number, to: number): T[] };
  start: { offset: number; limit: number; filter?: string };
  cursors: CursorBook;
  settings: PagingSettings;
  /** How an item looks on the wire; applied to the page only. */
  present?: (item: T) => unknown;
}

export function halPage<T>(input: HalPageInput<T>): SimReply {
  const { origin, req, items, start, settings } = input;
  const size = Math.min(pageSize(req.path, start, settings), Math.max(0, items.length - start.offset));
  const slice = items.slice(start.offset, start.offset + size);
  const page = input.present ? slice.map(input.present) : slice;
  const nextOffset = start.offset + size;
  const links: Record<string, { href: string }> = { self: { href: `${origin}${req.path}${req.query ? `?${req.query}` : ''}` } };
  if (nextOffset < items.length) {
    const cursor = input.cursors.issue({ path: req.path, offset: nextOffset, limit: start.limit, filter: start.filter, issuedAt: Date.now() });
    const filter = start.filter === undefined ? '' : `&filter=${encodeURIComponent(start.filter)}`;
    links.next = { href: `${settings.relativeNextLinks ? '' : origin}${req.path}?limit=${start.limit}${filter}&cursor=${cursor}` };
  }
  const body: Record<string, unknown> = { _links: links };
  if (page.length > 0 || !settings.omitEmptyEmbedded) body._embedded = { [input.collection]: page };
  // A wrong count under-reports: a client that stops at `count` instead of at the missing next link loses users.
  if (!settings.omitCount) body.count = settings.wrongCount ? Math.max(0, items.length - 1) : items.length;
  body.size = page.length;
  return { status: 200, headers: { 'Content-Type': 'application/hal+json;charset=UTF-8' }, body };
}

// Short pages are deterministic per collection, offset and limit, so a replayed page is identical.
function pageSize(path: string, start: { offset: number; limit: number }, settings: PagingSettings): number {
  if (!settings.shortPages) return start.limit;
  const roll = seededRandom(hashSeed(`${path}|${start.offset}|${start.limit}`))();
  return 1 + Math.floor(roll * start.limit);
}
