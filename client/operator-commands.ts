// The operator commands of the CLI: `watch`, `schedule …`, `diff`, `export-history`, and the diff a
// dry run prints. Registered on the CLI's commander program; each command's logic lives in its own
// file, and what they need from outside (Temporal, the terminal) comes in through `OperatorContext`,
// so tests drive the very same commands against a dev server. None reads the store itself: what it
// holds comes from the worker through Temporal, so operators need no database credentials.
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../contract/config';
import type { SyncResult } from '../contract/sync';
import { syncInputFrom, syncInputOptions, type SyncFlags } from './cli-input';
import { connectionDiff, diffAsJson, NothingToDiffError, printDiff } from './diff-command';
import { exportHistoryTo } from './export-history-command';
import {
  createSyncSchedule,
  DEFAULT_SCHEDULE,
  listSyncSchedules,
  printScheduleDescription,
  printScheduleList,
  scheduleFacts,
  syncSchedule,
  triggerSyncSchedule,
} from './schedule-command';
import { summary } from './sync-summary';
import { terminalFor, type Terminal } from './terminal';
import { watchSync } from './watch-command';

export interface OperatorContext {
  connect(): Promise<Client>;
  /** The worker's task queue, where store reads (diffs) are answered. */
  taskQueue: string;
  out: Terminal;
  /** Sets the process's exit status (a test records it instead). */
  exit(code: number): void;
}

export function defaultOperatorContext(connect: () => Promise<Client>): OperatorContext {
  return {
    connect,
    get taskQueue() {
      return loadConfig().TEMPORAL_TASK_QUEUE;
    },
    out: terminalFor(process.stdout),
    exit: (code) => void (process.exitCode = code),
  };
}

/**
 * What `sync` prints when the sync ends: the summary, and for a dry run what it would change in
 * Torii against the last published snapshot (or a note when there is nothing to compare).
 */
export async function printSyncOutcome(ctx: OperatorContext, result: SyncResult, json: boolean): Promise<void> {
  if (!result.dryRun) {
    ctx.out.line(json ? JSON.stringify(result) : summary(result));
    return;
  }
  let diff;
  try {
    diff = await connectionDiff(await ctx.connect(), ctx.taskQueue, result.connectionId, result.snapshotId);
  } catch (err) {
    if (!(err instanceof NothingToDiffError)) throw err;
    ctx.out.line(json ? JSON.stringify({ ...result, diff: null, diffUnavailable: err.message }) : `${summary(result)}\n${err.message}`);
    return;
  }
  if (json) ctx.out.line(JSON.stringify({ ...result, diff: JSON.parse(diffAsJson(diff)) }));
  else {
    ctx.out.line(summary(result));
    ctx.out.line();
    ctx.out.line('What this dry run would change in Torii:');
    printDiff(ctx.out, diff);
  }
}

const scheduleInputOptions = (command: Command) => syncInputOptions(command, 'scheduled runs build and keep the file without uploading');

export function registerOperatorCommands(program: Command, ctx: OperatorContext): void {
  program
    .command('watch <connectionId>')
    .description("follow a connection's sync live until it ends, then print the summary; exits 1 when it failed, with the cause and fix")
    .option('--interval <ms>', 'how often to ask for progress', '1000')
    .option('--json', 'one JSON object per progress reading, then the result or failure')
    .action(async (connectionId: string, flags: { interval: string; json?: boolean }) => {
      const client = await ctx.connect();
      ctx.exit(await watchSync(client, connectionId, ctx.out, { intervalMs: Number(flags.interval) || 1000, json: flags.json }));
    });

  program
    .command('diff <connectionId>')
    .description("what changed between the connection's last two published syncs: users added, removed and changed status, license assignments gained and lost per application (the worker reads its store; no database access needed)")
    .option('--snapshot <id>', 'compare this snapshot (e.g. a dry run) against the last published one instead')
    .option('--limit <n>', 'rows per table; 0 for all', '25')
    .option('--json', 'print the whole diff as JSON')
    .action(async (connectionId: string, flags: { snapshot?: string; limit: string; json?: boolean }) => {
      const diff = await connectionDiff(await ctx.connect(), ctx.taskQueue, connectionId, flags.snapshot);
      if (flags.json) ctx.out.line(diffAsJson(diff));
      else printDiff(ctx.out, diff, { limit: Number(flags.limit) });
    });

  program
    .command('export-history <workflowId>')
    .description('write a run\'s event history as JSON (for replay tests); payloads stay encrypted')
    .option('--run-id <id>', 'a specific run; default the latest')
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (workflowId: string, flags: { runId?: string; out?: string }) => {
      const client = await ctx.connect();
      const exported = await exportHistoryTo(client, workflowId, flags);
      if (flags.out) ctx.out.line(`wrote ${exported.events} events of ${workflowId} to ${flags.out}`);
      else ctx.out.line(exported.json);
    });

  const schedule = program.command('schedule').description('periodic syncs through Temporal Schedules');

  scheduleInputOptions(schedule.command('create'))
    .description(`sync a connection periodically (default every ${DEFAULT_SCHEDULE.every}, up to ${DEFAULT_SCHEDULE.jitter} later; overlapping runs skipped; paused when a sync fails). The Client Secret comes from PINGONE_CLIENT_SECRET or --client-secret-stdin`)
    .option('--every <duration>', 'how often, e.g. 24h, 6h, 90m', DEFAULT_SCHEDULE.every)
    .option('--jitter <duration>', 'up to how much later each run may start', DEFAULT_SCHEDULE.jitter)
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule')
    .action(async (flags: SyncFlags & { every: string; jitter: string; paused?: boolean; note?: string }) => {
      const input = await syncInputFrom(flags);
      const client = await ctx.connect();
      const handle = await createSyncSchedule(client, input, { every: flags.every, jitter: flags.jitter, paused: flags.paused, note: flags.note });
      ctx.out.line(`created schedule ${handle.scheduleId}`);
    });

  schedule
    .command('list')
    .description('every connection\'s sync schedule')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const rows = await listSyncSchedules(await ctx.connect());
      if (flags.json) ctx.out.line(JSON.stringify(rows));
      else printScheduleList(ctx.out, rows);
    });

  schedule
    .command('describe <connectionId>')
    .description("a connection's schedule: timing, policies, next and recent runs")
    .option('--json', 'print JSON')
    .action(async (connectionId: string, flags: { json?: boolean }) => {
      const facts = scheduleFacts(connectionId, await syncSchedule(await ctx.connect(), connectionId).describe());
      if (flags.json) ctx.out.line(JSON.stringify(facts));
      else printScheduleDescription(ctx.out, facts);
    });

  schedule
    .command('pause <connectionId>')
    .option('--note <text>', 'why')
    .action(async (connectionId: string, flags: { note?: string }) => {
      await syncSchedule(await ctx.connect(), connectionId).pause(flags.note ?? 'Paused with pingone-torii-sync');
      ctx.out.line(`paused the schedule of ${connectionId}`);
    });

  schedule
    .command('unpause <connectionId>')
    .option('--note <text>', 'why')
    .action(async (connectionId: string, flags: { note?: string }) => {
      await syncSchedule(await ctx.connect(), connectionId).unpause(flags.note ?? 'Unpaused with pingone-torii-sync');
      ctx.out.line(`unpaused the schedule of ${connectionId}`);
    });

  schedule
    .command('trigger <connectionId>')
    .description('run the scheduled sync now (skipped if its last run is still going); follow it with `watch`')
    .action(async (connectionId: string) => {
      await triggerSyncSchedule(await ctx.connect(), connectionId);
      ctx.out.line(`triggered the schedule of ${connectionId}; follow it with: pingone-torii-sync watch ${connectionId}`);
    });

  schedule
    .command('delete <connectionId>')
    .description('delete the schedule (a running sync carries on)')
    .action(async (connectionId: string) => {
      await syncSchedule(await ctx.connect(), connectionId).delete();
      ctx.out.line(`deleted the schedule of ${connectionId}`);
    });
}
