// The usage a newer snapshot gained over an older one, per mapped application: among the users its
// app account was sent active, those whose last sign-on to that application is newer than the one
// the older snapshot sent (or who had none then, or were not sent then). Read from what each
// snapshot sent (usage_app_sent_users), so the diff shows what Torii was told.
import type { AppUsageGain } from '../../contract/reports';
import type { Sql } from './sql';


/** Per application mapped in `after`, in name order; `before` null compares with nothing (every sign-on is first seen). */
export async function usageGained(sql: Sql, connectionId: string, before: string | null, after: string): Promise<AppUsageGain[]> {
  const { rows } = await sql.query<{ app_id: string; name: string | null; users: number; signed_on: number; gained: number; first_seen: number }>(
    `SELECT n.app_id, a.name,
            count(*)::int AS users,
            count(n.last_sign_on_at)::int AS signed_on,
            count(*) FILTER (WHERE n.last_sign_on_at IS NOT NULL AND (o.last_sign_on_at IS NULL OR n.last_sign_on_at > o.last_sign_on_at))::int AS gained,
            count(*) FILTER (WHERE n.last_sign_on_at IS NOT NULL AND o.last_sign_on_at IS NULL)::int AS first_seen
       FROM usage_app_sent_users n
       LEFT JOIN usage_app_sent_users o
         ON o.connection_id = n.connection_id AND o.snapshot_id = $3 AND o.app_id = n.app_id AND o.user_id = n.user_id AND o.status = 'active'
       LEFT JOIN snapshot_applications a ON a.connection_id = n.connection_id AND a.snapshot_id = n.snapshot_id AND a.app_id = n.app_id
      WHERE n.connection_id = $1 AND n.snapshot_id = $2 AND n.status = 'active'
      GROUP BY n.app_id, a.name
      ORDER BY a.name, n.app_id`,
    [connectionId, after, before ?? ''],
  );
  return rows.map((r) => ({ appId: r.app_id, name: r.name ?? r.app_id, users: Number(r.users), signedOn: Number(r.signed_on), gained: Number(r.gained), firstSeen: Number(r.first_seen) }));
}
