// pingOneSync: one connection's PingOne users and application access into Torii.
//
// The story: validate the input; open a snapshot (hosts checked, token acquired); list users,
// groups, applications and populations page by page, then each group's members and parents; derive
// who may use which app; settle deletions against the last published snapshot (only now, after a
// complete listing); build and upload the Torii file; ask Torii to sync it. Every page is one
// activity whose next link is the checkpoint; when the server suggests it, the workflow continues as
// new carrying that checkpoint. No I/O here: activities do it all.
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SyncActivities } from '../activities';
import type { ListingKind } from '../activities/pingone/listings';
import {
  describeInputProblems,
  SyncInputSchema,
  type SyncInput,
  type SyncProgress,
  type SyncResult,
  type ValidSyncInput,
} from './contract';
import { newListing, type ListingState, type SyncCheckpoint } from './checkpoint';

export const progressQuery = defineQuery<SyncProgress>('progress');

/** Listings running at once; group batches are this many groups (two listings each). */
const LISTING_CONCURRENCY = 4;
const GROUP_BATCH = 8;
const MAX_CURSOR_RESTARTS = 3;
/** A ceiling of our own, under the server's, so a run never grows past 10,000 events. */
const HISTORY_EVENT_CEILING = 8000;

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

function causeType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
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

  const progress: SyncProgress = {
    phase: 'starting',
    pagesFetched: 0,
    users: 0,
    groups: 0,
    applications: 0,
    licenseAssignments: 0,
    listingsRunning: 0,
    startedAt: resume?.startedAt ?? new Date().toISOString(),
    lastError: null,
  };
  setHandler(progressQuery, () => progress);

  try {
    const checkpoint = resume ?? (await begin(input, connection, progress.startedAt));
    Object.assign(progress, { pagesFetched: checkpoint.counts.pagesFetched, users: checkpoint.counts.users, groups: checkpoint.counts.groups, applications: checkpoint.counts.applications });
    return await carryOn(input, connection, checkpoint, progress);
  } catch (err) {
    progress.phase = 'failed';
    progress.lastError = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    rethrowAsSyncFailure(err);
  }
}

async function begin(input: ValidSyncInput, connection: { connectionId: string; pingOne: ValidSyncInput['pingOne'] }, startedAt: string): Promise<SyncCheckpoint> {
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

function shouldPause(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENT_CEILING;
}

async function carryOn(
  input: ValidSyncInput,
  connection: { connectionId: string; pingOne: ValidSyncInput['pingOne'] },
  cp: SyncCheckpoint,
  progress: SyncProgress,
): Promise<SyncResult> {
  const key = { connectionId: input.connectionId, snapshotId: cp.snapshotId };
  const pause = (): never => {
    throw continueAsNew<typeof import('./sync').pingOneSync>(input, { ...cp, runs: cp.runs + 1 });
  };

  /** Runs listings page by page, a few at once; answers false when it paused for continue-as-new. */
  const runListings = async (listings: ListingState[]): Promise<boolean> => {
    let paused = false;
    const queue = listings.filter((l) => !l.done);
    const lane = async () => {
      for (let listing = queue.shift(); listing; listing = queue.shift()) {
        progress.listingsRunning++;
        try {
          while (!listing.done) {
            if (shouldPause()) {
              paused = true;
              return;
            }
            await fetchOne(listing);
          }
        } finally {
          progress.listingsRunning--;
        }
      }
    };
    await Promise.all(Array.from({ length: LISTING_CONCURRENCY }, lane));
    return !paused;
  };

  const fetchOne = async (listing: ListingState) => {
    let outcome;
    try {
      outcome = await pingOne.fetchPage({ ...connection, snapshotId: cp.snapshotId, listing: listing.ref, url: listing.next ?? undefined });
    } catch (err) {
      if (causeType(err) === 'PingOneCursorExpired' && listing.restarts < MAX_CURSOR_RESTARTS) {
        // Upserts make the second pass over early pages harmless: nobody is counted twice.
        Object.assign(listing, { next: null, pages: 0, restarts: listing.restarts + 1 });
        progress.lastError = 'A paging cursor expired; that listing started again from its first page.';
        return;
      }
      throw err;
    }
    listing.pages++;
    listing.next = outcome.next;
    listing.done = outcome.next === null;
    cp.counts.pagesFetched++;
    cp.counts.pingOneRequests += outcome.requests;
    const counter = ({ users: 'users', groups: 'groups', applications: 'applications' } as const)[listing.ref.kind as 'users'];
    if (counter) cp.counts[counter] += outcome.kept;
    if (listing.ref.kind === 'users') cp.counts.malformedUsers += outcome.skipped;
    Object.assign(progress, { pagesFetched: cp.counts.pagesFetched, users: cp.counts.users, groups: cp.counts.groups, applications: cp.counts.applications });
  };

  if (cp.phase === 'directory') {
    progress.phase = 'listing';
    if (!(await runListings(cp.listings))) pause();
    Object.assign(cp, { phase: 'groups', listings: [], groupBatchEnd: '' });
  }

  if (cp.phase === 'groups') {
    progress.phase = 'listing';
    for (;;) {
      if (cp.listings.length === 0) {
        if (shouldPause()) pause();
        const groupIds = await store.nextGroups({ ...key, after: cp.groupBatchEnd, limit: GROUP_BATCH });
        if (groupIds.length === 0) break;
        cp.listings = groupIds.flatMap((groupId) => [newListing({ kind: 'members', groupId }), newListing({ kind: 'groupParents', groupId })]);
        cp.groupBatchEnd = groupIds[groupIds.length - 1];
      }
      if (!(await runListings(cp.listings))) pause();
      cp.listings = [];
    }
    cp.phase = 'access';
  }

  progress.phase = 'resolving-access';
  const plan = await store.planAccess(key);
  for (let after: string | null = ''; after !== null && plan.resolveAppIds.length > 0; ) {
    const batch: { last: string | null; requests: number } = await pingOne.readAdminRoles({ ...connection, ...key, appIds: plan.resolveAppIds, after, limit: 50 });
    cp.counts.pingOneRequests += batch.requests;
    after = batch.last;
  }
  const finalized = await store.finalizeSnapshot({ ...key, omittedAppIds: plan.omittedAppIds });
  progress.licenseAssignments = finalized.licenseAssignments;

  progress.phase = 'publishing';
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
  progress.phase = 'done';
  return result;
}
