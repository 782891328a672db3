// A connection's diff as the CLI shows it: picks the two snapshots to compare (the last two
// published; or a dry run against the last published), reads their differing rows and diffs them,
// and what usage the newer one gained per mapped application (usage-diff.ts).
// Served through Temporal (the connectionDiff workflow's activity), so operators read it without
// database credentials and on the worker's embedded store alike. One answer is one payload, so the
// rows it carries are bounded; the totals are always whole.
import { diffSnapshots, type SnapshotDiff } from './snapshot-diff';
import { finishedSnapshot, finishedSnapshots, snapshotDiffRows, type SnapshotRef } from './snapshot-diff-rows';
import type { Sql } from './sql';
import { usageGained, type AppUsageGain } from './usage-diff';

/** A snapshot as it crosses Temporal: its finish time as ISO text. */
export interface DiffSnapshot extends Omit<SnapshotRef, 'finishedAt'> {
  finishedAt: string;
}

export interface ConnectionDiff {
  connectionId: string;
  /** null: nothing published before `after`, so everything in it is new. */
  before: DiffSnapshot | null;
  after: DiffSnapshot;
  diff: SnapshotDiff;
  /** Per application mapped to an app account of its own in `after`: the usage it gained over `before`. */
  usage: AppUsageGain[];
  /** Rows of users and assignments left out of `diff` to keep the answer one payload (totals count them). */
  rowsLeftOut: number;
}

export type ConnectionDiffAnswer = { found: true; diff: ConnectionDiff } | { found: false; reason: string };

export interface ConnectionDiffArgs {
  connectionId: string;
  /** A dry run's snapshot to compare against the newest published one. */
  afterSnapshotId?: string;
}

/** ~100 bytes a row: 10,000 rows stay far under Temporal's 2 MB payload limit. */
export const MAX_DIFF_ROWS = 10_000;

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
