// `pingone-torii-sync schedule …`: periodic syncs through Temporal Schedules, one per connection,
// id `pingone-sync-schedule/<connectionId>`. Each run starts `scheduledPingOneSync`, which starts the
// sync itself under the connection's usual id (workflows/scheduled-sync.ts says why). Defaults:
// every 24 hours with up to 30 minutes of jitter (so many connections do not all start at once),
// overlapping runs skipped, and the schedule paused when a sync fails, so a broken connection is not
// retried every day unnoticed. The schedule keeps the input, Client Secret included, encrypted by
// the same payload codec as history.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleHandle, type ScheduleSummary } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_TASK_QUEUE, syncWorkflowId, type SyncInput } from '../contract/sync';
import { syncStartOptions, syncStaticDetails } from '../contract/connection-facts';
import type { scheduledPingOneSync } from '../workflows/scheduled-sync';
import { requireEncryptingClient } from './encrypted-client';
import { validateSyncInput } from './start-sync';
import { paint, table, type Terminal } from './terminal';

/** The workflow a schedule's action starts (workflows/scheduled-sync.ts). */
const SCHEDULED_SYNC_WORKFLOW_TYPE = 'scheduledPingOneSync';
const SCHEDULE_PREFIX = 'pingone-sync-schedule/';

export function syncScheduleId(connectionId: string): string {
  return `${SCHEDULE_PREFIX}${connectionId}`;
}

export class InvalidScheduleError extends Error {
  constructor(problem: string) {
    super(`The schedule is invalid: ${problem}`);
    this.name = 'InvalidScheduleError';
  }
}

export interface ScheduleSettings {
  /** How often, as a Temporal duration: `24h`, `6h`, `90m`. */
  every: string;
  /** Up to how much later than planned each run may start. */
  jitter: string;
  paused?: boolean;
  note?: string;
  taskQueue?: string;
}

export const DEFAULT_SCHEDULE: ScheduleSettings = { every: '24h', jitter: '30m' };

function durationMs(value: string, flag: string): number {
  let ms: number;
  try {
    ms = msToNumber(value as `${number}h`);
  } catch {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidScheduleError(`${flag} must be a duration like 24h, 6h or 90m, got ${JSON.stringify(value)}`);
  return ms;
}

export async function createSyncSchedule(client: Client, rawInput: SyncInput, settings: ScheduleSettings = DEFAULT_SCHEDULE): Promise<ScheduleHandle> {
  requireEncryptingClient(client);
  const input = validateSyncInput(rawInput);
  const every = durationMs(settings.every, '--every');
  const jitter = durationMs(settings.jitter, '--jitter');
  if (every < 60_000) throw new InvalidScheduleError(`--every must be at least 1m, got ${settings.every}`);
  if (jitter >= every) throw new InvalidScheduleError(`--jitter (${settings.jitter}) must be shorter than --every (${settings.every})`);
  return client.schedule.create<typeof scheduledPingOneSync>({
    scheduleId: syncScheduleId(input.connectionId),
    spec: { intervals: [{ every }], jitter },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_SYNC_WORKFLOW_TYPE,
      workflowId: syncScheduleId(input.connectionId),
      taskQueue: settings.taskQueue ?? (process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE),
      args: [input],
      ...syncStartOptions(input),
      staticDetails: syncStaticDetails(input),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true },
    memo: syncStartOptions(input).memo,
    state: { paused: settings.paused ?? false, note: settings.note ?? `Created by pingone-torii-sync for ${input.connectionId}` },
  });
}

export function syncSchedule(client: Client, connectionId: string): ScheduleHandle {
  return client.schedule.getHandle(syncScheduleId(connectionId));
}

/** Runs the schedule's action now; skipped (like a regular run) while its last run is still going. */
export async function triggerSyncSchedule(client: Client, connectionId: string): Promise<void> {
  await syncSchedule(client, connectionId).trigger(ScheduleOverlapPolicy.SKIP);
}

export interface SyncScheduleRow {
  connectionId: string;
  scheduleId: string;
  paused: boolean;
  everyMs: number | null;
  nextRun: Date | null;
  lastRun: Date | null;
  note: string | null;
}

export async function listSyncSchedules(client: Client): Promise<SyncScheduleRow[]> {
  const rows: SyncScheduleRow[] = [];
  for await (const schedule of client.schedule.list() as AsyncIterable<ScheduleSummary>) {
    if (!schedule.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
    const recent = schedule.info.recentActions;
    rows.push({
      connectionId: schedule.scheduleId.slice(SCHEDULE_PREFIX.length),
      scheduleId: schedule.scheduleId,
      paused: schedule.state.paused,
      everyMs: schedule.spec?.intervals?.[0]?.every ?? null,
      nextRun: schedule.info.nextActionTimes[0] ?? null,
      lastRun: recent.length > 0 ? recent[recent.length - 1].takenAt : null,
      note: schedule.state.note ?? null,
    });
  }
  return rows.sort((a, b) => (a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0));
}

/** `24h`, `90m`, `1h30m`: a duration in hours, minutes and seconds, as `--every` takes it. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  let left = ms;
  let text = '';
  for (const [unit, size] of units) {
    const n = Math.floor(left / size);
    if (n > 0) text += `${n}${unit}`;
    left -= n * size;
  }
  return text || `${ms}ms`;
}

const at = (date: Date | null) => (date ? date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export function printScheduleList(out: Terminal, rows: SyncScheduleRow[]): void {
  if (rows.length === 0) {
    out.line('No sync schedules. Create one with `pingone-torii-sync schedule create --connection-id …`.');
    return;
  }
  out.line(
    table(
      out,
      ['CONNECTION', 'STATE', 'EVERY', 'NEXT RUN', 'LAST RUN'],
      rows.map((r) => [r.connectionId, r.paused ? paint(out, 'yellow', 'paused') : paint(out, 'green', 'active'), r.everyMs === null ? '—' : formatDuration(r.everyMs), r.paused ? '—' : at(r.nextRun), at(r.lastRun)]),
    ),
  );
}

/** What `describe` shows and `--json` prints: everything but the action's input (it holds the secret). */
export function scheduleFacts(connectionId: string, d: ScheduleDescription) {
  return {
    connectionId,
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    every: d.spec.intervals?.map((i) => formatDuration(i.every)) ?? [],
    jitter: d.spec.jitter ? formatDuration(d.spec.jitter) : null,
    overlap: d.policies.overlap,
    pauseOnFailure: d.policies.pauseOnFailure,
    syncWorkflowId: syncWorkflowId(connectionId),
    taskQueue: d.action.taskQueue,
    nextRuns: d.info.nextActionTimes.slice(0, 3),
    recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt, takenAt: a.takenAt, workflowId: a.action.workflow.workflowId })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    runsTaken: d.info.numActionsTaken,
    runsSkippedForOverlap: d.info.numActionsSkippedOverlap,
    createdAt: d.info.createdAt,
  };
}

export function printScheduleDescription(out: Terminal, facts: ReturnType<typeof scheduleFacts>): void {
  out.line(`${paint(out, 'bold', facts.scheduleId)} (${facts.paused ? paint(out, 'yellow', 'paused') : paint(out, 'green', 'active')})`);
  out.line(
    `  every ${facts.every.join(', ') || '—'}${facts.jitter ? `, up to ${facts.jitter} later` : ''}; overlapping runs: ${facts.overlap?.toLowerCase() ?? 'skip'}; ` +
      (facts.pauseOnFailure ? 'pauses when a sync fails' : 'keeps running after a failure'),
  );
  out.line(`  starts ${facts.syncWorkflowId} on task queue ${facts.taskQueue}`);
  if (facts.note) out.line(`  note: ${facts.note}`);
  out.line(`  next runs: ${facts.paused ? '— (paused)' : facts.nextRuns.map((d) => at(d)).join(', ') || '—'}`);
  out.line(`  runs taken: ${facts.runsTaken}, skipped while one was running: ${facts.runsSkippedForOverlap}`);
  for (const run of facts.recentRuns.slice(-5)) out.line(`  ran ${at(run.takenAt)}: ${run.workflowId}`);
  for (const running of facts.running) out.line(`  running now: ${running}`);
}

export { ScheduleNotFoundError };
