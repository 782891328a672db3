// The next pages of a listing: the activity that fetches and writes them, and what its outcome
// changes in the checkpoint (the listing's next link, the counts, the skipped records). One activity
// follows the listing for a few seconds (patched('pages-per-activity'); before it, one page an
// activity, as histories recorded then replay); several group-scoped listings share one activity
// (patched('group-listings-together'), fetchTogether). A paging cursor that expired sends the
// listing back to its first page, a bounded number of times.
import { patched } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities/connection';
import type { PageOutcome } from '../activities/pingone/listing-pages';
import type { ListingState, SyncCheckpoint } from '../contract/checkpoint';
import { pageSummary } from './activity-summaries';
import { pingOne } from './activity-options';
import { causeType } from './failure-cause';
import type { SyncProgressBoard } from './progress';

const MAX_CURSOR_RESTARTS = 3;

const { fetchPage, fetchPages, fetchListingsTogether } = pingOne;

export async function fetchOne(connection: ConnectionArgs, cp: SyncCheckpoint, listing: ListingState, board: SyncProgressBoard): Promise<void> {
  let outcome: PageOutcome & { pages: number };
  const args = { ...connection, snapshotId: cp.snapshotId, listing: listing.ref, url: listing.next ?? undefined };
  try {
    outcome = patched('pages-per-activity')
      ? await fetchPages.executeWithOptions({ summary: pageSummary(listing) }, [args])
      : { ...(await fetchPage.executeWithOptions({ summary: pageSummary(listing) }, [args])), pages: 1 };
  } catch (err) {
    if (causeType(err) === 'PingOneCursorExpired' && listing.restarts < MAX_CURSOR_RESTARTS) {
      restart(cp, listing);
      showRestart(cp, board);
      return;
    }
    throw err;
  }
  applyPages(cp, listing, outcome);
  showPages(cp, board);
}

/**
 * The next pages of several listings in one activity (patched('group-listings-together')), each
 * outcome applied to its listing as fetchOne applies one. A listing whose cursor expired comes back
 * `expired` while the others keep their pages; once its restarts are spent the activity fails on it
 * instead, as fetchOne's does.
 */
export async function fetchTogether(connection: ConnectionArgs, cp: SyncCheckpoint, listings: ListingState[], board: SyncProgressBoard): Promise<void> {
  const args = {
    ...connection,
    snapshotId: cp.snapshotId,
    listings: listings.map((l) => ({ listing: l.ref, url: l.next ?? undefined, restartable: l.restarts < MAX_CURSOR_RESTARTS })),
  };
  const summary = listings.length === 1 ? pageSummary(listings[0]) : `${pageSummary(listings[0])} and ${listings.length - 1} more listings`;
  const outcomes = await fetchListingsTogether.executeWithOptions({ summary }, [args]);
  // One outcome per listing, in order. A listing without one (an answer recorded for other
  // arguments: a history replayed on code that built this activity's listings otherwise) stays
  // where it stands and goes again, so replay reaches the commands that differ and reports the
  // nondeterminism, rather than this code failing on a missing outcome.
  listings.forEach((listing, i) => {
    const outcome = outcomes[i];
    if (outcome) outcome.expired ? restart(cp, listing) : applyPages(cp, listing, outcome);
  });
  if (outcomes.some((o) => o.expired)) showRestart(cp, board);
  showPages(cp, board);
}

/** What an activity's pages of a listing add: its next link (null: at its end), the counts, the skipped records. */
function applyPages(cp: SyncCheckpoint, listing: ListingState, outcome: PageOutcome & { pages: number }): void {
  listing.pages += outcome.pages;
  listing.next = outcome.next;
  listing.done = outcome.next === null;
  cp.counts.pagesFetched += outcome.pages;
  cp.counts.pingOneRequests += outcome.requests;
  count(cp, listing, outcome.kept, outcome.skipped);
  noteSkippedIds(cp, listing, outcome.skippedIds ?? []);
}

/**
 * An expired cursor sends the listing back to its first page. Upserts make the second pass over
 * early pages harmless in the store; the abandoned pass's counts are taken back so the progress and
 * the result count nobody twice. (The ending activity's own pages of it were never counted.)
 */
function restart(cp: SyncCheckpoint, listing: ListingState): void {
  count(cp, listing, -(listing.kept ?? 0), -(listing.skipped ?? 0));
  Object.assign(listing, { next: null, pages: 0, restarts: listing.restarts + 1, kept: 0, skipped: 0 });
}

function showRestart(cp: SyncCheckpoint, board: SyncProgressBoard): void {
  board.update({
    lastError: 'A paging cursor expired; that listing started again from its first page.',
    users: cp.counts.users,
    groups: cp.counts.groups,
    applications: cp.counts.applications,
  });
}

function showPages(cp: SyncCheckpoint, board: SyncProgressBoard): void {
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
