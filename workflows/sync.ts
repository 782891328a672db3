// pingOneSync: one connection's PingOne users and application access into Torii. This file owns the
// sync's order: its handlers, its phases top to bottom, each a small function below, and the moment
// it continues as new. What each phase does in detail lives beside it: the listing scheduler
// (listing-queue.ts), the usage read and the mapped applications' files (usage.ts), the deletion
// guard (deletion-guard.ts), what the outside sees (progress.ts).
//
// Validate the input and the checkpoint; open a snapshot (hosts checked, token acquired); list
// users, groups, applications and populations page by page, then each group's members and parents,
// the usage read beside; resolve who may use which app; settle deletions against the last published
// snapshot (only now, after a complete listing) and hold for approval when that would delete too
// many; build the Torii file, upload it and ask Torii to sync it; close the snapshot. An activity
// follows one listing for a few seconds (listing-page.ts) and its last next link is that listing's
// checkpoint; when the server suggests it, the workflow continues as new carrying the checkpoint.
// No I/O here: activities do it all.
import { ApplicationFailure, ContinueAsNew, continueAsNew, patched, setHandler, uuid4 } from '@temporalio/workflow';
import type { ConnectionArgs } from '../activities/connection';
import type { SnapshotKey } from '../activities/store/pages';
import { pingOne, store, torii } from './activity-options';
import { describeInputProblems, progressQuery, SyncInputSchema, type SyncInput, type SyncResult, type ValidSyncInput } from '../contract/sync';
import { CHECKPOINT_VERSION, parseCheckpoint, type SyncCheckpoint } from '../contract/checkpoint';
import { approveDeletionsUpdate, rejectDeletionsUpdate } from '../contract/deletion-guard';
import { DeletionGuard } from './deletion-guard';
import { rethrowAsSyncFailure } from './failure-cause';
import { firstListings, listingLanes, runListingQueue } from './listing-queue';
import { SyncProgressBoard } from './progress';
import { recordsSkipped, skippedRecordWarnings } from './skipped-records';
import { unencryptedInputFailure } from './unencrypted-input';
import { appDeletions, publishAppAccounts, runUsageRead, settleAppAccounts, usageReadProgress, type SettledApp } from './usage';

export async function pingOneSync(rawInput: SyncInput, rawResume?: SyncCheckpoint): Promise<SyncResult> {
  const board = new SyncProgressBoard(rawResume?.startedAt ?? new Date().toISOString());
  const guard = new DeletionGuard(board);
  // Registered before anything awaits: a query in the first workflow task is answered, and a
  // decision the sync is not waiting for is refused in words, not as an unknown update.
  setHandler(progressQuery, () => board.state);
  setHandler(approveDeletionsUpdate, guard.decide(true), { validator: guard.validateDecision });
  setHandler(rejectDeletionsUpdate, guard.decide(false), { validator: guard.validateDecision });

  const { input, resume } = validate(rawInput, rawResume, board);
  const connection: ConnectionArgs = { connectionId: input.connectionId, pingOne: input.pingOne, rateLimit: input.options.rateLimit };
  board.identify(input);
  try {
    const cp = resume ?? (await open(connection, board.state.startedAt));
    showCheckpoint(board, cp);
    // continueAsNew rejects with the ContinueAsNew signal: it must be awaited, not thrown (a thrown
    // promise fails the workflow task with "could not be cloned").
    if (!(await list(connection, cp, board))) return await continueAsNew<typeof pingOneSync>(input, cp);
    const key: SnapshotKey = { connectionId: input.connectionId, snapshotId: cp.snapshotId };
    const access = await resolveAccess(connection, key, cp, board);
    const settled = await settle(input, key, cp, access, board, guard);
    const published = await publish(input, key, cp, settled.apps, board);
    return await close(input, key, cp, { ...access, ...settled, ...published }, board);
  } catch (err) {
    // Continuing as new is not a failure: the next run carries on in the same phase.
    if (!(err instanceof ContinueAsNew)) board.fail(err);
    rethrowAsSyncFailure(err);
  }
}

/** Validate: the input, and the checkpoint a continued run resumes from; a bad one fails the sync, naming each problem. */
function validate(rawInput: SyncInput, rawResume: SyncCheckpoint | undefined, board: SyncProgressBoard): { input: ValidSyncInput; resume?: SyncCheckpoint } {
  const refuse = (failure: ApplicationFailure): never => {
    board.fail(failure);
    throw failure;
  };
  const unencrypted = unencryptedInputFailure(rawInput, 'sync');
  if (unencrypted) refuse(unencrypted);
  const parsed = SyncInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const problems = describeInputProblems(parsed.error);
    return refuse(ApplicationFailure.nonRetryable(`The sync input is invalid: ${problems.join('; ')}`, 'InvalidSyncInput', { problems }));
  }
  const checked = rawResume === undefined ? undefined : parseCheckpoint(rawResume);
  if (checked && !checked.success) {
    const problems = describeInputProblems(checked.error);
    return refuse(ApplicationFailure.nonRetryable(`The checkpoint to resume from is invalid: ${problems.join('; ')}`, 'InvalidCheckpoint', { problems }));
  }
  return { input: parsed.data, resume: checked?.checkpoint };
}

/** Open: a new snapshot, its hosts checked and a token acquired; its checkpoint starts with the first listings. */
async function open(connection: ConnectionArgs, startedAt: string): Promise<SyncCheckpoint> {
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

/** What a new or continued run has so far, on the board. */
function showCheckpoint(board: SyncProgressBoard, cp: SyncCheckpoint): void {
  board.locate(cp.regionName);
  const { pagesFetched, users, groups, applications } = cp.counts;
  board.update({ pagesFetched, users, groups, applications, ...(cp.usage ? { usageRead: usageReadProgress(cp.usage) } : {}) });
}

/**
 * List: every listing to its end with the usage read beside it (on its own audit budget). Answers
 * false when the run should continue as new; the checkpoint's phase is `access` once the listings
 * are done, so a continued run only finishes the usage read.
 */
async function list(connection: ConnectionArgs, cp: SyncCheckpoint, board: SyncProgressBoard): Promise<boolean> {
  if (cp.phase !== 'listing') return cp.usage ? runUsageRead(connection, cp, board) : true;
  board.enterPhase('listing');
  const lanes = listingLanes(cp);
  // Syncs started before the usage read existed go without it.
  const readUsage = patched('usage-read');
  const [listed, usageRead] = await Promise.all([
    runListingQueue(connection, cp, board, lanes),
    readUsage ? runUsageRead(connection, cp, board) : Promise.resolve(true),
  ]);
  if (listed) Object.assign(cp, { phase: 'access', listings: [] });
  return listed && usageRead;
}

type ResolvedAccess = Awaited<ReturnType<typeof resolveAccess>>;

/** Resolve access: who may use which app, in the store; admin-only apps read their candidates' roles. */
async function resolveAccess(connection: ConnectionArgs, key: SnapshotKey, cp: SyncCheckpoint, board: SyncProgressBoard) {
  board.enterPhase('resolving-access');
  const plan = await store.planAccess(key);
  for (let after: string | null = ''; after !== null && plan.resolveAppIds.length > 0; ) {
    const batch: { last: string | null; requests: number } = await pingOne.readAdminRoles({ ...connection, ...key, appIds: plan.resolveAppIds, after, limit: 50 });
    cp.counts.pingOneRequests += batch.requests;
    after = batch.last;
  }
  return { omittedAppIds: plan.omittedAppIds, accessWarnings: plan.warnings, sentUsersWritten: plan.sentUsersWritten };
}

/**
 * Settle: the snapshot against the last published one (deletions), then each mapped application's
 * file; the deletion guard weighs both and may hold the sync for approval.
 */
async function settle(input: ValidSyncInput, key: SnapshotKey, cp: SyncCheckpoint, access: ResolvedAccess, board: SyncProgressBoard, guard: DeletionGuard) {
  // The same command either way: only its input says whether planAccess wrote the sent users.
  const finalized = await store.finalizeSnapshot({ ...key, omittedAppIds: access.omittedAppIds, sentUsersWritten: access.sentUsersWritten });
  board.update({ licenseAssignments: finalized.licenseAssignments });
  const apps = cp.usage ? await settleAppAccounts(input, cp) : [];
  // Syncs started before the guard existed have no marker in their history and go on without it.
  if (patched('deletion-guard')) cp.warnings.push(...(await guard.check(key, finalized.usersDeleted, input.options, appDeletions(apps))));
  return { finalized, apps };
}

/** Publish: the Torii file, Torii's sync of it, then each mapped application's file. A dry run uploads nothing. */
async function publish(input: ValidSyncInput, key: SnapshotKey, cp: SyncCheckpoint, apps: SettledApp[], board: SyncProgressBoard) {
  board.enterPhase('publishing');
  const dryRun = input.options.dryRun;
  // Syncs started before the file was built and uploaded apart built it in the upload's activity.
  const published = patched('build-then-upload') ? await buildThenUpload(input, key) : await torii.publishSnapshot({ ...key, torii: input.torii, dryRun });
  if (published.fileId !== null) await torii.syncTorii({ torii: input.torii, fileId: published.fileId });
  const usage = cp.usage ? await publishAppAccounts(input, cp, apps) : undefined;
  return { published, usage };
}

/** The file built once from the store, then uploaded: a retried upload sends that file and does not build it again. */
async function buildThenUpload(input: ValidSyncInput, key: SnapshotKey): Promise<{ fileId: number | null; filePath: string | null }> {
  const dryRun = input.options.dryRun;
  const built = await store.buildToriiFile({ ...key, dryRun });
  if (dryRun) return { fileId: null, filePath: built.filePath };
  const { fileId } = await torii.uploadToriiFile({ ...key, torii: input.torii, bytes: built.bytes });
  return { fileId, filePath: null };
}

type Outcome = { accessWarnings: string[] } & Awaited<ReturnType<typeof settle>> & Awaited<ReturnType<typeof publish>>;

/** Close: the result, recorded with the snapshot in the store. */
async function close(input: ValidSyncInput, key: SnapshotKey, cp: SyncCheckpoint, outcome: Outcome, board: SyncProgressBoard): Promise<SyncResult> {
  const { finalized, published, usage, accessWarnings } = outcome;
  const dryRun = input.options.dryRun;
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
    warnings: [...cp.warnings, ...accessWarnings, ...skippedRecordWarnings(cp, finalized), ...(usage?.warnings ?? [])],
    ...(usage ? { usage: usage.summary } : {}),
  };
  await store.closeSnapshot({ ...key, status: dryRun ? 'dry-run' : 'published', fileId: published.fileId, summary: result });
  board.finish(result);
  return result;
}
