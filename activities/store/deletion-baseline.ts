// The deletion guard's baseline: how many users the connection's last published sync sent as
// present. Deletions are drawn from exactly these users (finalize.ts), so their share is measured
// against this number.
import type { SnapshotKey } from './pages';
import { lastPublishedSnapshotId } from './snapshots';
import type { Sql } from './sql';

export async function previousSentUsers(sql: Sql, key: SnapshotKey): Promise<number> {
  const previous = await lastPublishedSnapshotId(sql, key.connectionId, key.snapshotId);
  if (!previous) return 0;
  const { rows } = await sql.query<{ users: number }>(
    `SELECT count(*)::int AS users FROM snapshot_sent_users WHERE connection_id = $1 AND snapshot_id = $2 AND status = 'active'`,
    [key.connectionId, previous],
  );
  return Number(rows[0].users);
}
