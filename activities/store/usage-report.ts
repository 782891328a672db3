// The usage report operators read (`pingone-torii-sync usage`): per application the connection's
// newest published snapshot licenses, how many users hold it, how many of them signed on to it
// within the period, and how many were never seen signing on. Read-only.
import { OPEN_TO_EVERY_USER } from './access';
import type { ApplicationUsage, UsageReport } from '../../contract/reports';
import type { Sql } from './sql';




export async function usageReport(sql: Sql, connectionId: string, since: Date, app?: string): Promise<UsageReport | undefined> {
  const { rows: snapshots } = await sql.query<{ snapshot_id: string }>(
    `SELECT snapshot_id FROM sync_snapshots WHERE connection_id = $1 AND status = 'published' ORDER BY finished_at DESC LIMIT 1`,
    [connectionId],
  );
  const snapshotId = snapshots[0]?.snapshot_id;
  if (!snapshotId) return undefined;
  const { rows: marks } = await sql.query<{ high_water: Date; read_from: Date }>('SELECT high_water, read_from FROM usage_reads WHERE connection_id = $1', [connectionId]);
  const lastReadFrom = marks[0] ? new Date(marks[0].read_from).toISOString() : null;
  const { rows } = await sql.query<{ app_id: string; name: string; licensed: number; active: number; gained: number; never: number; last: Date | null }>(
    `WITH apps AS (
       SELECT a.app_id, a.name, (${OPEN_TO_EVERY_USER}) AS open
         FROM snapshot_licenses l
         JOIN snapshot_applications a ON a.connection_id = l.connection_id AND a.snapshot_id = l.snapshot_id AND a.app_id = l.app_id
        WHERE l.connection_id = $1 AND l.snapshot_id = $2 AND ($4::text IS NULL OR a.app_id = $4 OR lower(a.name) = lower($4))
     ),
     holders AS (
       SELECT apps.app_id, s.user_id
         FROM apps
         JOIN snapshot_sent_users s ON s.connection_id = $1 AND s.snapshot_id = $2 AND s.status = 'active'
        WHERE apps.open OR EXISTS (SELECT 1 FROM snapshot_app_users au
               WHERE au.connection_id = $1 AND au.snapshot_id = $2 AND au.app_id = apps.app_id AND au.user_id = s.user_id)
     )
     SELECT apps.app_id, apps.name,
            count(h.user_id)::int AS licensed,
            count(u.user_id) FILTER (WHERE u.last_sign_on_at >= $3)::int AS active,
            count(u.user_id) FILTER (WHERE u.last_sign_on_at > $5::timestamptz)::int AS gained,
            count(h.user_id) FILTER (WHERE u.user_id IS NULL)::int AS never,
            max(u.last_sign_on_at) AS last
       FROM apps
       LEFT JOIN holders h ON h.app_id = apps.app_id
       LEFT JOIN usage_sign_ons u ON u.connection_id = $1 AND u.app_id = h.app_id AND u.user_id = h.user_id
      GROUP BY apps.app_id, apps.name
      ORDER BY apps.name, apps.app_id`,
    [connectionId, snapshotId, since.toISOString(), app ?? null, lastReadFrom],
  );
  return {
    connectionId,
    snapshotId,
    knownUntil: marks[0] ? new Date(marks[0].high_water).toISOString() : null,
    lastReadFrom,
    since: since.toISOString(),
    applications: rows.map((r) => ({
      appId: r.app_id,
      name: r.name,
      licensed: Number(r.licensed),
      activeInPeriod: Number(r.active),
      signedOnInLastRead: Number(r.gained),
      neverSeen: Number(r.never),
      lastSignOn: r.last ? new Date(r.last).toISOString() : null,
    })),
  };
}
