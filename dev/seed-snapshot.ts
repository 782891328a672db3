// Writes a generated directory into the store as one complete listing would, with the store's own
// page writers and PingOne's record mapping, without PingOne or Temporal: for the benchmarks of the
// phases after the listing and the store tests of those phases.
import { insertAdminUsers, insertGroupLinks, upsertApplications, upsertGroups, upsertPopulations, upsertUsers, type SnapshotKey } from '../activities/store/pages';
import { openSnapshot } from '../activities/store/snapshots';
import type { Sql } from '../activities/store/sql';
import { toApplicationRow, toGroupRow, toUserRow, type ApplicationRow, type UserRow } from '../activities/pingone/records';
import type { Directory } from '../sim/directory';

/** Opens `key` and writes `users` of `directory` with its populations, groups, memberships, applications and role holders. */
export async function seedSnapshot(sql: Sql, key: SnapshotKey, directory: Directory, users: Directory['users']): Promise<void> {
  await openSnapshot(sql, key, directory.environmentId);
  const userRows = users.map((u) => toUserRow(u)).filter((r): r is UserRow => r !== undefined);
  for (let i = 0; i < userRows.length; i += 1000) await upsertUsers(sql, key, userRows.slice(i, i + 1000));
  const listed = new Set(users.map((u) => u.id));
  await upsertPopulations(
    sql,
    key,
    directory.populations.map((p) => ({ population_id: p.id, name: p.name, user_count: users.filter((u) => u.population.id === p.id).length })),
  );
  await upsertGroups(sql, key, directory.groups.map((g) => toGroupRow(g)!));
  for (const group of directory.groups) {
    await insertGroupLinks(sql, key, 'snapshot_group_parents', group.id, group.parentIds);
    const members = [...(directory.members.get(group.id) ?? [])].filter((id) => listed.has(id));
    for (let i = 0; i < members.length; i += 10_000) await insertGroupLinks(sql, key, 'snapshot_group_members', group.id, members.slice(i, i + 10_000));
  }
  await upsertApplications(sql, key, directory.applications.map((a) => toApplicationRow(a)).filter((r): r is ApplicationRow => r !== undefined));
  // Who holds a role: every user with an assignment (the admin check's exact rules do not move these timings).
  await insertAdminUsers(sql, key, [...directory.roleAssignments.keys()].filter((id) => listed.has(id)));
}
