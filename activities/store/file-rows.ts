// Reads a finalized snapshot in bounded batches, in the order the Torii file lists them, so the
// file streams from the store without the directory ever being in memory. Keyset paging, not
// OFFSET, so each batch costs the same however deep into the snapshot it is.
import { ANCESTRY, OPEN_TO_EVERY_USER } from './access';
import type { SnapshotKey } from './pages';
import type { Sql } from './sql';

/** A user as it is sent: in the sync's file (SentUserRow) and in a mapped application's (AppAccountUserRow). */
export interface SentUserFields {
  user_id: string;
  email: string;
  first_name: string;
  last_name: string;
  status: 'active' | 'deleted';
  external_status: string;
}

export interface SentUserRow extends SentUserFields {
  last_sign_on: string | null;
  roles: string[];
}

export async function sentUsersAfter(sql: Sql, key: SnapshotKey, afterUserId: string, limit: number): Promise<SentUserRow[]> {
  // Roles (the names of every group a user is in, directly or through nesting) are gathered for the
  // whole batch in one grouped join: a subquery per user scanned the group names once per user. A
  // user sent as deleted is not in this listing (no `u` row), so has neither roles nor a sign-on.
  const { rows } = await sql.query<SentUserRow>(
    `WITH RECURSIVE ${ANCESTRY},
     batch AS (
       SELECT s.user_id, s.email, s.first_name, s.last_name, s.status, s.external_status, u.last_sign_on,
              u.user_id IS NOT NULL AS listed
         FROM snapshot_sent_users s
         LEFT JOIN snapshot_users u ON u.connection_id = $1 AND u.snapshot_id = $2 AND u.user_id = s.user_id
        WHERE s.connection_id = $1 AND s.snapshot_id = $2 AND s.user_id > $3
        ORDER BY s.user_id LIMIT $4
     ),
     roles AS (
       SELECT m.user_id, array_agg(DISTINCT g.name ORDER BY g.name) AS names
         FROM batch b
         JOIN snapshot_group_members m ON m.connection_id = $1 AND m.snapshot_id = $2 AND m.user_id = b.user_id
         JOIN ancestry a ON a.group_id = m.group_id
         JOIN snapshot_groups g ON g.connection_id = $1 AND g.snapshot_id = $2 AND g.group_id = a.ancestor_id
        WHERE b.listed
        GROUP BY m.user_id
     )
     SELECT b.user_id, b.email, b.first_name, b.last_name, b.status, b.external_status, b.last_sign_on,
            coalesce(r.names, '{}') AS roles
       FROM batch b
       LEFT JOIN roles r ON r.user_id = b.user_id
      ORDER BY b.user_id`,
    [key.connectionId, key.snapshotId, afterUserId, limit],
  );
  return rows;
}

export interface LicenseRow {
  app_id: string;
  license_name: string;
  /** Open to every user: its users are all sent active users, not rows of snapshot_app_users. */
  open_to_every_user: boolean;
}

export async function licenses(sql: Sql, key: SnapshotKey): Promise<LicenseRow[]> {
  const { rows } = await sql.query<LicenseRow>(
    `SELECT l.app_id, l.license_name, (${OPEN_TO_EVERY_USER}) AS open_to_every_user
       FROM snapshot_licenses l
       JOIN snapshot_applications a ON a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = l.app_id
      WHERE l.connection_id = $1 AND l.snapshot_id = $2
      ORDER BY l.license_name`,
    [key.connectionId, key.snapshotId],
  );
  return rows;
}

export interface LicenseUserRow {
  user_id: string;
  email: string;
  external_status: string;
}

/** Users of one license who are sent active, in user id order (the primary key's, so batches stay cheap). */
export async function licenseUsersAfter(
  sql: Sql,
  key: SnapshotKey,
  license: LicenseRow,
  afterUserId: string,
  limit: number,
): Promise<LicenseUserRow[]> {
  const { rows } = license.open_to_every_user
    ? await sql.query<LicenseUserRow>(
        `SELECT user_id, email, external_status FROM snapshot_sent_users
          WHERE connection_id = $1 AND snapshot_id = $2 AND status = 'active' AND user_id > $3
          ORDER BY user_id LIMIT $4`,
        [key.connectionId, key.snapshotId, afterUserId, limit],
      )
    : // `s.user_id > $4` repeats the bound so a merge join starts at the batch instead of at the
      // first user: without it each batch rescanned the sent users (0.6 s a batch at 1,000,000).
      await sql.query<LicenseUserRow>(
        `SELECT au.user_id, s.email, s.external_status
           FROM snapshot_app_users au
           JOIN snapshot_sent_users s ON s.connection_id = $1 AND s.snapshot_id = $2 AND s.user_id = au.user_id AND s.status = 'active'
                                      AND s.user_id > $4
          WHERE au.connection_id = $1 AND au.snapshot_id = $2 AND au.app_id = $3 AND au.user_id > $4
          ORDER BY au.user_id LIMIT $5`,
        [key.connectionId, key.snapshotId, license.app_id, afterUserId, limit],
      );
  return rows;
}
