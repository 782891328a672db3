// The oracle's view of access: effective group membership through nesting, and which users each
// included application's license lists. Written independently of the production derivation on
// purpose, so the two can disagree.
import type { Directory, SimApplication, SimUser } from './directory';

/** Applications PingOne creates for itself, or that are machines: never licenses. */
export const EXCLUDED_APPLICATION_TYPES = ['WORKER', 'PING_ONE_ADMIN_CONSOLE', 'PING_ONE_PORTAL', 'PING_ONE_SELF_SERVICE'];

/** userId -> every group id the user belongs to directly or through any chain of parents. */
export function effectiveGroupIds(dir: Directory): Map<string, Set<string>> {
  const parentsOf = new Map(dir.groups.map((group) => [group.id, group.parentIds]));
  const ancestorsOf = new Map<string, Set<string>>();
  const ancestors = (groupId: string): Set<string> => {
    const known = ancestorsOf.get(groupId);
    if (known) return known;
    const found = new Set<string>([groupId]);
    const queue = [groupId];
    while (queue.length > 0) {
      for (const parentId of parentsOf.get(queue.shift() as string) ?? []) {
        if (!found.has(parentId)) {
          found.add(parentId);
          queue.push(parentId);
        }
      }
    }
    ancestorsOf.set(groupId, found);
    return found;
  };

  const result = new Map<string, Set<string>>(dir.users.map((user) => [user.id, new Set<string>()]));
  for (const [groupId, memberIds] of dir.members) {
    for (const userId of memberIds) {
      const groups = result.get(userId);
      if (groups) for (const id of ancestors(groupId)) groups.add(id);
    }
  }
  return result;
}

export function isLicensable(application: SimApplication): boolean {
  return application.enabled === true && !EXCLUDED_APPLICATION_TYPES.includes(application.type);
}

/** Users the app's group rule admits, before any admin-role check. */
export function groupCandidates(application: SimApplication, users: SimUser[], groupsOf: Map<string, Set<string>>): SimUser[] {
  const rule = application.accessControl?.group;
  if (!rule) return users;
  const wanted = rule.groups.map((group) => group.id);
  return users.filter((user) => {
    const held = groupsOf.get(user.id) ?? new Set<string>();
    return rule.type === 'ALL_GROUPS' ? wanted.every((id) => held.has(id)) : wanted.some((id) => held.has(id));
  });
}

/**
 * License names: colliding names (among licensable apps) are ordered by id; the first keeps the
 * name, later ones get ` (<id>)` so each license stays stable across syncs.
 */
export function licenseNames(applications: SimApplication[]): Map<string, string> {
  const byName = new Map<string, SimApplication[]>();
  for (const application of applications) byName.set(application.name, [...(byName.get(application.name) ?? []), application]);
  const names = new Map<string, string>();
  for (const [name, sameName] of byName) {
    [...sameName].sort((a, b) => compareText(a.id, b.id)).forEach((application, i) => {
      names.set(application.id, i === 0 ? name : `${name} (${application.id})`);
    });
  }
  return names;
}

/** Plain code-unit order, as JS `<` does: no locale, so every machine sorts alike. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
