// The sync's usage part, in workflow code (no I/O): the usage read, its window cut into time slices
// read page by page like listings (each page one activity whose next link is the slice's
// checkpoint, carried across continue-as-new; an expired cursor sends that slice back to its first
// page, and event ids make the repeat harmless), on lanes of its own beside the listing's; the
// mapped applications' users settled before the deletion guard (which weighs their deletions with
// the main file's); and after the main file one file per mapped application, each to its own app
// account.
import type { ConnectionArgs } from '../activities/connection';
import type { SettledAppOutcome } from '../activities/store/activities';
import type { SyncCheckpoint, UsageReadState, UsageSlice } from '../contract/checkpoint';
import type { UsageReadProgress, ValidSyncInput } from '../contract/sync';
import type { AppDeletions } from '../contract/deletion-guard';
import { pingOne, store, torii } from './activity-options';
import { causeType } from './failure-cause';
import { shouldContinueAsNew } from './listing-queue';
import type { SyncProgressBoard } from './progress';
import type { AppAccountResult, UsageSummary } from '../contract/usage';
import { usageSlices } from './usage-slices';

/** Like a listing's: an expired cursor sends the slice back to its first page at most this often. */
const MAX_CURSOR_RESTARTS = 3;

/**
 * Slices read at once. One slice's pages follow one another (each needs the last one's next link),
 * and a page's round trip through Temporal is longer than the audit budget's interval, so one lane
 * left the budget half used; two keep it busy, and the audit budget caps them whatever their number.
 */
const USAGE_LANES = 2;

/** What the progress query shows of the read. */
export function usageReadProgress(usage: UsageReadState): UsageReadProgress {
  return {
    eventsRead: usage.eventsRead,
    pages: usage.slices.reduce((n, s) => n + s.pages, 0),
    slicesDone: usage.slices.filter((s) => s.done).length,
    slices: usage.slices.length,
    denied: usage.denied,
  };
}

/** Reads audit activities to the last page of every slice; answers false when it paused for continue-as-new. */
export async function runUsageRead(connection: ConnectionArgs, cp: SyncCheckpoint, board: SyncProgressBoard): Promise<boolean> {
  if (!cp.usage) {
    const window = await store.planUsageRead({ connectionId: connection.connectionId });
    cp.usage = { window, slices: usageSlices(window), completed: false, denied: false, eventsRead: 0, signOnsNew: 0, requests: 0 };
  }
  const usage = cp.usage;
  board.update({ usageRead: usageReadProgress(usage) });
  let paused = false;
  const taken = new Set<UsageSlice>();
  const lane = async () => {
    for (;;) {
      const slice = usage.slices.find((s) => !s.done && !taken.has(s));
      if (!slice || usage.denied) return;
      taken.add(slice);
      while (!slice.done && !usage.denied) {
        if (shouldContinueAsNew()) {
          paused = true;
          return;
        }
        await readPage(connection, cp, slice);
        board.update({ usageRead: usageReadProgress(usage) });
      }
    }
  };
  await Promise.all(Array.from({ length: USAGE_LANES }, lane));
  if (paused) return false;
  if (!usage.denied && !usage.completed) {
    // Counted by the store, not summed per page: a page a killed worker had written counts once.
    const { signOnsNew } = await store.completeUsageRead({ connectionId: connection.connectionId, window: usage.window });
    Object.assign(usage, { completed: true, signOnsNew });
  }
  return true;
}

async function readPage(connection: ConnectionArgs, cp: SyncCheckpoint, slice: UsageSlice): Promise<void> {
  const usage = cp.usage as UsageReadState;
  let outcome;
  try {
    outcome = await pingOne.readUsagePage.executeWithOptions(
      { summary: `audit activities ${slice.from} to ${slice.to}, page ${slice.pages + 1}${slice.restarts ? ` (restart ${slice.restarts} after an expired cursor)` : ''}` },
      [{ ...connection, window: { from: slice.from, to: slice.to }, readTo: usage.window.to, url: slice.next ?? undefined }],
    );
  } catch (err) {
    // Event ids make the second pass over the slice's early pages harmless in the store.
    if (causeType(err) === 'PingOneCursorExpired' && slice.restarts < MAX_CURSOR_RESTARTS) {
      Object.assign(slice, { next: null, pages: 0, restarts: slice.restarts + 1 });
      return;
    }
    throw err;
  }
  slice.pages++;
  usage.eventsRead += outcome.read;
  usage.requests += outcome.requests;
  cp.counts.pingOneRequests += outcome.requests;
  slice.next = outcome.next;
  slice.done = outcome.denied || outcome.next === null;
  if (outcome.denied) Object.assign(usage, { denied: true, deniedWarning: outcome.warning });
}

/** A mapped application and how this snapshot settled it. */
export type SettledApp = { pingOneApplicationId: string; toriiAppAccountId: number } & SettledAppOutcome;

/** Each mapped application's users for this snapshot, before the deletion guard weighs them. */
export async function settleAppAccounts(input: ValidSyncInput, cp: SyncCheckpoint): Promise<SettledApp[]> {
  const settled: SettledApp[] = [];
  for (const mapped of input.options.applicationAccounts ?? []) {
    settled.push({ ...mapped, ...(await store.settleAppAccount({ connectionId: input.connectionId, snapshotId: cp.snapshotId, ...mapped })) });
  }
  return settled;
}

/** What the deletion guard weighs: each settled application's deletions against its app account's last file. */
export function appDeletions(settled: SettledApp[]): AppDeletions[] {
  return settled.flatMap((a) =>
    a.status === 'settled' ? [{ pingOneApplicationId: a.pingOneApplicationId, toriiAppAccountId: a.toriiAppAccountId, name: a.name, usersDeleted: a.usersDeleted, previousUsers: a.previousUsers }] : [],
  );
}

function missingWarning(mapped: { pingOneApplicationId: string; toriiAppAccountId: number }): string {
  return (
    `Application ${mapped.pingOneApplicationId}, mapped to app account ${mapped.toriiAppAccountId}, is not among the applications this sync licenses ` +
    `(deleted, disabled or not licensable in PingOne), so nothing was sent to that app account. Remove it from options.applicationAccounts or restore it in PingOne.`
  );
}

/** One file per settled application after the main file (the deletion guard let them all go); answers the usage summary and warnings. */
export async function publishAppAccounts(input: ValidSyncInput, cp: SyncCheckpoint, settled: SettledApp[]): Promise<{ summary: UsageSummary; warnings: string[] }> {
  const usage = cp.usage;
  const key = { connectionId: input.connectionId, snapshotId: cp.snapshotId };
  const warnings: string[] = [];
  if (usage?.denied && usage.deniedWarning) warnings.push(usage.deniedWarning);
  if (usage?.window.missedFrom) {
    warnings.push(
      `The last usage read ended ${usage.window.missedFrom}, longer ago than the 14 days PingOne keeps audit activities readable, ` +
        `so sign-ons between then and ${usage.window.from} are unknown. Sync at least every 14 days to keep usage complete.`,
    );
  }
  const appAccounts: AppAccountResult[] = [];
  for (const app of settled) {
    const mapped = { pingOneApplicationId: app.pingOneApplicationId, toriiAppAccountId: app.toriiAppAccountId };
    if (app.status === 'missing') {
      warnings.push(missingWarning(mapped));
      appAccounts.push({ ...mapped, status: 'missing', name: null, toriiFileId: null, filePath: null, users: 0, usersDeleted: 0, lastUsedDates: 0 });
      continue;
    }
    const file = await torii.publishAppAccount({
      ...key,
      ...mapped,
      appId: app.appId,
      name: app.name,
      torii: input.torii,
      dryRun: input.options.dryRun,
      withUsage: usage !== undefined && !usage.denied,
    });
    if (file.fileId !== null) {
      await torii.syncTorii({ torii: { ...input.torii, appAccountId: mapped.toriiAppAccountId }, fileId: file.fileId });
    }
    appAccounts.push({
      ...mapped,
      status: file.fileId === null ? 'dry-run' : 'published',
      name: app.name,
      toriiFileId: file.fileId,
      filePath: file.filePath,
      users: file.users,
      usersDeleted: app.usersDeleted,
      lastUsedDates: file.lastUsedDates,
    });
  }
  const summary: UsageSummary = {
    audit: usage?.denied ? 'denied' : 'read',
    eventsRead: usage?.eventsRead ?? 0,
    signOnsNew: usage?.signOnsNew ?? 0,
    windowFrom: usage?.window.from ?? null,
    windowTo: usage?.window.to ?? null,
    backfill: usage?.window.backfill ?? false,
    auditRequests: usage?.requests ?? 0,
    appsPublished: appAccounts.filter((a) => a.status === 'published' || a.status === 'dry-run').length,
    appAccounts,
  };
  return { summary, warnings };
}
