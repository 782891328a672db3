// `pingone-torii-sync diff <connectionId>` and the diff `sync --dry-run` prints: asks the worker for
// the diff through Temporal (the pingOneConnectionDiff workflow, whose activity reads the store), so
// no database credentials are needed, and prints it as tables or JSON.
import type { Client } from '@temporalio/client';
import { MAX_DIFF_ROWS, type AppUsageGain, type ConnectionDiff, type ConnectionDiffAnswer, type ConnectionDiffArgs, type DiffSnapshot } from '../contract/reports';
import { ANSWER_SECONDS, askWorker, NoWorkerAnsweredError } from './worker-read';
import { paint, table, type Terminal } from './terminal';

export type { ConnectionDiff };

export class NothingToDiffError extends Error {
  constructor(connectionId: string, what: string) {
    super(`No diff for connection ${connectionId}: ${what}`);
    this.name = 'NothingToDiffError';
  }
}

export { NoWorkerAnsweredError };

/**
 * The diff of a connection, read by the worker. Without `afterSnapshotId`: its newest published
 * snapshot against the one before. With one (a dry run's): that snapshot against the newest published one.
 */
export async function connectionDiff(
  client: Client,
  taskQueue: string,
  connectionId: string,
  afterSnapshotId?: string,
  answerSeconds = ANSWER_SECONDS,
): Promise<ConnectionDiff> {
  const answer = await askWorker<ConnectionDiffArgs, ConnectionDiffAnswer>(client, taskQueue, { workflowType: 'pingOneConnectionDiff', idPrefix: 'pingone-diff', what: 'the diff' }, { connectionId, afterSnapshotId }, answerSeconds);
  if (!answer.found) throw new NothingToDiffError(connectionId, answer.reason);
  return answer.diff;
}

const when = (ref: DiffSnapshot) => `${ref.status === 'dry-run' ? 'dry run' : 'published'} ${ref.finishedAt.replace('T', ' ').slice(0, 16)} UTC`;
const shortId = (id: string) => id.slice(0, 8);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function diffAsJson(result: ConnectionDiff): string {
  return JSON.stringify({ connectionId: result.connectionId, before: result.before, after: result.after, ...result.diff, usage: result.usage ?? [], rowsLeftOut: result.rowsLeftOut });
}

/** The diff for a terminal: a headline, then users, applications and assignments as tables. */
export function printDiff(out: Terminal, result: ConnectionDiff, options: { limit?: number } = {}): void {
  const { diff, before, after } = result;
  const t = diff.totals;
  const limit = options.limit ?? 25;
  const more = 'show all with --limit 0, or --json';
  const cut = limit > 0 ? limit : undefined;
  out.line(
    paint(out, 'bold', `Diff of ${result.connectionId}: `) +
      (before ? `${shortId(before.snapshotId)} (${when(before)})` : 'nothing published before') +
      ` → ${shortId(after.snapshotId)} (${when(after)})`,
  );
  out.line(
    `Users: ${paint(out, 'green', `${t.usersAdded} added`)}, ${paint(out, 'red', `${t.usersRemoved} removed`)}, ` +
      `${paint(out, 'yellow', `${t.usersChanged} changed status`)}`,
  );
  out.line(
    `Licenses: ${paint(out, 'green', `${plural(t.assignmentsGained, 'assignment')} gained`)}, ${paint(out, 'red', `${t.assignmentsLost} lost`)}` +
      ` in ${plural(diff.applications.length, 'application')}` +
      (t.applicationsAdded || t.applicationsRemoved ? ` (${t.applicationsAdded} new, ${t.applicationsRemoved} gone)` : ''),
  );
  // Answers of a worker from before per-application usage carry none.
  const usage = result.usage ?? [];
  if (usage.length > 0) {
    const gained = usage.reduce((n, a) => n + a.gained, 0);
    out.line(`Usage: ${paint(out, 'green', `${plural(gained, 'user')} with a newer sign-on`)} in ${plural(usage.length, 'mapped application')}`);
  }
  if (t.usersAdded + t.usersRemoved + t.usersChanged + diff.applications.length === 0) {
    out.line('No changes.');
    printUsage(out, usage);
    return;
  }
  if (result.rowsLeftOut > 0) out.line(`(${result.rowsLeftOut} rows beyond the first ${MAX_DIFF_ROWS} are left out; the totals above count them)`);

  const userRows = [
    ...diff.users.added.map((u) => [paint(out, 'green', 'added'), u.email, u.userId, '']),
    ...diff.users.removed.map((u) => [paint(out, 'red', 'removed'), u.email, u.userId, '']),
    ...diff.users.changed.map((u) => [paint(out, 'yellow', 'changed'), u.email, u.userId, `${u.from} → ${u.to}`]),
  ];
  if (userRows.length > 0) {
    out.line();
    out.line(table(out, ['USER', 'EMAIL', 'PINGONE ID', 'STATUS'], userRows, { limit: cut, moreHint: more }));
  }

  if (diff.applications.length > 0) {
    out.line();
    const appRows = diff.applications.map((app) => [
      app.name,
      app.change === 'renamed' ? `renamed from ${app.previousName}` : app.change === 'kept' ? '' : app.change === 'added' ? 'new license' : 'license gone',
      paint(out, 'green', `+${app.gained.length}`),
      paint(out, 'red', `-${app.lost.length}`),
    ]);
    out.line(table(out, ['APPLICATION', 'LICENSE', 'GAINED', 'LOST'], appRows, { right: [2, 3], limit: cut, moreHint: more }));

    const assignmentRows = diff.applications.flatMap((app) => [
      ...app.gained.map((u) => [app.name, paint(out, 'green', 'gained'), u.email]),
      ...app.lost.map((u) => [app.name, paint(out, 'red', 'lost'), u.email]),
    ]);
    if (assignmentRows.length > 0) {
      out.line();
      out.line(table(out, ['APPLICATION', 'ASSIGNMENT', 'EMAIL'], assignmentRows, { limit: cut, moreHint: more }));
    }
  }
  printUsage(out, usage);
}

/** Per mapped application: users sent, those with a sign-on, and the usage gained since the older snapshot. */
function printUsage(out: Terminal, usage: AppUsageGain[]): void {
  if (usage.length === 0) return;
  out.line();
  const rows = usage.map((a) => [a.name, String(a.users), String(a.signedOn), paint(out, 'green', `+${a.gained}`), String(a.firstSeen)]);
  out.line(table(out, ['MAPPED APPLICATION', 'USERS', 'SIGNED ON', 'USAGE GAINED', 'FIRST SEEN'], rows, { right: [1, 2, 3, 4] }));
}
