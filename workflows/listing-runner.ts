// Runs listings page by page, several at once, each page one activity whose next link becomes the
// listing's checkpoint. A finished listing may bring follow-ups (populations bring user chains,
// groups bring member listings), so the work is a queue that grows while it drains. Stops cleanly
// (every in-flight page finished and recorded) when the workflow should continue as new.
import { condition, workflowInfo } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities';
import type { ListingState, SyncCheckpoint } from './checkpoint';
import { pageSummary } from './activity-summaries';
import { pingOne } from './activity-options';
import { causeType } from './failure-cause';
import type { SyncProgressBoard } from './progress';

const MAX_CURSOR_RESTARTS = 3;
/** A ceiling of our own, under the server's, so a run never grows past 10,000 events. */
const HISTORY_EVENT_CEILING = 8000;

const { fetchPage } = pingOne;

export function shouldContinueAsNew(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENT_CEILING;
}

/** Follow-up work of a finished listing: new listings to add to the queue. */
export type FollowUps = (done: ListingState) => Promise<ListingState[]>;

/**
 * Drains `cp.listings` with `lanes` listings at a time. Answers false when it paused for
 * continue-as-new; `cp.listings` then holds exactly the open listings, each where it stands.
 */
export async function runListings(
  connection: ConnectionArgs,
  cp: SyncCheckpoint,
  board: SyncProgressBoard,
  lanes: number,
  followUps: FollowUps,
  lanesWaitAgain = true,
): Promise<boolean> {
  let paused = false;
  let planning = 0;
  const taken = new Set<ListingState>();
  const available = () => cp.listings.find((l) => !l.done && !taken.has(l));

  const lane = async () => {
    for (;;) {
      await condition(() => paused || available() !== undefined || (taken.size === 0 && planning === 0));
      if (paused) return;
      const listing = available();
      // Several lanes wake for one new listing; the ones that find none wait again. A lane leaves
      // only when nothing is open, running or being planned. (Before the patch, such a lane left for
      // good and the sync ran on ever fewer lanes; histories recorded then replay that way.)
      if (!listing) {
        if (taken.size === 0 && planning === 0) return;
        if (lanesWaitAgain) continue;
        return;
      }
      taken.add(listing);
      board.update({ listingsRunning: taken.size });
      try {
        while (!listing.done) {
          if (shouldContinueAsNew()) {
            paused = true;
            return;
          }
          await fetchOne(connection, cp, listing, board);
        }
      } finally {
        taken.delete(listing);
        board.update({ listingsRunning: taken.size });
      }
      planning++;
      try {
        const more = await followUps(listing);
        cp.listings = cp.listings.filter((l) => !l.done).concat(more);
      } finally {
        planning--;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return !paused;
}

async function fetchOne(connection: ConnectionArgs, cp: SyncCheckpoint, listing: ListingState, board: SyncProgressBoard): Promise<void> {
  let outcome;
  try {
    outcome = await fetchPage.executeWithOptions({ summary: pageSummary(listing) }, [
      { ...connection, snapshotId: cp.snapshotId, listing: listing.ref, url: listing.next ?? undefined },
    ]);
  } catch (err) {
    if (causeType(err) === 'PingOneCursorExpired' && listing.restarts < MAX_CURSOR_RESTARTS) {
      // Upserts make the second pass over early pages harmless in the store; the abandoned pass's
      // counts are taken back so the progress and the result count nobody twice.
      count(cp, listing, -(listing.kept ?? 0), -(listing.skipped ?? 0));
      Object.assign(listing, { next: null, pages: 0, restarts: listing.restarts + 1, kept: 0, skipped: 0 });
      board.update({
        lastError: 'A paging cursor expired; that listing started again from its first page.',
        users: cp.counts.users,
        groups: cp.counts.groups,
        applications: cp.counts.applications,
      });
      return;
    }
    throw err;
  }
  listing.pages++;
  listing.next = outcome.next;
  listing.done = outcome.next === null;
  cp.counts.pagesFetched++;
  cp.counts.pingOneRequests += outcome.requests;
  count(cp, listing, outcome.kept, outcome.skipped);
  noteSkippedIds(cp, listing, outcome.skippedIds ?? []);
  board.update({ pagesFetched: cp.counts.pagesFetched, users: cp.counts.users, groups: cp.counts.groups, applications: cp.counts.applications });
}

function count(cp: SyncCheckpoint, listing: ListingState, kept: number, skipped: number): void {
  listing.kept = (listing.kept ?? 0) + kept;
  listing.skipped = (listing.skipped ?? 0) + skipped;
  const kind = listing.ref.kind;
  if (kind === 'users' || kind === 'groups' || kind === 'applications') cp.counts[kind] += kept;
  if (kind === 'users') cp.counts.malformedUsers += skipped;
  if (skipped !== 0) {
    cp.skipped ??= {};
    const entry = (cp.skipped[kind] ??= { count: 0, ids: [] });
    entry.count += skipped;
  }
}

/** Names the first few skipped records of each kind (a repeated page names nobody twice). */
const IDS_NAMED = 5;
function noteSkippedIds(cp: SyncCheckpoint, listing: ListingState, ids: string[]): void {
  const entry = cp.skipped?.[listing.ref.kind];
  if (!entry) return;
  for (const id of ids) if (entry.ids.length < IDS_NAMED && !entry.ids.includes(id)) entry.ids.push(id);
}
