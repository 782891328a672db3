// pingOneSync: one connection's PingOne users and application access into Torii.
//
// The story: validate the input; open a snapshot (hosts checked, token acquired); list users,
// groups, applications and populations page by page, then each group's members and parents; derive
// who may use which app; settle deletions against the last published snapshot (only now, after a
// complete listing); hold for approval when that would delete too many (deletion-guard.ts); build
// and upload the Torii file; ask Torii to sync it. Every page is one activity whose next link is the
// checkpoint; when the server suggests it, the workflow continues as new carrying that checkpoint.
// No I/O here: activities do it all.
import { ApplicationFailure, ContinueAsNew, continueAsNew, patched, uuid4 } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities/connection';
import { pingOne, store, torii } from './activity-options';
import { describeInputProblems, SyncInputSchema, type SyncInput, type SyncResult, type ValidSyncInput } from '../contract/sync';
import { CHECKPOINT_VERSION, parseCheckpoint, type SyncCheckpoint } from '../contract/checkpoint';
import { DeletionGuard } from './deletion-guard';
import { rethrowAsSyncFailure } from './failure-cause';
import { directoryFollowUps, firstListings } from './directory-plan';
import { runListings } from './listing-runner';
import { SyncProgressBoard } from './progress';
import { recordsSkipped, skippedRecordWarnings } from './skipped-records';
import { unencryptedInputFailure } from './unencrypted-input';
import { appDeletions, publishAppAccounts, runUsageRead, settleAppAccounts, usageReadProgress } from './usage';

export { progressQuery } from '../contract/sync';

/**
 * Every listing a lane holds carries its next link in the checkpoint across continue-as-new (~750
 * bytes with the cursor). At the highest concurrency (64) 128 lanes made a 59 KB checkpoint, near the
 * 64 KB a payload may hold. 48 lanes keep it near 40 KB, and at ~300 ms a page still carry ~160
 * pages/s, more than the default budgets.
 */
const MAX_LISTING_LANES = 48;

export async function pingOneSync(rawInput: SyncInput, rawResume?: SyncCheckpoint): Promise<SyncResult> {
  const board = new SyncProgressBoard(rawResume?.startedAt ?? new Date().toISOString());
  const guard = new DeletionGuard(board);
  const unencrypted = unencryptedInputFailure(rawInput, 'sync');
  if (unencrypted) {
    board.fail(unencrypted);
    throw unencrypted;
  }
  const parsed = SyncInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const invalid = ApplicationFailure.nonRetryable(
      `The sync input is invalid: ${describeInputProblems(parsed.error).join('; ')}`,
      'InvalidSyncInput',
      { problems: describeInputProblems(parsed.error) },
    );
    board.fail(invalid);
    throw invalid;
  }
  const input: ValidSyncInput = parsed.data;
  const checked = rawResume === undefined ? undefined : parseCheckpoint(rawResume);
  if (checked && !checked.success) {
    const invalid = ApplicationFailure.nonRetryable(
      `The checkpoint to resume from is invalid: ${describeInputProblems(checked.error).join('; ')}`,
      'InvalidCheckpoint',
      { problems: describeInputProblems(checked.error) },
    );
    board.fail(invalid);
    throw invalid;
  }
  const resume = checked?.checkpoint;
  const connection: ConnectionArgs = { connectionId: input.connectionId, pingOne: input.pingOne, rateLimit: input.options.rateLimit };

  board.identify(input);
  try {
    const checkpoint = resume ?? (await begin(connection, board.state.startedAt));
    board.locate(checkpoint.regionName);
    const { pagesFetched, users, groups, applications } = checkpoint.counts;
    board.update({ pagesFetched, users, groups, applications, ...(checkpoint.usage ? { usageRead: usageReadProgress(checkpoint.usage) } : {}) });
    return await carryOn(input, connection, checkpoint, board, guard);
  } catch (err) {
    // Continuing as new is not a failure: the next run carries on in the same phase.
    if (!(err instanceof ContinueAsNew)) board.fail(err);
    rethrowAsSyncFailure(err);
  }
}

async function begin(connection: ConnectionArgs, startedAt: string): Promise<SyncCheckpoint> {
  const snapshotId = uuid4();
  const opened = await pingOne.openSync({ ...connection, snapshotId });
  return {
    version: CHECKPOINT_VERSION,
    snapshotId,
    startedAt,
    regionName: opened.regionName,
    phase: 'listing',
    listings: firstListings(),
    concurrency: opened.concurrency,
    groupCursor: null,
    groupsScheduled: false,
    counts: { pagesFetched: 0, pingOneRequests: opened.requests, users: 0, groups: 0, applications: 0, malformedUsers: 0 },
    warnings: [],
  };
}

async function carryOn(
  input: ValidSyncInput,
  connection: ConnectionArgs,
  cp: SyncCheckpoint,
  board: SyncProgressBoard,
  guard: DeletionGuard,
): Promise<SyncResult> {
  const key = { connectionId: input.connectionId, snapshotId: cp.snapshotId };
  // continueAsNew rejects with the ContinueAsNew signal: it must be awaited, not thrown (a thrown
  // promise fails the workflow task with "could not be cloned").
  const pause = (): Promise<never> => continueAsNew<typeof import('./sync').pingOneSync>(input, cp);

  if (cp.phase === 'listing') {
    board.enterPhase('listing');
    // Twice the budget's concurrency in lanes: while one page's activity completes and the next is
    // scheduled, another lane's request holds the budget's slot, so the budget, not Temporal's
    // round trip, sets the pace. Requests beyond the concurrency wait in the worker's budget.
    // Patched: histories recorded with concurrency + 2 lanes replay as they ran.
    const wanted = patched('listing-lanes-twice-concurrency') ? cp.concurrency * 2 : cp.concurrency + 2;
    const lanes = patched('listing-lanes-capped') ? Math.min(wanted, MAX_LISTING_LANES) : wanted;
    const lanesWaitAgain = patched('listing-lanes-wait-again');
    // The usage read runs beside the listings on its own audit budget; syncs started before it existed go without.
    const readUsage = patched('usage-read');
    const [listed, usageRead] = await Promise.all([
      runListings(connection, cp, board, lanes, directoryFollowUps(cp, input.connectionId), lanesWaitAgain),
      readUsage ? runUsageRead(connection, cp, board) : Promise.resolve(true),
    ]);
    if (listed) Object.assign(cp, { phase: 'access', listings: [] });
    if (!listed || !usageRead) await pause();
  } else if (cp.usage && !(await runUsageRead(connection, cp, board))) {
    // Resumed after continue-as-new with the listings done and the usage read not yet.
    await pause();
  }

  board.enterPhase('resolving-access');
  const plan = await store.planAccess(key);
  for (let after: string | null = ''; after !== null && plan.resolveAppIds.length > 0; ) {
    const batch: { last: string | null; requests: number } = await pingOne.readAdminRoles({ ...connection, ...key, appIds: plan.resolveAppIds, after, limit: 50 });
    cp.counts.pingOneRequests += batch.requests;
    after = batch.last;
  }
  const finalized = await store.finalizeSnapshot({ ...key, omittedAppIds: plan.omittedAppIds });
  board.update({ licenseAssignments: finalized.licenseAssignments });
  // The mapped applications' files are settled first: the guard weighs their deletions with the main file's.
  const apps = cp.usage ? await settleAppAccounts(input, cp) : [];
  // Syncs started before the guard existed have no marker in their history and go on without it.
  if (patched('deletion-guard')) cp.warnings.push(...(await guard.check(key, finalized.usersDeleted, input.options, appDeletions(apps))));

  board.enterPhase('publishing');
  const dryRun = input.options.dryRun;
  const published = await torii.publishSnapshot({ ...key, torii: input.torii, dryRun });
  if (published.fileId !== null) await torii.syncTorii({ torii: input.torii, fileId: published.fileId });
  const usage = cp.usage ? await publishAppAccounts(input, cp, apps) : undefined;

  const { applicationsSkipped: _apps, applicationsAdmittingNobody: _nobody, ...counts } = finalized;
  const result: SyncResult = {
    connectionId: input.connectionId,
    snapshotId: cp.snapshotId,
    dryRun,
    ...counts,
    // Histories from before verification-required existed finalized without it.
    usersVerificationRequired: finalized.usersVerificationRequired ?? 0,
    usersSkipped: { ...finalized.usersSkipped, malformedRecord: cp.counts.malformedUsers },
    recordsSkipped: recordsSkipped(cp, finalized),
    pagesFetched: cp.counts.pagesFetched,
    pingOneRequests: cp.counts.pingOneRequests,
    toriiFileId: published.fileId,
    filePath: published.filePath,
    warnings: [...cp.warnings, ...plan.warnings, ...skippedRecordWarnings(cp, finalized), ...(usage?.warnings ?? [])],
    ...(usage ? { usage: usage.summary } : {}),
  };
  await store.closeSnapshot({ ...key, status: dryRun ? 'dry-run' : 'published', fileId: published.fileId, summary: result });
  board.finish(result);
  return result;
}
