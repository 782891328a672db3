// The longest cursor chain of a sync, read from the PingOne simulator's request log: the pages of
// one listing (one path and filter) follow each other's next links, so however many lanes run, a
// sync takes at least its longest chain × the latency. A page's place in its chain is read from the
// simulator's own cursor (base64url JSON with the offset), so a retried page is counted once.
import type { RequestRecord } from '../sim/server';

const PAGED = new Set(['users', 'members', 'groups', 'groupParents', 'populations', 'applications']);

export interface ChainFigures {
  /** Listing pages answered (status 200), a retried page counted once. */
  pages: number;
  /** Pages of the longest chain, and which listing it was. */
  longest: number;
  longestListing: string;
}

export function chainFigures(requests: RequestRecord<string>[]): ChainFigures {
  const offsets = new Map<string, Set<number>>();
  for (const r of requests) {
    if (r.status !== 200 || !PAGED.has(r.kind)) continue;
    const params = new URLSearchParams(r.query);
    const cursor = params.get('cursor');
    let offset = 0;
    let filter = params.get('filter') ?? '';
    if (cursor) {
      const state = JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString('utf8')) as { offset: number; filter?: string };
      offset = state.offset;
      filter = state.filter ?? filter;
    }
    const key = `${r.kind} ${r.path.replace(/^\/v1\/environments\/[^/]+/, '')}${filter ? ` ${filter}` : ''}`;
    const seen = offsets.get(key) ?? new Set<number>();
    seen.add(offset);
    offsets.set(key, seen);
  }
  const figures: ChainFigures = { pages: 0, longest: 0, longestListing: '-' };
  for (const [key, seen] of offsets) {
    figures.pages += seen.size;
    if (seen.size > figures.longest) Object.assign(figures, { longest: seen.size, longestListing: key });
  }
  return figures;
}
