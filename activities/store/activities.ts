// The store port's activities: plan the listings (user chains, group batches, split population
// checks), derive access, settle the snapshot and each mapped application, the usage read's window
// and close, the deletion guard's baseline, closing a snapshot, and the CLI's reads (diff, usage).
// Each is queries of the store alone, with a small plain-data result.
import type { ListingRef } from '../pingone/listings';
import { USAGE_OVERLAP_MS, USAGE_REACH_MS } from '../pingone/audit';
import { reportingProblems } from '../problem';
import { deriveAccessAndSentUsers, planAdminLookups, type AccessPlan } from './access';
import { checkSplitPopulation, planUserChains, type PopulationCheck } from './chains';
import type { ConnectionDiffAnswer, ConnectionDiffArgs, ConnectionUsageArgs, UsageReport } from '../../contract/reports';
import { connectionDiff } from './connection-diff';
import { previousSentUsers } from './deletion-baseline';
import { finalizeSnapshot, type FinalizedSnapshot } from './finalize';
import { nextGroupIds } from './groups';
import type { SnapshotKey } from './pages';
import { closeSnapshot, lastPublishedSnapshotId } from './snapshots';
import type { Sql } from './sql';
import { completeUsageRead, planUsageWindow, type UsageWindow } from './usage';
import { mappedApplication, pruneAppAccountRows, settleAppAccount } from './usage-app-accounts';
import { usageReport } from './usage-report';

export type { AccessPlan };

export interface StoreActivityDeps {
  sql: Sql;
  /** Admin-only apps with more candidate users than this are left out with a warning. */
  adminLookupLimit: number;
  /** A population with more users than this is listed by several chains, split by username prefix. */
  chainSplitAbove: number;
}

export interface MappedAppKey extends SnapshotKey {
  pingOneApplicationId: string;
  toriiAppAccountId: number;
}

/** A mapped application settled for this snapshot, or `missing` when this snapshot does not license it (gone, disabled). */
export type SettledAppOutcome =
  | { status: 'missing' }
  | { status: 'settled'; appId: string; name: string; usersDeleted: number; previousUsers: number };

export interface CloseArgs extends SnapshotKey {
  status: 'published' | 'dry-run';
  fileId: number | null;
  summary: unknown;
}

export function createStoreActivities(deps: StoreActivityDeps) {
  return {
    /** The user listing as chains, once populations are known. */
    async planUserChains(args: SnapshotKey): Promise<ListingRef[]> {
      return planUserChains(deps.sql, args, deps.chainSplitAbove);
    },

    /** Whether a split population's prefix chains found all its users. */
    async checkSplitPopulation(args: SnapshotKey & { populationId: string }): Promise<PopulationCheck> {
      return checkSplitPopulation(deps.sql, args, args.populationId);
    },

    /** The next groups (by id) whose members and parents are to be listed. */
    async nextGroups(args: SnapshotKey & { after: string; limit: number }): Promise<string[]> {
      return nextGroupIds(deps.sql, args, args.after, args.limit);
    },

    /**
     * Derives who may use which app and, beside it, who is sent; decides which admin-only apps are
     * affordable to resolve.
     */
    async planAccess(args: SnapshotKey): Promise<AccessPlan> {
      const previous = await lastPublishedSnapshotId(deps.sql, args.connectionId, args.snapshotId);
      const admins = await deriveAccessAndSentUsers(deps.sql, args, previous);
      return { ...planAdminLookups(admins, deps.adminLookupLimit), sentUsersWritten: true };
    },

    /**
     * Settles what the file holds, deletions included; only ever called after a complete listing.
     * `sentUsersWritten`: planAccess wrote the sent users (a plan recorded before it did says nothing).
     */
    async finalizeSnapshot(args: SnapshotKey & { omittedAppIds: string[]; sentUsersWritten?: boolean }): Promise<FinalizedSnapshot> {
      const previous = await lastPublishedSnapshotId(deps.sql, args.connectionId, args.snapshotId);
      return finalizeSnapshot(deps.sql, args, previous, args.omittedAppIds, args.sentUsersWritten === true);
    },

    /** The deletion guard's baseline: users the last published sync sent as present. */
    async countPreviousUsers(args: SnapshotKey): Promise<{ previousUsers: number }> {
      return { previousUsers: await previousSentUsers(deps.sql, args) };
    },

    async closeSnapshot(args: CloseArgs): Promise<void> {
      await closeSnapshot(deps.sql, args, args.status, args.fileId, args.summary);
    },

    /** The window this sync's usage read covers (now is the worker's clock, read once and carried in the checkpoint). */
    async planUsageRead(args: { connectionId: string }): Promise<UsageWindow> {
      return planUsageWindow(deps.sql, args.connectionId, new Date(), USAGE_REACH_MS, USAGE_OVERLAP_MS);
    },

    /** The read reached its last page: the high-water mark moves to the window's end; answers its new sign-ons. */
    async completeUsageRead(args: { connectionId: string; window: UsageWindow }): Promise<{ signOnsNew: number }> {
      return { signOnsNew: await completeUsageRead(deps.sql, args.connectionId, args.window, USAGE_OVERLAP_MS) };
    },

    /**
     * Settles one mapped application's users for this snapshot: who its app account gets and who
     * it is sent as deleted, the counts the deletion guard weighs before anything is published. An
     * application this snapshot does not license (gone, disabled) is answered `missing`.
     */
    async settleAppAccount(args: MappedAppKey): Promise<SettledAppOutcome> {
      return reportingProblems(async () => {
        await pruneAppAccountRows(deps.sql, args.connectionId);
        const app = await mappedApplication(deps.sql, args, args.pingOneApplicationId);
        if (!app) return { status: 'missing' };
        const settled = await settleAppAccount(deps.sql, args, app.appId);
        return { status: 'settled', appId: app.appId, name: app.name, usersDeleted: settled.deleted, previousUsers: settled.previousUsers };
      });
    },

    /** A connection's diff between syncs, for the CLI (workflows/connection-reports.ts). */
    async readConnectionDiff(args: ConnectionDiffArgs): Promise<ConnectionDiffAnswer> {
      return connectionDiff(deps.sql, args);
    },

    /** A connection's usage per application, for the CLI's `usage` (workflows/connection-reports.ts). */
    async readConnectionUsage(args: ConnectionUsageArgs): Promise<UsageReport | null> {
      return (await usageReport(deps.sql, args.connectionId, new Date(args.since), args.app)) ?? null;
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;
