// The next pages of a listing: the activity that fetches and writes them, and what its outcome
// changes in the checkpoint (the listing's next link, the counts, the skipped records). One activity
// follows the listing for a few seconds (patched('pages-per-activity'); before it, one page an
// activity, as histories recorded then replay). A paging cursor that expired sends the listing back
// to its first page, a bounded number of times.
import { patched } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities/connection';
import type { PageOutcome } from '../activities/pingone/listing-pages';
import type { ListingState, SyncCheckpoint } from '../contract/checkpoint';
import { pageSummary } from './activity-summaries';
import { pingOne } from './activity-options';
import { causeType } from './failure-cause';
import type { SyncProgressBoard } from './progress';

const MAX_CURSOR_RESTARTS = 3;

const { fetchPage, fetchPages } = pingOne;

export async function fetchOne(connection: ConnectionArgs, cp: SyncCheckpoint, listing: ListingState, board: SyncProgressBoard): Promise<void> {
  let outcome: PageOutcome & { pages: number };
  const args = { ...connection, snapshotId: cp.snapshotId, listing: listing.ref, url: listing.next ?? undefined };
  try {
    outcome = patched('pages-per-activity')
      ? await fetchPages.executeWithOptions({ summary: pageSummary(listing) }, [args])
      : { ...(await fetchPage.executeWithOptions({ summary: pageSummary(listing) }, [args])), pages: 1 };
  } catch (err) {
    if (causeType(err) === 'PingOneCursorExpired' && listing.restarts < MAX_CURSOR_RESTARTS) {
      // Upserts make the second pass over early pages harmless in the store; the abandoned pass's
      // counts are taken back so the progress and the result count nobody twice. (The failed
      // activity's own pages were never counted: their counts lived in its heartbeat only.)
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
  listing.pages += outcome.pages;
  listing.next = outcome.next;
  listing.done = outcome.next === null;
  cp.counts.pagesFetched += outcome.pages;
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
