// What a mapped application's own app account receives, settled in the store per snapshot: the
// users licensed to that application now (sent active, with the status the main file gives them)
// and, once, the users that app account was sent active by the last published sync and that hold
// no license to it now (sent as deleted), each active one with their last sign-on to that
// application as the store knows it when settled. Read back in user id order.
import { OPEN_TO_EVERY_USER } from './access';
import type { SnapshotKey } from './pages';
import type { SentUserFields } from './file-rows';
import { lastPublishedSnapshotId } from './snapshots';
import type { Sql } from './sql';

export interface MappedApplication {
  appId: string;
  /** The application's name in PingOne: the app account's one license is named after it. */
  name: string;
}

/** The application as this snapshot licenses it; undefined when it is gone, disabled or gets no license. */
export async function mappedApplication(sql: Sql, key: SnapshotKey, appId: string): Promise<MappedApplication | undefined> {
  const { rows } = await sql.query<{ app_id: string; name: string }>(
    `SELECT a.app_id, a.name FROM snapshot_applications a
       JOIN snapshot_licenses l ON l.connection_id = a.connection_id AND l.snapshot_id = a.snapshot_id AND l.app_id = a.app_id
      WHERE a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = $3`,
    [key.connectionId, key.snapshotId, appId],
  );
  return rows[0] ? { appId: rows[0].app_id, name: rows[0].name } : undefined;
}

export interface SettledAppAccount {
  active: number;
  deleted: number;
  /** Users the last published sync sent this app account as present: the deletion guard's baseline. */
  previousUsers: number;
}

/** Settles the app account's users for this snapshot; repeatable (an activity retry settles again). */
export async function settleAppAccount(sql: Sql, key: SnapshotKey, appId: string): Promise<SettledAppAccount> {
  const previous = await lastPublishedSnapshotId(sql, key.connectionId, key.snapshotId);
  const params = [key.connectionId, key.snapshotId, appId];
  return sql.transaction(async (tx) => {
    await tx.query('DELETE FROM usage_app_sent_users WHERE connection_id = $1 AND snapshot_id = $2 AND app_id = $3', params);
    await tx.query(
      `INSERT INTO usage_app_sent_users (connection_id, snapshot_id, app_id, user_id, email, first_name, last_name, status, external_status, last_sign_on_at)
       SELECT $1, $2, $3, s.user_id, s.email, s.first_name, s.last_name, 'active', s.external_status, u.last_sign_on_at
         FROM snapshot_sent_users s
         JOIN snapshot_applications a ON a.connection_id = $1 AND a.snapshot_id = $2 AND a.app_id = $3
         LEFT JOIN usage_sign_ons u ON u.connection_id = $1 AND u.app_id = $3 AND u.user_id = s.user_id
        WHERE s.connection_id = $1 AND s.snapshot_id = $2 AND s.status = 'active'
          AND (${OPEN_TO_EVERY_USER} OR EXISTS (SELECT 1 FROM snapshot_app_users au
                WHERE au.connection_id = $1 AND au.snapshot_id = $2 AND au.app_id = $3 AND au.user_id = s.user_id))`,
      params,
    );
    let previousUsers = 0;
    if (previous) {
      await tx.query(
        `INSERT INTO usage_app_sent_users (connection_id, snapshot_id, app_id, user_id, email, first_name, last_name, status, external_status)
         SELECT $1, $2, $3, p.user_id, p.email, p.first_name, p.last_name, 'deleted', 'deleted'
           FROM usage_app_sent_users p
          WHERE p.connection_id = $1 AND p.snapshot_id = $4 AND p.app_id = $3 AND p.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM usage_app_sent_users c
                             WHERE c.connection_id = $1 AND c.snapshot_id = $2 AND c.app_id = $3
                               AND (c.user_id = p.user_id OR lower(c.email) = lower(p.email)))`,
        [...params, previous],
      );
      const { rows } = await tx.query<{ users: number }>(
        `SELECT count(*)::int AS users FROM usage_app_sent_users WHERE connection_id = $1 AND snapshot_id = $2 AND app_id = $3 AND status = 'active'`,
        [key.connectionId, previous, appId],
      );
      previousUsers = Number(rows[0].users);
    }
    const { rows } = await tx.query<{ active: number; deleted: number }>(
      `SELECT count(*) FILTER (WHERE status = 'active')::int AS active, count(*) FILTER (WHERE status = 'deleted')::int AS deleted
         FROM usage_app_sent_users WHERE connection_id = $1 AND snapshot_id = $2 AND app_id = $3`,
      params,
    );
    return { active: Number(rows[0].active), deleted: Number(rows[0].deleted), previousUsers };
  });
}

export interface AppAccountUserRow extends SentUserFields {
  last_sign_on_at: Date | null;
}

export async function appAccountUsersAfter(sql: Sql, key: SnapshotKey, appId: string, afterUserId: string, limit: number): Promise<AppAccountUserRow[]> {
  const { rows } = await sql.query<AppAccountUserRow>(
    `SELECT s.user_id, s.email, s.first_name, s.last_name, s.status, s.external_status, s.last_sign_on_at
       FROM usage_app_sent_users s
      WHERE s.connection_id = $1 AND s.snapshot_id = $2 AND s.app_id = $3 AND s.user_id > $4
      ORDER BY s.user_id LIMIT $5`,
    [key.connectionId, key.snapshotId, appId, afterUserId, limit],
  );
  return rows;
}

/** Rows of snapshots the connection no longer keeps (pruned by closeSnapshot) go too. */
export async function pruneAppAccountRows(sql: Sql, connectionId: string): Promise<void> {
  await sql.query(
    `DELETE FROM usage_app_sent_users s WHERE s.connection_id = $1
        AND NOT EXISTS (SELECT 1 FROM sync_snapshots k WHERE k.connection_id = $1 AND k.snapshot_id = s.snapshot_id)`,
    [connectionId],
  );
}
