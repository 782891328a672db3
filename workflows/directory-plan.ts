// What listing comes after what: the populations listing brings the user chains, a split
// population's last prefix chain brings its count check (and a whole-population chain if the check
// fails), and the groups listing brings member and parent listings, a bounded batch at a time so the
// checkpoint stays small however many groups there are.
import type { ListingKind } from '../activities/pingone/listings';
import { newListing, type ListingState, type SyncCheckpoint } from '../contract/checkpoint';
import { store } from './activity-options';
import type { FollowUps } from './listing-runner';

export function firstListings(): ListingState[] {
  const kinds: ListingKind[] = ['populations', 'groups', 'applications'];
  return kinds.map((kind) => newListing({ kind }));
}

export function directoryFollowUps(cp: SyncCheckpoint, connectionId: string): FollowUps {
  const key = { connectionId, snapshotId: cp.snapshotId };
  const openGroupListings = () => cp.listings.filter((l) => !l.done && (l.ref.kind === 'members' || l.ref.kind === 'groupParents')).length;
  let pulling = false;

  const nextGroupBatch = async (): Promise<ListingState[]> => {
    if (cp.groupsScheduled || cp.groupCursor === null || pulling || openGroupListings() > cp.concurrency) return [];
    pulling = true;
    try {
      const groupIds = await store.nextGroups({ ...key, after: cp.groupCursor, limit: cp.concurrency });
      if (groupIds.length === 0) {
        cp.groupsScheduled = true;
        return [];
      }
      cp.groupCursor = groupIds[groupIds.length - 1];
      return groupIds.flatMap((groupId) => [newListing({ kind: 'members', groupId }), newListing({ kind: 'groupParents', groupId })]);
    } finally {
      pulling = false;
    }
  };

  return async (done) => {
    switch (done.ref.kind) {
      case 'populations':
        return (await store.planUserChains(key)).map(newListing);
      case 'groups':
        cp.groupCursor = '';
        return nextGroupBatch();
      case 'members':
      case 'groupParents':
        return nextGroupBatch();
      case 'users': {
        const { populationId, usernamePrefix } = done.ref;
        if (!populationId || !usernamePrefix) return [];
        const siblingsOpen = cp.listings.some((l) => !l.done && l.ref.kind === 'users' && l.ref.populationId === populationId);
        if (siblingsOpen) return [];
        const check = await store.checkSplitPopulation({ ...key, populationId });
        if (check.complete) return [];
        cp.warnings.push(
          `Population ${populationId}: username-prefix chains found ${check.listed} of ${check.expected} users, so the population was listed again whole.`,
        );
        return [newListing({ kind: 'users', populationId })];
      }
      default:
        return [];
    }
  };
}
