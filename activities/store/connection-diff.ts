// A connection's diff as the CLI shows it: picks the two snapshots to compare (the last two
// published; or a dry run against the last published), reads their differing rows and diffs them,
// and what usage the newer one gained per mapped application (usage-diff.ts).
// Served through Temporal (the connectionDiff workflow's activity), so operators read it without
// database credentials and on the worker's embedded store alike. One answer is one payload, so the
// rows it carries are bounded; the totals are always whole.
import { diffSnapshots } from './snapshot-diff';
import { finishedSnapshot, finishedSnapshots, snapshotDiffRows, type SnapshotRef } from './snapshot-diff-rows';
import { MAX_DIFF_ROWS, type ConnectionDiffAnswer, type ConnectionDiffArgs, type DiffSnapshot, type SnapshotDiff } from '../../contract/reports';
import type { Sql } from './sql';
import { usageGained } from './usage-diff';








const wire = (ref: SnapshotRef): DiffSnapshot => ({ ...ref, finishedAt: ref.finishedAt.toISOString() });

/**
 * Without `afterSnapshotId`: the newest published snapshot against the one before. With one (a dry
 * run's): that snapshot against the newest published one.
 */
export async function connectionDiff(sql: Sql, args: ConnectionDiffArgs): Promise<ConnectionDiffAnswer> {
  const { connectionId, afterSnapshotId } = args;
  let before: SnapshotRef | null;
  let after: SnapshotRef | null;
  if (afterSnapshotId) {
    after = await finishedSnapshot(sql, connectionId, afterSnapshotId);
    if (!after) return { found: false, reason: `snapshot ${afterSnapshotId} is not in the store (finished snapshots are kept: two published, one dry run).` };
    [before = null] = (await finishedSnapshots(sql, connectionId, 'published', 2)).filter((s) => s.snapshotId !== afterSnapshotId);
  } else {
    const published = await finishedSnapshots(sql, connectionId, 'published', 2);
    if (published.length === 0) return { found: false, reason: 'it has no published snapshot in the worker\'s store. Run a sync first.' };
    [after, before = null] = published;
  }
  const rows = await snapshotDiffRows(sql, connectionId, before?.snapshotId ?? null, after.snapshotId);
  const { diff, rowsLeftOut } = bounded(diffSnapshots(rows.users, rows.licenses, rows.assignments), MAX_DIFF_ROWS);
  const usage = await usageGained(sql, connectionId, before?.snapshotId ?? null, after.snapshotId);
  return { found: true, diff: { connectionId, before: before && wire(before), after: wire(after), diff, usage, rowsLeftOut } };
}

/** The diff with at most `budget` user and assignment rows, taken in the order they print. */
export function bounded(diff: SnapshotDiff, budget: number): { diff: SnapshotDiff; rowsLeftOut: number } {
  let left = budget;
  let leftOut = 0;
  const take = <T>(rows: T[]): T[] => {
    const kept = rows.slice(0, Math.max(0, left));
    left -= kept.length;
    leftOut += rows.length - kept.length;
    return kept;
  };
  const users = { added: take(diff.users.added), removed: take(diff.users.removed), changed: take(diff.users.changed) };
  const applications = diff.applications.map((app) => ({ ...app, gained: take(app.gained), lost: take(app.lost) }));
  return { diff: { ...diff, users, applications }, rowsLeftOut: leftOut };
}
