// pingOneSync: one connection's PingOne users and application access into Torii.
//
// The story: validate the input; open a snapshot (hosts checked, token acquired); list users,
// groups, applications and populations page by page, then each group's members and parents; derive
// who may use which app; settle deletions against the last published snapshot (only now, after a
// complete listing); build and upload the Torii file; ask Torii to sync it. Every page is one
// activity whose next link is the checkpoint; when the server suggests it, the workflow continues as
// new carrying that checkpoint. No I/O here: activities do it all.
import { ActivityFailure, ApplicationFailure, continueAsNew, proxyActivities, uuid4 } from '@temporalio/workflow';
import type { ConnectionArgs, SyncActivities } from '../activities';
import type { ListingKind } from '../activities/pingone/listings';
import { describeInputProblems, SyncInputSchema, type SyncInput, type SyncResult, type ValidSyncInput } from './contract';
import { newListing, type SyncCheckpoint } from './checkpoint';
import { runListings, shouldContinueAsNew } from './listing-runner';
import { SyncProgressBoard } from './progress';

export { progressQuery } from './progress';

/** Groups per batch of member and parent listings (two listings each). */
const GROUP_BATCH = 8;

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 10 };

const pingOne = proxyActivities<SyncActivities>({ startToCloseTimeout: '3m', retry });
const store = proxyActivities<SyncActivities>({ startToCloseTimeout: '10m', retry });
const torii = proxyActivities<SyncActivities>({
  startToCloseTimeout: '15m',
  // 409 means another sync of the account is still being processed: wait it out patiently.
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
});

/** Ends the workflow with the activity's own cause and fix, so a failed sync reads like its cause. */
function rethrowAsSyncFailure(err: unknown): never {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    const cause = err.cause;
    throw ApplicationFailure.create({ type: cause.type ?? 'SyncFailed', message: cause.message, details: cause.details as unknown[], nonRetryable: true });
  }
  throw err;
}

export async function pingOneSync(rawInput: SyncInput, resume?: SyncCheckpoint): Promise<SyncResult> {
  const parsed = SyncInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `The sync input is invalid: ${describeInputProblems(parsed.error).join('; ')}`,
      'InvalidSyncInput',
      { problems: describeInputProblems(parsed.error) },
    );
  }
  const input: ValidSyncInput = parsed.data;
  const connection = { connectionId: input.connectionId, pingOne: input.pingOne };

  const board = new SyncProgressBoard(resume?.startedAt ?? new Date().toISOString());
  try {
    const checkpoint = resume ?? (await begin(connection, board.state.startedAt));
    const { pagesFetched, users, groups, applications } = checkpoint.counts;
    board.update({ pagesFetched, users, groups, applications });
    return await carryOn(input, connection, checkpoint, board);
  } catch (err) {
    board.enterPhase('failed');
    board.update({ lastError: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) });
    rethrowAsSyncFailure(err);
  }
}

async function begin(connection: ConnectionArgs, startedAt: string): Promise<SyncCheckpoint> {
  const snapshotId = uuid4();
  const opened = await pingOne.openSync({ ...connection, snapshotId });
  const kinds: ListingKind[] = ['users', 'groups', 'applications', 'populations'];
  return {
    snapshotId,
    startedAt,
    region: opened.region,
    regionName: opened.regionName,
    phase: 'directory',
    listings: kinds.map((kind) => newListing({ kind })),
    groupBatchEnd: '',
    counts: { pagesFetched: 0, pingOneRequests: opened.requests, users: 0, groups: 0, applications: 0, malformedUsers: 0 },
    warnings: [],
    runs: 1,
  };
}

async function carryOn(
  input: ValidSyncInput,
  connection: ConnectionArgs,
  cp: SyncCheckpoint,
  board: SyncProgressBoard,
): Promise<SyncResult> {
  const key = { connectionId: input.connectionId, snapshotId: cp.snapshotId };
  const pause = (): never => {
    throw continueAsNew<typeof import('./sync').pingOneSync>(input, { ...cp, runs: cp.runs + 1 });
  };

  if (cp.phase === 'directory') {
    board.enterPhase('listing');
    if (!(await runListings(connection, cp, cp.listings, board))) pause();
    Object.assign(cp, { phase: 'groups', listings: [], groupBatchEnd: '' });
  }

  if (cp.phase === 'groups') {
    board.enterPhase('listing');
    for (;;) {
      if (cp.listings.length === 0) {
        if (shouldContinueAsNew()) pause();
        const groupIds = await store.nextGroups({ ...key, after: cp.groupBatchEnd, limit: GROUP_BATCH });
        if (groupIds.length === 0) break;
        cp.listings = groupIds.flatMap((groupId) => [newListing({ kind: 'members', groupId }), newListing({ kind: 'groupParents', groupId })]);
        cp.groupBatchEnd = groupIds[groupIds.length - 1];
      }
      if (!(await runListings(connection, cp, cp.listings, board))) pause();
      cp.listings = [];
    }
    cp.phase = 'access';
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

  board.enterPhase('publishing');
  const dryRun = input.options.dryRun;
  const published = await torii.publishSnapshot({ ...key, torii: input.torii, dryRun });
  if (published.fileId !== null) await torii.syncTorii({ torii: input.torii, fileId: published.fileId });

  const result: SyncResult = {
    connectionId: input.connectionId,
    snapshotId: cp.snapshotId,
    dryRun,
    ...finalized,
    usersSkipped: { ...finalized.usersSkipped, malformedRecord: cp.counts.malformedUsers },
    pagesFetched: cp.counts.pagesFetched,
    pingOneRequests: cp.counts.pingOneRequests,
    toriiFileId: published.fileId,
    filePath: published.filePath,
    warnings: [...cp.warnings, ...plan.warnings],
  };
  await store.closeSnapshot({ ...key, status: dryRun ? 'dry-run' : 'published', fileId: published.fileId, summary: result });
  board.enterPhase('done');
  return result;
}
