// Derives who may use which application once a listing is complete, inside the database so no
// step holds the directory in memory. PingOne stores no assignment: access follows each app's group
// access control, and a member of a child group counts as a member of every ancestor. Admin-only
// apps are resolved only as far as PINGONE_ADMIN_LOOKUP_LIMIT affords (planAdminLookups).
import type { SnapshotKey } from './pages';
import { writeSentUsers } from './sent-users';
import { forWholeSnapshot, type Sql } from './sql';

/**
 * Whether an application of each type of PingOne's EnumApplicationType is a license, as README's
 * "Who gets a license" table gives it with its reasons: apps people sign on to are; machine clients
 * (WORKER, SERVICE: client credentials, no user) and PingOne's own platform apps are not. A type
 * PingOne adds later is no license until decided here, and is reported as `unknownType`.
 */
export const APPLICATION_TYPE_LICENSED: Record<string, boolean> = {
  WEB_APP: true,
  NATIVE_APP: true,
  SINGLE_PAGE_APP: true,
  CUSTOM_APP: true,
  TEMPLATE_APP: true,
  PORTAL_LINK_APP: true,
  WORKER: false,
  SERVICE: false,
  PING_ONE_ADMIN_CONSOLE: false,
  PING_ONE_PORTAL: false,
  PING_ONE_SELF_SERVICE: false,
};

export const LICENSED_APPLICATION_TYPES = Object.keys(APPLICATION_TYPE_LICENSED).filter((type) => APPLICATION_TYPE_LICENSED[type]);
export const UNLICENSED_APPLICATION_TYPES = Object.keys(APPLICATION_TYPE_LICENSED).filter((type) => !APPLICATION_TYPE_LICENSED[type]);

const KEY = 'connection_id = $1 AND snapshot_id = $2';

/**
 * An application open to every user (no group rule, not admin-only), over `snapshot_applications a`.
 * Its users are not stored row by row in snapshot_app_users: every user of the snapshot holds it.
 * At 100,000 users such apps were 94% of that table's rows and most of the time spent deriving,
 * finalizing and streaming the file; readers take every sent user for these licenses instead.
 */
export const OPEN_TO_EVERY_USER = 'a.group_rule IS NULL AND NOT a.admin_only';

export interface AdminOnlyApplication {
  appId: string;
  name: string;
  candidates: number;
}

export interface AccessPlan {
  /** Admin-only apps whose candidates' role assignments will be read. */
  resolveAppIds: string[];
  omittedAppIds: string[];
  warnings: string[];
  /** The sent users were written beside the access (absent in plans recorded before they were): finalizing writes them otherwise. */
  sentUsersWritten?: boolean;
}

/**
 * Which admin-only apps are affordable to resolve: telling their admins apart costs one request per
 * candidate user, so an app with more candidates than `lookupLimit` is left out with a warning.
 */
export function planAdminLookups(apps: AdminOnlyApplication[], lookupLimit: number): AccessPlan {
  const plan: AccessPlan = { resolveAppIds: [], omittedAppIds: [], warnings: [] };
  for (const app of apps) {
    if (app.candidates <= lookupLimit) plan.resolveAppIds.push(app.appId);
    else {
      plan.omittedAppIds.push(app.appId);
      plan.warnings.push(
        `Application "${app.name}" (${app.appId}) is for admin users only; telling them apart would take ${app.candidates} requests ` +
          `(one per candidate user), so its license was left out. Raise PINGONE_ADMIN_LOOKUP_LIMIT above ${app.candidates} to include it.`,
      );
    }
  }
  return plan;
}

/**
 * `ancestry(group_id, ancestor_id)`: each group with itself and every group above it, for a WITH
 * RECURSIVE list keyed by $1 (connection) and $2 (snapshot). A member of a group is an effective member
 * of each of its ancestors. It is a few rows per group, so queries join it with the direct members
 * they need instead of reading a materialized table of effective memberships (437,000 rows at
 * 100,000 users, 4.6 s to write). UNION (not UNION ALL) ends the recursion on a cycle of parent links.
 */
export const ANCESTRY = `ancestry(group_id, ancestor_id) AS (
  SELECT group_id, group_id FROM snapshot_groups WHERE connection_id = $1 AND snapshot_id = $2
  UNION
  SELECT a.group_id, p.parent_id
    FROM ancestry a JOIN snapshot_group_parents p
      ON p.connection_id = $1 AND p.snapshot_id = $2 AND p.group_id = a.ancestor_id
)`;

/**
 * The listing's statistics, written before the statements that read a whole snapshot are planned:
 * fresh ones let the planner hash-join instead of looping over a whole directory per group. Of
 * snapshot_users only the columns a statement filters or joins on: its names, emails and flags are
 * only ever selected, and their statistics were most of this ANALYZE (~0.1 s of ~0.2 s, whatever
 * the directory's size: ANALYZE reads a fixed sample). The table's row count is refreshed either way.
 */
export async function analyzeListing(sql: Sql): Promise<void> {
  await sql.exec(
    'ANALYZE snapshot_users (connection_id, snapshot_id, user_id), snapshot_groups, snapshot_group_parents, snapshot_group_members, snapshot_applications',
  );
}

/**
 * Derives access and writes the sent users (sent-users.ts) at once, on two store connections, each
 * in its own transaction: neither reads what the other writes, and each is one statement on one
 * core. Answers the admin-only apps' candidates.
 */
export async function deriveAccessAndSentUsers(sql: Sql, key: SnapshotKey, previousSnapshotId: string | null): Promise<AdminOnlyApplication[]> {
  await analyzeListing(sql);
  const [admins] = await Promise.all([
    deriveAccess(sql, key),
    sql.transaction(async (tx) => {
      await forWholeSnapshot(tx);
      await writeSentUsers(tx, key, previousSnapshotId);
    }),
  ]);
  return admins;
}

/**
 * Fills the users of apps behind groups or admin roles (apps open to every user need no rows);
 * answers the admin-only apps' candidates. The listing's statistics are fresh (analyzeListing).
 */
export async function deriveAccess(sql: Sql, key: SnapshotKey): Promise<AdminOnlyApplication[]> {
  const params = [key.connectionId, key.snapshotId];
  return sql.transaction(async (tx) => {
    await forWholeSnapshot(tx);
    await tx.query(`DELETE FROM snapshot_app_users WHERE ${KEY}`, params);
    // A user matches a group of a rule through any group below it; ALL_GROUPS counts the rule's
    // distinct groups matched. A rule listing no groups admits nobody: ANY_GROUP ("a member of at
    // least one group specified") has none to match, and ALL_GROUPS is not read as "every user".
    await tx.query(
      `WITH RECURSIVE ${ANCESTRY},
       apps AS (
         SELECT app_id, group_rule, group_ids, admin_only FROM snapshot_applications
          WHERE ${KEY} AND enabled AND type = ANY($3::text[])
       ),
       app_groups AS (
         SELECT DISTINCT a.app_id, a.group_rule, g.group_id, cardinality(ARRAY(SELECT DISTINCT unnest(a.group_ids))) AS required
           FROM apps a CROSS JOIN LATERAL unnest(a.group_ids) AS g(group_id)
       ),
       matches AS (
         SELECT ag.app_id, ag.group_rule, ag.required, m.user_id, count(DISTINCT ag.group_id) AS matched
           FROM app_groups ag
           JOIN ancestry a ON a.ancestor_id = ag.group_id
           JOIN snapshot_group_members m ON m.connection_id = $1 AND m.snapshot_id = $2 AND m.group_id = a.group_id
           JOIN snapshot_users u ON u.connection_id = $1 AND u.snapshot_id = $2 AND u.user_id = m.user_id
          GROUP BY ag.app_id, ag.group_rule, ag.required, m.user_id
       )
       INSERT INTO snapshot_app_users (connection_id, snapshot_id, app_id, user_id)
       SELECT $1, $2, a.app_id, u.user_id
         FROM apps a JOIN snapshot_users u ON u.connection_id = $1 AND u.snapshot_id = $2
        WHERE a.group_rule IS NULL AND a.admin_only
       UNION ALL
       SELECT $1, $2, m.app_id, m.user_id FROM matches m
        WHERE m.group_rule = 'ANY_GROUP' OR (m.group_rule = 'ALL_GROUPS' AND m.matched = m.required)`,
      [...params, LICENSED_APPLICATION_TYPES],
    );
    // Finalizing deletes from and counts this table; with stale statistics those took 7 s each at 1M users.
    await tx.exec('ANALYZE snapshot_app_users');
    const { rows } = await tx.query<{ app_id: string; name: string; candidates: number }>(
      `SELECT a.app_id, a.name, count(au.user_id)::int AS candidates
         FROM snapshot_applications a
         LEFT JOIN snapshot_app_users au ON au.connection_id = $1 AND au.snapshot_id = $2 AND au.app_id = a.app_id
        WHERE a.connection_id = $1 AND a.snapshot_id = $2 AND a.admin_only AND a.enabled AND a.type = ANY($3::text[])
        GROUP BY a.app_id, a.name ORDER BY a.app_id`,
      [...params, LICENSED_APPLICATION_TYPES],
    );
    return rows.map((r) => ({ appId: r.app_id, name: r.name, candidates: Number(r.candidates) }));
  });
}

/** The candidates of admin-only apps whose role assignments must be read, in pages of user ids. */
export async function adminCandidates(sql: Sql, key: SnapshotKey, appIds: string[], afterUserId: string, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ user_id: string }>(
    `SELECT DISTINCT user_id FROM snapshot_app_users
      WHERE ${KEY} AND app_id = ANY($3::text[]) AND user_id > $4
      ORDER BY user_id LIMIT $5`,
    [key.connectionId, key.snapshotId, appIds, afterUserId, limit],
  );
  return rows.map((r) => r.user_id);
}
