// Writes one fetched page into its snapshot. Each write is an idempotent upsert in one statement,
// so a page fetched twice (a retry, a resumed checkpoint, a restarted listing) changes nothing.
import type { ApplicationRow, GroupRow, PopulationRow, UserRow } from '../pingone/records';
import type { Sql } from './sql';

export interface SnapshotKey {
  connectionId: string;
  snapshotId: string;
}

export async function upsertUsers(sql: Sql, key: SnapshotKey, rows: UserRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO snapshot_users (connection_id, snapshot_id, user_id, username, email, first_name, last_name,
                                 enabled, locked, verification_required, population_id, last_sign_on)
     SELECT $1, $2, r.user_id, r.username, r.email, r.first_name, r.last_name, r.enabled, r.locked, r.verification_required,
            r.population_id, r.last_sign_on
       FROM jsonb_to_recordset($3::jsonb) AS r(user_id text, username text, email text, first_name text, last_name text,
                                               enabled boolean, locked boolean, verification_required boolean,
                                               population_id text, last_sign_on text)
     ON CONFLICT (connection_id, snapshot_id, user_id) DO UPDATE SET
       username = EXCLUDED.username, email = EXCLUDED.email, first_name = EXCLUDED.first_name,
       last_name = EXCLUDED.last_name, enabled = EXCLUDED.enabled, locked = EXCLUDED.locked,
       verification_required = EXCLUDED.verification_required, population_id = EXCLUDED.population_id, last_sign_on = EXCLUDED.last_sign_on`,
    [key.connectionId, key.snapshotId, JSON.stringify(dedupeBy(rows, (r) => r.user_id))],
  );
}

export async function upsertGroups(sql: Sql, key: SnapshotKey, rows: GroupRow[]): Promise<void> {
  await upsertNames(sql, key, 'snapshot_groups', 'group_id', rows.map((r) => ({ id: r.group_id, name: r.name })));
}

export async function upsertPopulations(sql: Sql, key: SnapshotKey, rows: PopulationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO snapshot_populations (connection_id, snapshot_id, population_id, name, user_count)
     SELECT $1, $2, r.population_id, r.name, r.user_count
       FROM jsonb_to_recordset($3::jsonb) AS r(population_id text, name text, user_count integer)
     ON CONFLICT (connection_id, snapshot_id, population_id) DO UPDATE SET name = EXCLUDED.name, user_count = EXCLUDED.user_count`,
    [key.connectionId, key.snapshotId, JSON.stringify(dedupeBy(rows, (r) => r.population_id))],
  );
}

export async function upsertApplications(sql: Sql, key: SnapshotKey, rows: ApplicationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO snapshot_applications (connection_id, snapshot_id, app_id, name, type, enabled, admin_only, group_rule, group_ids)
     SELECT $1, $2, r.app_id, r.name, r.type, r.enabled, r.admin_only, r.group_rule,
            ARRAY(SELECT jsonb_array_elements_text(r.group_ids))
       FROM jsonb_to_recordset($3::jsonb) AS r(app_id text, name text, type text, enabled boolean, admin_only boolean,
                                               group_rule text, group_ids jsonb)
     ON CONFLICT (connection_id, snapshot_id, app_id) DO UPDATE SET
       name = EXCLUDED.name, type = EXCLUDED.type, enabled = EXCLUDED.enabled, admin_only = EXCLUDED.admin_only,
       group_rule = EXCLUDED.group_rule, group_ids = EXCLUDED.group_ids`,
    [key.connectionId, key.snapshotId, JSON.stringify(dedupeBy(rows, (r) => r.app_id))],
  );
}

/** Links of one group: its direct members or its parent groups. */
export async function insertGroupLinks(
  sql: Sql,
  key: SnapshotKey,
  table: 'snapshot_group_members' | 'snapshot_group_parents',
  groupId: string,
  otherIds: string[],
): Promise<void> {
  if (otherIds.length === 0) return;
  const column = table === 'snapshot_group_members' ? 'user_id' : 'parent_id';
  await sql.query(
    `INSERT INTO ${table} (connection_id, snapshot_id, group_id, ${column})
     SELECT $1, $2, $3, other FROM unnest($4::text[]) AS other
     ON CONFLICT DO NOTHING`,
    [key.connectionId, key.snapshotId, groupId, [...new Set(otherIds)]],
  );
}

export async function insertAdminUsers(sql: Sql, key: SnapshotKey, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await sql.query(
    `INSERT INTO snapshot_admin_users (connection_id, snapshot_id, user_id)
     SELECT $1, $2, u FROM unnest($3::text[]) AS u ON CONFLICT DO NOTHING`,
    [key.connectionId, key.snapshotId, [...new Set(userIds)]],
  );
}

/** PingOne's roles as this sync read them from GET /roles. */
export async function upsertRoles(sql: Sql, key: SnapshotKey, roles: { id: string; name: string }[]): Promise<void> {
  await upsertNames(sql, key, 'snapshot_roles', 'role_id', roles);
}

/** A snapshot's named things by id (groups, roles): one statement, the name of a repeated id updated. */
async function upsertNames(
  sql: Sql,
  key: SnapshotKey,
  table: 'snapshot_groups' | 'snapshot_roles',
  idColumn: 'group_id' | 'role_id',
  rows: { id: string; name: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO ${table} (connection_id, snapshot_id, ${idColumn}, name)
     SELECT $1, $2, r.id, r.name FROM jsonb_to_recordset($3::jsonb) AS r(id text, name text)
     ON CONFLICT (connection_id, snapshot_id, ${idColumn}) DO UPDATE SET name = EXCLUDED.name`,
    [key.connectionId, key.snapshotId, JSON.stringify(dedupeBy(rows, (r) => r.id))],
  );
}

/** What an admin check needs: the roles read for this snapshot (none yet: not read) and this environment's populations. */
export async function adminCheckFacts(sql: Sql, key: SnapshotKey): Promise<{ roles: { id: string; name: string }[]; populationIds: string[] }> {
  const params = [key.connectionId, key.snapshotId];
  const roles = await sql.query<{ id: string; name: string }>(
    'SELECT role_id AS id, name FROM snapshot_roles WHERE connection_id = $1 AND snapshot_id = $2',
    params,
  );
  const populations = await sql.query<{ population_id: string }>(
    'SELECT population_id FROM snapshot_populations WHERE connection_id = $1 AND snapshot_id = $2',
    params,
  );
  return { roles: roles.rows, populationIds: populations.rows.map((r) => r.population_id) };
}

// ON CONFLICT DO UPDATE refuses to touch one row twice in a statement: the same user twice on a
// page (PingOne has been seen doing it across pages) keeps its last occurrence.
function dedupeBy<T>(rows: T[], keyOf: (row: T) => string): T[] {
  return [...new Map(rows.map((r) => [keyOf(r), r])).values()];
}
