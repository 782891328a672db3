// `pingone-torii-sync watch <connectionId>`: follows a connection's sync from its `progress` query
// until it ends (across continue-as-new), as a bar redrawn in place on a terminal or one line per
// phase elsewhere; then prints the summary, or the failure's cause and fix and answers exit code 1.
// A retry in progress is shown in words from the server's record of the pending activity, since the
// workflow itself only learns of a retry when the activity finally answers.
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { progressQuery, syncWorkflowId, type SyncPhase, type SyncProgress, type SyncResult } from '../contract/sync';
import { connectionFilter } from '../contract/search-attributes';
import { summary } from './sync-summary';
import { paint, type Terminal } from './terminal';

export class NoSyncFoundError extends Error {
  constructor(connectionId: string, namespace: string) {
    super(
      `No sync of connection ${connectionId} found in namespace ${namespace}. ` +
        'Start one with `pingone-torii-sync sync` (or `schedule trigger`), or check TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE.',
    );
    this.name = 'NoSyncFoundError';
  }
}

/**
 * The sync to watch: the running one if any (started by hand under `pingone-sync/<id>`, or by a
 * schedule under that id plus a timestamp, found by its SyncConnectionId), else the latest.
 */
export async function findSync(client: Client, connectionId: string): Promise<WorkflowHandle> {
  const direct = client.workflow.getHandle(syncWorkflowId(connectionId));
  const described = await direct.describe().catch(() => undefined);
  if (described?.status.name === 'RUNNING') return direct;
  let latest: { workflowId: string; startTime: Date } | undefined = described ? { workflowId: described.workflowId, startTime: described.startTime } : undefined;
  for await (const execution of client.workflow.list({ query: connectionFilter(connectionId), pageSize: 100 })) {
    if (execution.status.name === 'RUNNING') return client.workflow.getHandle(execution.workflowId);
    if (!latest || execution.startTime > latest.startTime) latest = { workflowId: execution.workflowId, startTime: execution.startTime };
  }
  if (!latest) throw new NoSyncFoundError(connectionId, client.options.namespace);
  return client.workflow.getHandle(latest.workflowId);
}

const PHASES: SyncPhase[] = ['starting', 'listing', 'resolving-access', 'awaiting-approval', 'publishing', 'done'];
const BAR_WIDTH = 24;

function elapsed(startedAt: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(startedAt)) / 1000));
  const m = Math.floor(seconds / 60);
  return `${m}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * One line of progress. The bar moves by phase (PingOne's totals are never trusted, so a page
 * count cannot be a fraction); the counters say how far within it.
 */
export function progressLine(terminal: Pick<Terminal, 'color'>, p: SyncProgress, now: number): string {
  const step = p.phase === 'failed' ? 0 : Math.max(0, PHASES.indexOf(p.phase));
  const filled = Math.round((BAR_WIDTH * step) / (PHASES.length - 1));
  const bar = paint(terminal, p.phase === 'failed' ? 'red' : 'green', '█'.repeat(filled)) + paint(terminal, 'dim', '░'.repeat(BAR_WIDTH - filled));
  const parts = [
    paint(terminal, 'bold', p.phase),
    `${p.pagesFetched} pages`,
    `${p.users} users`,
    `${p.groups} groups`,
    `${p.applications} apps`,
    `${p.licenseAssignments} licenses`,
  ];
  if (p.listingsRunning > 0) parts.push(`${p.listingsRunning} ${p.listingsRunning === 1 ? 'listing' : 'listings'}`);
  const u = p.usageRead;
  if (u) parts.push(u.denied ? 'usage: no audit permission' : `usage ${u.eventsRead} events in ${u.pages} pages${u.slicesDone < u.slices ? ` (${u.slicesDone}/${u.slices} slices)` : ''}`);
  parts.push(elapsed(p.startedAt, now));
  return `[${bar}] ${parts.join(' · ')}`;
}

/** The cause of the retry under way, in words, or undefined when no activity is retrying. */
async function retryCause(client: Client, handle: WorkflowHandle): Promise<string | undefined> {
  const description = await handle.describe();
  for (const pending of description.raw.pendingActivities ?? []) {
    if ((pending.attempt ?? 1) < 2 || !pending.lastFailure) continue;
    const error = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, pending.lastFailure);
    const message = (error?.cause as Error | undefined)?.message ?? error?.message ?? pending.lastFailure.message ?? 'unknown';
    return `${pending.activityType?.name ?? 'an activity'} attempt ${pending.attempt}: ${message}`;
  }
  return undefined;
}

/** The failure's cause and fix as the activity stated them, else its message. */
export function describeFailure(err: unknown): { type: string; cause: string; fix: string | null } {
  const failure = err instanceof WorkflowFailedError ? err.cause : err;
  if (failure instanceof ApplicationFailure) {
    const details = (failure.details?.[0] ?? {}) as { cause?: unknown; fix?: unknown; problems?: unknown };
    if (typeof details.cause === 'string') return { type: failure.type ?? 'SyncFailed', cause: details.cause, fix: typeof details.fix === 'string' ? details.fix : null };
    return { type: failure.type ?? 'SyncFailed', cause: failure.message, fix: null };
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  return { type: failure instanceof Error ? failure.name : 'SyncFailed', cause: message, fix: null };
}

export interface WatchOptions {
  intervalMs?: number;
  json?: boolean;
  now?: () => number;
}

/** Watches until the sync ends; answers the process exit code (0 done, 1 failed). */
export async function watchSync(client: Client, connectionId: string, out: Terminal, options: WatchOptions = {}): Promise<number> {
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const handle = await findSync(client, connectionId);
  if (!options.json) out.line(`Watching ${handle.workflowId}`);

  let ended: { result: SyncResult } | { error: unknown } | undefined;
  const outcome = handle.result().then(
    (result: SyncResult) => void (ended = { result }),
    (error: unknown) => void (ended = { error }),
  );
  let shownPhase: string | undefined;
  let shownProblem: string | null | undefined;
  let lastProgress: SyncProgress | undefined;
  const show = (p: SyncProgress, retry: string | undefined) => {
    lastProgress = p;
    if (options.json) {
      out.line(JSON.stringify({ progress: p, retrying: retry ?? null }));
      return;
    }
    // A failed sync's last error is printed below as its cause and fix; a held sync needs an answer.
    const waiting = p.phase === 'awaiting-approval'
      ? `waiting for an operator: pingone-torii-sync approve-deletions ${connectionId} (or reject-deletions)`
      : undefined;
    const problem = retry ?? waiting ?? (p.phase === 'failed' ? null : p.lastError);
    if (out.live) {
      out.write(`\r\u001b[2K${progressLine(out, p, now())}`);
      if (problem && problem !== shownProblem) out.write(`\n${paint(out, 'yellow', `  ! ${problem}`)}\n`);
    } else {
      if (p.phase !== shownPhase) out.line(progressLine(out, p, now()));
      if (problem && problem !== shownProblem) out.line(`  ! ${problem}`);
    }
    shownPhase = p.phase;
    shownProblem = problem;
  };

  while (!ended) {
    try {
      const progress = await handle.query(progressQuery);
      show(progress, await retryCause(client, handle).catch(() => undefined));
    } catch {
      // Between runs (continue-as-new) or before a worker took the first task: ask again shortly.
    }
    await Promise.race([outcome, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
  }

  // The ended run answers its query from the worker's replay; a last look shows the final counters.
  const final = await handle.query(progressQuery).catch(() => lastProgress);
  if (final && final.phase !== shownPhase) show(final, undefined);
  if (out.live && !options.json) out.line();

  const end = ended as { result: SyncResult } | { error: unknown };
  if ('result' in end) {
    if (options.json) out.line(JSON.stringify({ result: end.result }));
    else {
      out.line(paint(out, 'green', `✓ ${handle.workflowId} done`));
      out.line(summary(end.result));
    }
    return 0;
  }
  const failure = describeFailure(end.error);
  if (options.json) out.line(JSON.stringify({ failure }));
  else {
    out.line(paint(out, 'red', `✗ ${handle.workflowId} failed (${failure.type})`));
    out.line(`  cause: ${failure.cause}`);
    if (failure.fix) out.line(`  fix:   ${failure.fix}`);
  }
  return 1;
}
