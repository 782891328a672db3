// Pages of one listing: fetching a page and writing it to the snapshot, and following a listing's
// next links for several pages in one activity (a few seconds' worth), so a page costs one PingOne
// request and one store write instead of a whole activity round trip through Temporal. After each
// page the activity records its progress (the next link and the counts so far), which the worker
// beats a few times a second (worker/heartbeat.ts); a retried attempt resumes after the last page
// whose beat reached the server. Page writes are upserts, so a page fetched again after a lost
// beat changes nothing in the store, and the counts come from the beat.
import { z } from 'zod';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import type { PingOneApi } from './api';
import { LISTINGS, SKIPPED_IDS_NAMED, type ListingRef, type MappedPage } from './listings';
import { readPage } from './pages';

export interface ListingPageArgs extends SnapshotKey {
  listing: ListingRef;
  /** The next link to follow; absent for a listing's first page. */
  url?: string;
}

export interface PageOutcome {
  next: string | null;
  kept: number;
  skipped: number;
  /** The first few skipped records' ids; absent in histories recorded before it existed. */
  skippedIds?: string[];
  requests: number;
}

/** What several pages of one listing did: the last page's next link and the sums over the pages. */
export interface PagesOutcome extends PageOutcome {
  pages: number;
  skippedIds: string[];
}

/**
 * How long one activity keeps following a listing. Long enough that the activity's own round trip
 * through Temporal (~100 ms on a loaded dev server) is a few percent of it; short enough that a run
 * pausing for continue-as-new waits at most this for its lanes, and the checkpoint and the progress
 * board are at most this stale.
 */
export const LISTING_PAGES_MS = 5000;

/** Fetches one page of a listing and writes it to the snapshot; answers the next link. */
export async function fetchListingPage(sql: Sql, api: PingOneApi, args: ListingPageArgs): Promise<PageOutcome> {
  const { page, next } = await readMappedPage(api, args);
  // One statement per page (store/pages.ts), atomic on its own: a transaction around it only
  // added two round trips to every page.
  await page.write(sql, args, args.listing);
  return { next, kept: page.kept, skipped: page.skipped, skippedIds: page.skippedIds, requests: api.stats.requests };
}

interface ReadMappedPage {
  page: MappedPage;
  next: string | null;
}

/** Reads a page and maps its records before returning, so nothing of the parsed page outlives this function. */
async function readMappedPage(api: PingOneApi, args: ListingPageArgs): Promise<ReadMappedPage> {
  const spec = LISTINGS[args.listing.kind];
  const url = args.url ?? api.environmentUrl(spec.path(args.listing));
  const { records, next } = await readPage(api, url, spec.resource, spec.embedded, args.url !== undefined, spec.keptText);
  return { page: spec.map(records), next };
}

/** A previous attempt's progress in one listing, as this module beat it; anything else starts the listing afresh. */
export const ProgressSchema = z.object({
  next: z.string().nullable(),
  pages: z.number().int().min(0),
  kept: z.number().int().min(0),
  skipped: z.number().int().min(0),
  skippedIds: z.array(z.string()),
  requests: z.number().int().min(0),
});

/** A listing's progress before its first page in an activity: at `url`, or at its first page. */
export function progressAt(url: string | undefined): PagesOutcome {
  return { next: url ?? null, pages: 0, kept: 0, skipped: 0, skippedIds: [], requests: 0 };
}

export interface ListingPagesDeps {
  sql: Sql;
  api: PingOneApi;
  /** Records progress as the activity's heartbeat details (the worker beats the latest). */
  beat(progress: PagesOutcome): void;
  /** The last progress a previous attempt beat (activityInfo().heartbeatDetails). */
  resumed: unknown;
  now(): number;
}

/**
 * Follows the listing from `args.url` for up to LISTING_PAGES_MS (at least one page), or to its
 * end. A failing page fails the attempt; the pages before it are kept by the last beat.
 */
export async function fetchListingPages(deps: ListingPagesDeps, args: ListingPageArgs): Promise<PagesOutcome> {
  const resumed = ProgressSchema.safeParse(deps.resumed);
  const progress: PagesOutcome = resumed.success ? resumed.data : progressAt(args.url);
  // A previous attempt that beat its last page had reached the end (or the time) and only its completion was lost.
  if (resumed.success && progress.next === null) return progress;
  const started = deps.now();
  const goOn = () => deps.now() - started < LISTING_PAGES_MS;
  await followListing({ sql: deps.sql, api: deps.api, goOn }, args, progress, () => deps.beat({ ...progress, skippedIds: [...progress.skippedIds] }));
  return progress;
}

export interface FollowDeps {
  sql: Sql;
  /** This listing's own API, so its request count is the listing's. */
  api: PingOneApi;
  /** Whether to ask for another page (the activity's time is not up, nothing failed). */
  goOn(): boolean;
}

/**
 * Follows one listing from `progress.next` (its first page when null) while `goOn()` allows, at
 * least one page, adding each written page to `progress` and calling `written()` after it.
 *
 * The next page is asked for as soon as a page's next link is known, while that page is written:
 * a listing's pages follow one another, so the store's round trip would otherwise add to every
 * page of the longest chain. Progress is still recorded only after a page is written, so a retry
 * resumes after the last page in the store; a page read ahead when the attempt ends is dropped.
 */
export async function followListing(deps: FollowDeps, args: SnapshotKey & { listing: ListingRef }, progress: PagesOutcome, written: () => void): Promise<void> {
  const requestsBefore = progress.requests;
  let reading: Promise<ReadMappedPage> | undefined = readAhead(deps.api, { ...args, url: progress.next ?? undefined });
  while (reading) {
    const { page, next }: ReadMappedPage = await reading;
    reading = next !== null && deps.goOn() ? readAhead(deps.api, { ...args, url: next }) : undefined;
    await page.write(deps.sql, args, args.listing);
    progress.next = next;
    progress.pages++;
    progress.kept += page.kept;
    progress.skipped += page.skipped;
    for (const id of page.skippedIds) if (progress.skippedIds.length < SKIPPED_IDS_NAMED && !progress.skippedIds.includes(id)) progress.skippedIds.push(id);
    progress.requests = requestsBefore + deps.api.stats.requests;
    written();
  }
}

/** A page read while the one before it is written: its failure is the attempt's when it is awaited, never an unhandled rejection before. */
function readAhead(api: PingOneApi, args: ListingPageArgs): Promise<ReadMappedPage> {
  const reading = readMappedPage(api, args);
  reading.catch(() => undefined);
  return reading;
}
