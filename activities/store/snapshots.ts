// A snapshot's life: opened by a sync, finished as published (or kept as a dry run), and pruned so
// a connection keeps only what the next sync and a diff need.
import type { SnapshotKey } from './pages';
import type { Sql } from './sql';

export const SNAPSHOT_TABLES = [
  'snapshot_users',
  'snapshot_groups',
  'snapshot_group_parents',
  'snapshot_group_members',
  'snapshot_applications',
  'snapshot_populations',
  'snapshot_admin_users',
  'snapshot_app_users',
  'snapshot_sent_users',
  'snapshot_licenses',
];

/** Opens a snapshot; an unfinished snapshot left by an earlier failed run of the connection goes. */
export async function openSnapshot(sql: Sql, key: SnapshotKey, environmentId: string): Promise<void> {
  await sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ snapshot_id: string }>(
      `SELECT snapshot_id FROM sync_snapshots WHERE connection_id = $1 AND status = 'collecting' AND snapshot_id <> $2`,
      [key.connectionId, key.snapshotId],
    );
    await dropSnapshots(tx, key.connectionId, rows.map((r) => r.snapshot_id));
    await tx.query(
      `INSERT INTO sync_snapshots (connection_id, snapshot_id, status, environment_id) VALUES ($1, $2, 'collecting', $3)
       ON CONFLICT (connection_id, snapshot_id) DO NOTHING`,
      [key.connectionId, key.snapshotId, environmentId],
    );
  });
}

export async function lastPublishedSnapshotId(sql: Sql, connectionId: string, excluding: string): Promise<string | null> {
  const { rows } = await sql.query<{ snapshot_id: string }>(
    `SELECT snapshot_id FROM sync_snapshots
      WHERE connection_id = $1 AND status = 'published' AND snapshot_id <> $2
      ORDER BY finished_at DESC LIMIT 1`,
    [connectionId, excluding],
  );
  return rows[0]?.snapshot_id ?? null;
}

/** Marks a snapshot finished and prunes the connection down to its two newest published snapshots. */
export async function closeSnapshot(
  sql: Sql,
  key: SnapshotKey,
  status: 'published' | 'dry-run',
  toriiFileId: number | null,
  summary: unknown,
): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query(
      `UPDATE sync_snapshots SET status = $3, finished_at = coalesce(finished_at, now()), torii_file_id = $4, summary = $5::jsonb
        WHERE connection_id = $1 AND snapshot_id = $2`,
      [key.connectionId, key.snapshotId, status, toriiFileId, JSON.stringify(summary)],
    );
    const { rows } = await tx.query<{ snapshot_id: string }>(
      `SELECT snapshot_id FROM (
         SELECT snapshot_id, status,
                row_number() OVER (PARTITION BY status ORDER BY finished_at DESC) AS age
           FROM sync_snapshots WHERE connection_id = $1 AND status IN ('published', 'dry-run')
       ) s WHERE (status = 'published' AND age > 2) OR (status = 'dry-run' AND age > 1)`,
      [key.connectionId],
    );
    await dropSnapshots(tx, key.connectionId, rows.map((r) => r.snapshot_id));
  });
}

async function dropSnapshots(sql: Sql, connectionId: string, snapshotIds: string[]): Promise<void> {
  if (snapshotIds.length === 0) return;
  for (const table of SNAPSHOT_TABLES) {
    await sql.query(`DELETE FROM ${table} WHERE connection_id = $1 AND snapshot_id = ANY($2::text[])`, [connectionId, snapshotIds]);
  }
  await sql.query('DELETE FROM sync_snapshots WHERE connection_id = $1 AND snapshot_id = ANY($2::text[])', [connectionId, snapshotIds]);
}
