// Runs listings page by page, several at once, each page one activity whose next link becomes the
// listing's checkpoint. A finished listing may bring follow-ups (populations bring user chains,
// groups bring member listings), so the work is a queue that grows while it drains. Stops cleanly
// (every in-flight page finished and recorded) when the workflow should continue as new.
import { condition, workflowInfo } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities/connection';
import type { ListingState, SyncCheckpoint } from '../contract/checkpoint';
import { fetchOne } from './listing-page';
import type { SyncProgressBoard } from './progress';

/** A ceiling of our own, under the server's, so a run never grows past 10,000 events. */
const HISTORY_EVENT_CEILING = 8000;

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
