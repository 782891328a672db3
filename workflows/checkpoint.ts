// A sync's resumable state as plain data: carried across continue-as-new, readable in history. It
// never holds page data, only where each listing stands.
import type { ListingRef } from '../activities/pingone/listings';
import type { SyncResult } from './contract';
import type { UsageReadState } from './usage';

export interface ListingState {
  ref: ListingRef;
  /** The next link to fetch; null before the first page. The checkpoint of the listing. */
  next: string | null;
  done: boolean;
  pages: number;
  /** How often an expired cursor sent the listing back to its first page. */
  restarts: number;
  /** Records this pass of the listing counted (kept, skipped); taken back when a restart repeats them. */
  kept?: number;
  skipped?: number;
}

export type CheckpointPhase = 'listing' | 'access';

export interface SyncCheckpoint {
  snapshotId: string;
  startedAt: string;
  region: string;
  regionName: string;
  phase: CheckpointPhase;
  /** Listings in progress or waiting: only open ones, so the checkpoint stays small. */
  listings: ListingState[];
  /** Requests in flight the connection's budget allows. */
  concurrency: number;
  /** Group-scoped listings are scheduled in id order up to here; null until the groups listing completes. */
  groupCursor: string | null;
  /** Every group has had its member and parent listings scheduled. */
  groupsScheduled: boolean;
  counts: {
    pagesFetched: number;
    pingOneRequests: number;
    users: number;
    groups: number;
    applications: number;
    malformedUsers: number;
  };
  warnings: string[];
  runs: number;
  /** The usage read (patched('usage-read')): its window and each slice's next link; absent before it starts. */
  usage?: UsageReadState;
}

export function newListing(ref: ListingRef): ListingState {
  return { ref, next: null, done: false, pages: 0, restarts: 0 };
}

export function emptyResultCounts(): Pick<SyncResult, 'usersSkipped'> {
  return { usersSkipped: { noEmail: 0, duplicateEmail: 0, malformedRecord: 0 } };
}
