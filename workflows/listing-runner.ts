// Runs listings page by page, a few at once, each page one activity whose next link becomes the
// listing's checkpoint. Stops cleanly (every in-flight page finished and recorded) when the
// workflow should continue as new.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SyncActivities, ConnectionArgs } from '../activities';
import type { ListingState, SyncCheckpoint } from './checkpoint';
import type { SyncProgressBoard } from './progress';

const LISTING_CONCURRENCY = 4;
const MAX_CURSOR_RESTARTS = 3;
/** A ceiling of our own, under the server's, so a run never grows past 10,000 events. */
const HISTORY_EVENT_CEILING = 8000;

const { fetchPage } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '3m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 10 },
});

export function shouldContinueAsNew(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENT_CEILING;
}

export function causeType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
}

/** Answers false when it paused for continue-as-new; the listings then hold where each stands. */
export async function runListings(
  connection: ConnectionArgs,
  cp: SyncCheckpoint,
  listings: ListingState[],
  board: SyncProgressBoard,
): Promise<boolean> {
  let paused = false;
  const queue = listings.filter((l) => !l.done);
  const lane = async () => {
    for (let listing = queue.shift(); listing; listing = queue.shift()) {
      board.state.listingsRunning++;
      try {
        while (!listing.done) {
          if (shouldContinueAsNew()) {
            paused = true;
            return;
          }
          await fetchOne(connection, cp, listing, board);
        }
      } finally {
        board.state.listingsRunning--;
      }
    }
  };
  await Promise.all(Array.from({ length: LISTING_CONCURRENCY }, lane));
  return !paused;
}

async function fetchOne(connection: ConnectionArgs, cp: SyncCheckpoint, listing: ListingState, board: SyncProgressBoard): Promise<void> {
  let outcome;
  try {
    outcome = await fetchPage({ ...connection, snapshotId: cp.snapshotId, listing: listing.ref, url: listing.next ?? undefined });
  } catch (err) {
    if (causeType(err) === 'PingOneCursorExpired' && listing.restarts < MAX_CURSOR_RESTARTS) {
      // Upserts make the second pass over early pages harmless: nobody is counted twice.
      Object.assign(listing, { next: null, pages: 0, restarts: listing.restarts + 1 });
      board.update({ lastError: 'A paging cursor expired; that listing started again from its first page.' });
      return;
    }
    throw err;
  }
  listing.pages++;
  listing.next = outcome.next;
  listing.done = outcome.next === null;
  cp.counts.pagesFetched++;
  cp.counts.pingOneRequests += outcome.requests;
  const kind = listing.ref.kind;
  if (kind === 'users' || kind === 'groups' || kind === 'applications') cp.counts[kind] += outcome.kept;
  if (kind === 'users') cp.counts.malformedUsers += outcome.skipped;
  board.update({ pagesFetched: cp.counts.pagesFetched, users: cp.counts.users, groups: cp.counts.groups, applications: cp.counts.applications });
}
