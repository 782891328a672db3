// Reads what a diff needs from the store: which snapshots to compare (the last two published, or a
// dry run against the last published) and the rows pairing them, narrowed in SQL to what differs.
// The comparison is over what Torii was sent (snapshot_sent_users, snapshot_licenses and the
// assignments the file lists), not over the raw PingOne listing.
import { OPEN_TO_EVERY_USER } from './access';
import type { AssignmentPairRow, LicensePairRow, UserPairRow } from './snapshot-diff';
import type { Sql } from './sql';

export interface SnapshotRef {
  snapshotId: string;
  status: 'published' | 'dry-run';
  finishedAt: Date;
  environmentId: string;
}

interface SnapshotRow {
  snapshot_id: string;
  status: 'published' | 'dry-run';
  finished_at: Date | string;
  environment_id: string;
}

const toRef = (row: SnapshotRow): SnapshotRef => ({
  snapshotId: row.snapshot_id,
  status: row.status,
  finishedAt: new Date(row.finished_at),
  environmentId: row.environment_id,
});

/** A connection's finished snapshots of one status, newest first. */
export async function finishedSnapshots(sql: Sql, connectionId: string, status: 'published' | 'dry-run', limit: number): Promise<SnapshotRef[]> {
  const { rows } = await sql.query<SnapshotRow>(
    `SELECT snapshot_id, status, finished_at, environment_id FROM sync_snapshots
      WHERE connection_id = $1 AND status = $2 ORDER BY finished_at DESC LIMIT $3`,
    [connectionId, status, limit],
  );
  return rows.map(toRef);
}

export async function finishedSnapshot(sql: Sql, connectionId: string, snapshotId: string): Promise<SnapshotRef | null> {
  const { rows } = await sql.query<SnapshotRow>(
    `SELECT snapshot_id, status, finished_at, environment_id FROM sync_snapshots
      WHERE connection_id = $1 AND snapshot_id = $2 AND status IN ('published', 'dry-run')`,
    [connectionId, snapshotId],
  );
  return rows[0] ? toRef(rows[0]) : null;
}

/** Users and assignments as the Torii file lists them: sent active, assignments under a license. */
const SENT_USERS = `SELECT user_id, email, external_status FROM snapshot_sent_users
                     WHERE connection_id = $1 AND snapshot_id = $S AND status = 'active'`;
const ASSIGNMENTS = `SELECT au.app_id, au.user_id, s.email
                       FROM snapshot_app_users au
                       JOIN snapshot_licenses l ON l.connection_id = au.connection_id AND l.snapshot_id = au.snapshot_id AND l.app_id = au.app_id
                       JOIN snapshot_sent_users s ON s.connection_id = au.connection_id AND s.snapshot_id = au.snapshot_id
                                                  AND s.user_id = au.user_id AND s.status = 'active'
                      WHERE au.connection_id = $1 AND au.snapshot_id = $S
                     UNION ALL
                     SELECT l.app_id, s.user_id, s.email
                       FROM snapshot_licenses l
                       JOIN snapshot_applications a ON a.connection_id = l.connection_id AND a.snapshot_id = l.snapshot_id AND a.app_id = l.app_id
                       JOIN snapshot_sent_users s ON s.connection_id = l.connection_id AND s.snapshot_id = l.snapshot_id AND s.status = 'active'
                      WHERE l.connection_id = $1 AND l.snapshot_id = $S AND ${OPEN_TO_EVERY_USER}`;

/** `before` null compares against nothing: everything in `after` is new. */
export async function snapshotDiffRows(
  sql: Sql,
  connectionId: string,
  before: string | null,
  after: string,
): Promise<{ users: UserPairRow[]; licenses: LicensePairRow[]; assignments: AssignmentPairRow[] }> {
  const params = [connectionId, before, after];
  const side = (query: string, param: '$2' | '$3') => query.replaceAll('$S', `${param}::text`);
  const users = await sql.query<UserPairRow>(
    `SELECT coalesce(a.user_id, b.user_id) AS user_id, coalesce(a.email, b.email) AS email,
            b.external_status AS before, a.external_status AS after
       FROM (${side(SENT_USERS, '$2')}) b FULL OUTER JOIN (${side(SENT_USERS, '$3')}) a ON a.user_id = b.user_id
      WHERE b.external_status IS DISTINCT FROM a.external_status`,
    params,
  );
  const licenses = await sql.query<LicensePairRow>(
    `SELECT coalesce(a.app_id, b.app_id) AS app_id, b.license_name AS before_name, a.license_name AS after_name
       FROM (SELECT app_id, license_name FROM snapshot_licenses WHERE connection_id = $1 AND snapshot_id = $2::text) b
       FULL OUTER JOIN (SELECT app_id, license_name FROM snapshot_licenses WHERE connection_id = $1 AND snapshot_id = $3::text) a
         ON a.app_id = b.app_id`,
    params,
  );
  const assignments = await sql.query<AssignmentPairRow>(
    `SELECT coalesce(a.app_id, b.app_id) AS app_id, coalesce(a.user_id, b.user_id) AS user_id, coalesce(a.email, b.email) AS email,
            b.user_id IS NOT NULL AS before, a.user_id IS NOT NULL AS after
       FROM (${side(ASSIGNMENTS, '$2')}) b FULL OUTER JOIN (${side(ASSIGNMENTS, '$3')}) a ON a.app_id = b.app_id AND a.user_id = b.user_id
      WHERE a.user_id IS NULL OR b.user_id IS NULL`,
    params,
  );
  return { users: users.rows, licenses: licenses.rows, assignments: assignments.rows };
}
