// One page of a listing: the activity that fetches and writes it, and what its outcome changes in
// the checkpoint (the listing's next link, the counts, the skipped records). A paging cursor that
// expired sends the listing back to its first page, a bounded number of times.
import type { ConnectionArgs } from '../activities/connection';
import type { ListingState, SyncCheckpoint } from '../contract/checkpoint';
import { pageSummary } from './activity-summaries';
import { pingOne } from './activity-options';
import { causeType } from './failure-cause';
import type { SyncProgressBoard } from './progress';

const MAX_CURSOR_RESTARTS = 3;

const { fetchPage } = pingOne;

export async function fetchOne(connection: ConnectionArgs, cp: SyncCheckpoint, listing: ListingState, board: SyncProgressBoard): Promise<void> {
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
