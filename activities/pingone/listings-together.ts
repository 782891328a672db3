// Several listings followed together in one activity: the group-scoped listings (a group's members,
// its parent groups) are 1-8 pages each, so one activity each paid a whole round trip through
// Temporal for a handful of pages. Here each listing's pages follow one another as in
// listing-pages.ts, the listings side by side (the license's rate budget paces and caps their
// requests together), for up to LISTING_PAGES_MS. The heartbeat details hold every listing's
// progress, so a retried attempt resumes each listing after its last written page; an expired
// cursor ends only its own listing (`expired`), the workflow sends that one back to its first page.
import { z } from 'zod';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import type { PingOneApi } from './api';
import type { ListingRef } from './listings';
import { followListing, LISTING_PAGES_MS, progressAt, ProgressSchema, type PagesOutcome } from './listing-pages';
import { ProblemError } from '../problem';

/** One listing of the activity, where it stands. */
export interface ListingAt {
  listing: ListingRef;
  /** The next link to follow; absent for the listing's first page. */
  url?: string;
  /**
   * Whether an expired cursor may end this listing alone (`expired`), to be started again; when its
   * restarts are spent, the expired cursor fails the attempt as PingOneCursorExpired.
   */
  restartable: boolean;
}

export interface ListingsTogetherArgs extends SnapshotKey {
  listings: ListingAt[];
}

/** What the activity did in one listing: as PagesOutcome, and whether its cursor expired (its pages then count for nothing). */
export interface ListingOutcome extends PagesOutcome {
  expired: boolean;
}

/** The heartbeat details: every listing's progress, in the order of the arguments. */
export interface ListingsProgress {
  listings: ListingOutcome[];
}

const DetailsSchema = z.object({ listings: z.array(ProgressSchema.extend({ expired: z.boolean() })) });

export interface ListingsTogetherDeps {
  sql: Sql;
  /** A PingOne API for one listing (each counts its own requests; they share the license's budget). */
  api(): PingOneApi;
  beat(progress: ListingsProgress): void;
  /** The last progress a previous attempt beat (activityInfo().heartbeatDetails). */
  resumed: unknown;
  now(): number;
}

/** A listing this activity (or the attempt before it) has finished: its end reached, or its cursor expired. */
const finished = (p: ListingOutcome) => p.expired || (p.pages > 0 && p.next === null);

/**
 * Follows every listing from where it stands, all at once, each at least one page, none starting
 * a page after LISTING_PAGES_MS; answers one outcome per listing, in order (next null: at its end).
 * A failing page (other than a restartable expired cursor) fails the attempt once the other
 * listings' pages in flight are written; every page before is kept by the last beat.
 */
export async function fetchListingsTogether(deps: ListingsTogetherDeps, args: ListingsTogetherArgs): Promise<ListingOutcome[]> {
  const resumed = DetailsSchema.safeParse(deps.resumed);
  const progress: ListingOutcome[] =
    resumed.success && resumed.data.listings.length === args.listings.length
      ? resumed.data.listings
      : args.listings.map((at) => ({ ...progressAt(at.url), expired: false }));
  const beat = () => deps.beat({ listings: progress.map((p) => ({ ...p, skippedIds: [...p.skippedIds] })) });
  const started = deps.now();
  let failed = false;
  const goOn = () => !failed && deps.now() - started < LISTING_PAGES_MS;
  const key = { connectionId: args.connectionId, snapshotId: args.snapshotId };
  const settled = await Promise.allSettled(
    args.listings.map(async (at, i) => {
      const p = progress[i];
      if (finished(p)) return;
      try {
        await followListing({ sql: deps.sql, api: deps.api(), goOn }, { ...key, listing: at.listing }, p, beat);
      } catch (err) {
        if (at.restartable && err instanceof ProblemError && err.problem.type === 'PingOneCursorExpired') {
          p.expired = true;
          beat();
          return;
        }
        failed = true;
        throw err;
      }
    }),
  );
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return progress;
}
