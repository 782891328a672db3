// One page of a PingOne listing, read and checked the same way for every listing (users, groups,
// roles, audit activities…): its records must sit in a readable `_embedded` list, its next link
// must stay on the connection's own API and environment, and a next link naming the page itself
// stops the listing instead of looping.
import { ProblemError } from '../problem';
import type { PingOneApi } from './api';
import type { KeptText } from './http';
import { malformedAnswer, type PingOneResource } from './classify';
import { embeddedRecords, nextLink } from './listings';

export interface ReadPage {
  records: unknown[];
  /** The next link to follow, checked; null on the last page. */
  next: string | null;
}

/**
 * `cursor`: the URL is a next link PingOne sent (not a listing's first page); `keptText`: what the
 * caller keeps of the page, when that is less than its records (http.ts KeptText).
 */
export async function readPage(api: PingOneApi, url: string, resource: PingOneResource, embedded: string, cursor: boolean, keptText?: KeptText): Promise<ReadPage> {
  const page = await api.get(url, resource, cursor, keptText);
  const records = embeddedRecords(page, embedded);
  if (!records) {
    throw new ProblemError(malformedAnswer(`PingOne answered a page of ${resource} without a readable _embedded list.`));
  }
  const next = nextLink(page, url) ?? null;
  if (next !== null) api.checkLink(next, resource);
  if (next === url) {
    throw new ProblemError({
      type: 'PingOnePagingLoop',
      cause: `PingOne answered a page of ${resource} whose next link is the page itself.`,
      fix: 'Report this to PingOne support with the correlation id; the sync stopped instead of looping.',
      retryable: false,
    });
  }
  return { records, next };
}

/** Every record of a small listing (one that fits in memory), following next links. */
export async function readAll(api: PingOneApi, url: string, resource: PingOneResource, embedded: string): Promise<unknown[]> {
  const records: unknown[] = [];
  for (let next: string | null = url, cursor = false; next !== null; cursor = true) {
    const page = await readPage(api, next, resource, embedded, cursor);
    records.push(...page.records);
    next = page.next;
  }
  return records;
}
