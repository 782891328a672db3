// The listing scheduler: the work of the List phase as a queue of plain data, drained by lanes.
//
// Words: a *listing* is one sequence of pages of one kind, each page's next link the listing's
// checkpoint (users, groups, applications, populations, a group's members or parents); a *chain* is
// a user listing of one population or username prefix; a *lane* is a worker slot of this scheduler,
// running one listing at a time, or (patched('group-listings-together')) several group-scoped
// listings side by side in one activity a round, the open ones it finds, at most 16, the lanes'
// listings together never more than their count.
//
// The queue is `cp.listings`: every open listing stands for its next page, carried across
// continue-as-new. A listing at its end brings one follow-up, decided from the checkpoint alone
// (`followUp`): the populations listing plans the chains, the groups listing and each group-scoped
// one the next batch of member and parent listings, a split population's last chain its count
// check. The lane that finished the listing runs that follow-up at once, in the same workflow task
// as the page that ended it (so the commands keep the order recorded histories have); what it adds
// joins the queue's end. The List phase is done (`listed`) when no listing is open, running or
// being planned; the lanes stop early, every in-flight page finished and recorded, when the
// workflow should continue as new.
import { condition, patched, workflowInfo } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities/connection';
import { newListing, type ListingKind, type ListingState, type SyncCheckpoint } from '../contract/checkpoint';
import { store } from './activity-options';
import { fetchOne, fetchTogether } from './listing-page';
import type { SyncProgressBoard } from './progress';

/** A ceiling of our own, under the server's, so a run never grows past 10,000 events. */
const HISTORY_EVENT_CEILING = 8000;

/** Whether to stop paging and continue as new: the lanes here and the usage read's ask it before each page. */
export function shouldContinueAsNew(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENT_CEILING;
}

/** The queue a new sync starts with; the users and group-scoped listings follow from these. */
export function firstListings(): ListingState[] {
  const kinds: ListingKind[] = ['populations', 'groups', 'applications'];
  return kinds.map((kind) => newListing({ kind }));
}

/**
 * Every listing a lane holds carries its next link in the checkpoint across continue-as-new (~750
 * bytes with the cursor). At the highest concurrency (64) 128 lanes made a 59 KB checkpoint, near the
 * 64 KB a payload may hold. 48 lanes keep it near 40 KB, and at ~300 ms a page still carry ~160
 * pages/s, more than the default budgets.
 */
const MAX_LANES = 48;

export interface Lanes {
  count: number;
  /** patched('listing-lanes-wait-again'): before it, a lane that woke and found nothing left for good. */
  waitAgain: boolean;
  /**
   * patched('group-listings-together'): a lane takes several group-scoped listings into one
   * activity, and `count` bounds the listings running, not only the lanes. Before it, one listing a
   * lane, one activity each.
   */
  together: boolean;
  /**
   * patched('group-listings-fill-lanes'): once no user listing is open or to come, group-scoped
   * listings may hold every lane. Before it, at most the budget's concurrency of them at any time.
   */
  fillLanes: boolean;
}

/**
 * At most this many group-scoped listings in one activity: each one's progress rides in every beat
 * of it (~800 bytes with a cursor), and one slow listing holds the others' slots till it ends.
 */
const LISTINGS_TOGETHER_MAX = 16;

const isGroupScoped = (l: ListingState) => l.ref.kind === 'members' || l.ref.kind === 'groupParents';

/**
 * Twice the budget's concurrency in lanes, at most 48: while one page's activity completes and the
 * next is scheduled, another lane's request holds the budget's slot, so the budget, not Temporal's
 * round trip, sets the pace; requests beyond the concurrency wait in the worker's budget. Each
 * step is patched, so histories recorded with concurrency + 2 lanes, uncapped, or with lanes that
 * left early replay as they ran.
 */
export function listingLanes(cp: SyncCheckpoint): Lanes {
  const wanted = patched('listing-lanes-twice-concurrency') ? cp.concurrency * 2 : cp.concurrency + 2;
  const count = patched('listing-lanes-capped') ? Math.min(wanted, MAX_LANES) : wanted;
  return {
    count,
    waitAgain: patched('listing-lanes-wait-again'),
    together: patched('group-listings-together'),
    fillLanes: patched('group-listings-fill-lanes'),
  };
}

/** What a finished listing brings, as plain data. */
type FollowUp =
  /** The populations are listed: plan one chain per population (split by prefix when large). */
  | { do: 'planChains' }
  /** Member and parent listings for the next groups in id order; `first` when the groups listing just ended. */
  | { do: 'nextGroupBatch'; first: boolean }
  /** A split population's last chain ended: compare what its chains found with its user count. */
  | { do: 'checkPopulation'; populationId: string };

/** The follow-up of a listing at its end, if any; reads the checkpoint, changes nothing. */
function followUp(cp: SyncCheckpoint, done: ListingState): FollowUp | undefined {
  switch (done.ref.kind) {
    case 'populations':
      return { do: 'planChains' };
    case 'groups':
      return { do: 'nextGroupBatch', first: true };
    case 'members':
    case 'groupParents':
      return { do: 'nextGroupBatch', first: false };
    case 'users': {
      const { populationId, usernamePrefix } = done.ref;
      if (!populationId || !usernamePrefix) return undefined;
      const chainsOpen = cp.listings.some((l) => !l.done && l.ref.kind === 'users' && l.ref.populationId === populationId);
      return chainsOpen ? undefined : { do: 'checkPopulation', populationId };
    }
    default:
      return undefined;
  }
}

/**
 * Drains `cp.listings` on `lanes.count` lanes. Answers false when it paused for continue-as-new;
 * `cp.listings` then holds exactly the open listings, each where it stands.
 */
export async function runListingQueue(
  connection: ConnectionArgs,
  cp: SyncCheckpoint,
  board: SyncProgressBoard,
  lanes: Lanes,
): Promise<boolean> {
  const key = { connectionId: connection.connectionId, snapshotId: cp.snapshotId };
  let paused = false;
  /** Listings a lane is paging through. */
  const running = new Set<ListingState>();
  /** Follow-ups under way: what they add is not in the queue yet. */
  let planning = 0;
  /** A group batch is being read: another lane's follow-up does not read the same one. */
  let pullingGroups = false;

  // While a user listing is open or to come, group-scoped listings running together hold at most
  // the budget's concurrency of slots: more would only wait in the budget, and the slots left are
  // the chains' (a sync lasts at least as long as its longest chain; without this a few lanes took
  // every slot for group listings at the start, and the chains began a second late). Once the
  // chains are done (lanes.fillLanes) they may hold every lane: a listing that ended inside an
  // activity holds its slot till the activity returns (the longest of its 1-8 page listings), so
  // at the concurrency's count the requests in flight fell below what the pace needs (85-90
  // requests a second against 93 at 100,000 users).
  let planningChains = false;
  const chainsToCome = () => planningChains || cp.listings.some((l) => !l.done && (l.ref.kind === 'users' || l.ref.kind === 'populations'));
  const groupSlots = () => (lanes.fillLanes && !chainsToCome() ? lanes.count : cp.concurrency);
  const groupRoom = () => groupSlots() - [...running].filter(isGroupScoped).length;
  const nextOpen = () => cp.listings.find((l) => !l.done && !running.has(l) && (!lanes.together || !isGroupScoped(l) || groupRoom() > 0));
  const listed = () => nextOpen() === undefined && running.size === 0 && planning === 0;

  // Listings running together hold `lanes.count` slots between them, so no more listings carry a
  // cursor in the checkpoint than lanes did one each (MAX_LANES). Before the patch a free lane
  // always found a slot: each running lane held one listing.
  const room = () => !lanes.together || running.size < lanes.count;

  const openGroupListings = () => cp.listings.filter((l) => !l.done && isGroupScoped(l)).length;
  // A bounded batch at a time, pulled when no more group-scoped listings are open than may run, so
  // the checkpoint stays small however many groups there are and the slots do not wait for a batch.
  const nextGroupBatch = async (): Promise<ListingState[]> => {
    if (cp.groupsScheduled || cp.groupCursor === null || pullingGroups || openGroupListings() > groupSlots()) return [];
    pullingGroups = true;
    try {
      const groupIds = await store.nextGroups({ ...key, after: cp.groupCursor, limit: cp.concurrency });
      if (groupIds.length === 0) {
        cp.groupsScheduled = true;
        return [];
      }
      cp.groupCursor = groupIds[groupIds.length - 1];
      return groupIds.flatMap((groupId) => [newListing({ kind: 'members', groupId }), newListing({ kind: 'groupParents', groupId })]);
    } finally {
      pullingGroups = false;
    }
  };

  /** Runs a follow-up; answers the listings it adds to the queue. */
  const perform = async (work: FollowUp | undefined): Promise<ListingState[]> => {
    switch (work?.do) {
      case 'planChains':
        return (await store.planUserChains(key)).map(newListing);
      case 'nextGroupBatch':
        if (work.first) cp.groupCursor = '';
        return nextGroupBatch();
      case 'checkPopulation': {
        const check = await store.checkSplitPopulation({ ...key, populationId: work.populationId });
        if (check.complete) return [];
        cp.warnings.push(
          `Population ${work.populationId}: username-prefix chains found ${check.listed} of ${check.expected} users, so the population was listed again whole.`,
        );
        return [newListing({ kind: 'users', populationId: work.populationId })];
      }
      default:
        return [];
    }
  };

  /** Runs the follow-ups of listings at their end, one after another; what they add joins the queue. */
  const followUps = async (ended: ListingState[]) => {
    planning++;
    try {
      for (const listing of ended) {
        const work = followUp(cp, listing);
        // The chains are to come until they are in the queue (chainsToCome).
        planningChains ||= work?.do === 'planChains';
        const more = await perform(work);
        cp.listings = cp.listings.filter((l) => !l.done).concat(more);
        if (work?.do === 'planChains') planningChains = false;
      }
    } finally {
      planning--;
    }
  };

  /**
   * A lane's group-scoped listing with the other open ones beside it, as many as the slots allow,
   * in one activity a round: after each round the listings at their end leave the lane (their
   * slots free) and bring their follow-ups; the rest go on in the next round.
   */
  const runTogether = async (first: ListingState) => {
    const others = cp.listings.filter((l) => l !== first && !l.done && !running.has(l) && isGroupScoped(l));
    let going = [first, ...others.slice(0, Math.min(LISTINGS_TOGETHER_MAX, lanes.count - running.size, groupRoom()) - 1)];
    for (const l of going) running.add(l);
    board.update({ listingsRunning: running.size });
    try {
      while (going.length > 0) {
        if (shouldContinueAsNew()) {
          paused = true;
          return;
        }
        await fetchTogether(connection, cp, going, board);
        const ended = going.filter((l) => l.done);
        going = going.filter((l) => !l.done);
        for (const l of ended) running.delete(l);
        board.update({ listingsRunning: running.size });
        await followUps(ended);
      }
    } finally {
      for (const l of going) running.delete(l);
      board.update({ listingsRunning: running.size });
    }
  };

  const lane = async () => {
    for (;;) {
      await condition(() => paused || (nextOpen() !== undefined && room()) || listed());
      if (paused) return;
      const listing = nextOpen();
      // Several lanes wake for one new listing; the ones that find none wait again, and leave
      // once the listing is done.
      if (!listing) {
        if (listed() || !lanes.waitAgain) return;
        continue;
      }
      if (lanes.together && isGroupScoped(listing)) {
        await runTogether(listing);
        if (paused) return;
        continue;
      }
      running.add(listing);
      board.update({ listingsRunning: running.size });
      try {
        while (!listing.done) {
          if (shouldContinueAsNew()) {
            paused = true;
            return;
          }
          await fetchOne(connection, cp, listing, board);
        }
      } finally {
        running.delete(listing);
        board.update({ listingsRunning: running.size });
      }
      await followUps([listing]);
    }
  };
  await Promise.all(Array.from({ length: lanes.count }, lane));
  return !paused;
}
