// The generated group structure: a small admin group, nested chains up to the requested depth
// (with the odd second parent, so roles through two paths must be deduplicated), and one
// population-scoped group. Also who is a direct member of what.
import type { SimGroup, SimPopulation, SimUser } from './directory-records';
import { GROUP_NAMES } from './names';
import { Random, pickOne, pickSome, randomInt, randomUuid } from './random';

export interface GroupLayout {
  groups: SimGroup[];
  adminGroup: SimGroup;
  /** Root of a chain `nestingDepth` deep: groups[1] -> its child -> ... */
  chainRoot: SimGroup;
  /** Another root, outside chainRoot's tree. */
  otherRoot: SimGroup;
  populationGroup: SimGroup;
  /** Groups a user may join at random (neither admin- nor population-bound). */
  openGroups: SimGroup[];
}

export function makeGroups(random: Random, count: number, depth: number, populations: SimPopulation[]): GroupLayout {
  const total = Math.max(count, depth + 3);
  const adminGroup: SimGroup = { id: randomUuid(random), name: 'Admins', parentIds: [] };
  const byLevel: SimGroup[][] = Array.from({ length: depth }, () => []);
  const openGroups: SimGroup[] = [];
  for (let i = 1; i < total - 1; i++) {
    const level = (i - 1) % depth;
    const group: SimGroup = { id: randomUuid(random), name: groupName(i - 1), parentIds: [] };
    if (level > 0) {
      const parents = byLevel[level - 1];
      const first = pickOne(random, parents);
      group.parentIds.push(first.id);
      const others = parents.filter((parent) => parent !== first);
      if (others.length > 0 && random() < 0.15) group.parentIds.push(pickOne(random, others).id);
    }
    byLevel[level].push(group);
    openGroups.push(group);
  }
  const scopedPopulation = populations[Math.min(1, populations.length - 1)];
  const populationGroup: SimGroup = {
    id: randomUuid(random),
    name: `${scopedPopulation.name} Team`,
    population: { id: scopedPopulation.id },
    parentIds: [],
  };
  return {
    groups: [adminGroup, ...openGroups, populationGroup],
    adminGroup,
    chainRoot: byLevel[0][0],
    otherRoot: byLevel[0][1] ?? byLevel[0][0],
    populationGroup,
    openGroups,
  };
}

function groupName(index: number): string {
  const base = GROUP_NAMES[index % GROUP_NAMES.length];
  const round = Math.floor(index / GROUP_NAMES.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}

/** Direct memberships for `users` among open groups: 0 .. 2*perUser each, uniformly. */
export function joinOpenGroups(random: Random, users: SimUser[], openGroups: SimGroup[], perUser: number, members: Map<string, Set<string>>): void {
  if (openGroups.length === 0) return;
  for (const user of users) {
    for (const group of pickSome(random, openGroups, randomInt(random, 0, 2 * perUser + 1))) {
      memberSet(members, group.id).add(user.id);
    }
  }
}

export function memberSet(members: Map<string, Set<string>>, groupId: string): Set<string> {
  let set = members.get(groupId);
  if (!set) {
    set = new Set();
    members.set(groupId, set);
  }
  return set;
}
