// The groups of a snapshot whose members and parents are listed next: a batch at a time, in id
// order, so the workflow carries only the last id it reached.
import type { SnapshotKey } from './pages';
import type { Sql } from './sql';

export async function nextGroupIds(sql: Sql, key: SnapshotKey, after: string, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ group_id: string }>(
    `SELECT group_id FROM snapshot_groups WHERE connection_id = $1 AND snapshot_id = $2 AND group_id > $3
      ORDER BY group_id LIMIT $4`,
    [key.connectionId, key.snapshotId, after, limit],
  );
  return rows.map((r) => r.group_id);
}
