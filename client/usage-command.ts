// `pingone-torii-sync usage <connectionId>`: per application of the last published sync, its
// licensed users, those who signed on within the period, and those never seen signing on, asked of
// the worker through Temporal like `diff` (worker-read.ts), so no database credentials are needed.
// A table, or JSON with --json.
import type { Command } from 'commander';
import type { ConnectionUsageArgs, UsageReport } from '../contract/reports';
import type { OperatorContext } from './operator-commands';
import { askWorker } from './worker-read';
import { table, type Terminal } from './terminal';

export class NoUsageError extends Error {
  constructor(connectionId: string) {
    super(`No usage for connection ${connectionId}: it has no published snapshot in the worker's store. Run a sync first.`);
    this.name = 'NoUsageError';
  }
}

const DAY_MS = 24 * 3600 * 1000;

export function printUsage(out: Terminal, report: UsageReport, inactiveDays: number): void {
  out.line(`Usage of ${report.connectionId}: sign-ons within the last ${inactiveDays} days (since ${report.since.slice(0, 10)})` +
    (report.knownUntil ? `, known until ${report.knownUntil.replace('T', ' ').slice(0, 16)} UTC` : ', never read (no audit permission?)'));
  const rows = report.applications.map((a) => [a.name, a.appId, String(a.licensed), String(a.activeInPeriod), String(a.signedOnInLastRead), String(a.neverSeen), a.lastSignOn?.slice(0, 10) ?? '']);
  out.line(table(out, ['APPLICATION', 'PINGONE ID', 'LICENSED', 'ACTIVE', 'LAST SYNC', 'NEVER SEEN', 'LAST SIGN-ON'], rows, { right: [2, 3, 4, 5] }));
}

export function registerUsageCommand(program: Command, ctx: OperatorContext): void {
  program
    .command('usage <connectionId>')
    .description('per application: licensed users, users who signed on within the period, licensed users never seen signing on (asks the worker)')
    .option('--app <nameOrId>', 'one application, by name or PingOne id')
    .option('--inactive-days <n>', 'the period, in days', '30')
    .option('--json', 'print JSON')
    .action(async (connectionId: string, flags: { app?: string; inactiveDays: string; json?: boolean }) => {
      const days = Number(flags.inactiveDays);
      if (!Number.isInteger(days) || days < 1) throw new Error(`--inactive-days: must be a whole number of days of at least 1, got ${JSON.stringify(flags.inactiveDays)}`);
      const args = { connectionId, since: new Date(Date.now() - days * DAY_MS).toISOString(), app: flags.app };
      const report = await askWorker<ConnectionUsageArgs, UsageReport | null>(await ctx.connect(), ctx.taskQueue, { workflowType: 'pingOneConnectionUsage', idPrefix: 'pingone-usage', what: 'usage' }, args);
      if (!report) throw new NoUsageError(connectionId);
      if (flags.json) ctx.out.line(JSON.stringify(report));
      else printUsage(ctx.out, report, days);
    });
}
