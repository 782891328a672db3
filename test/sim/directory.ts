// A PingOne environment's content as plain data, generated from a seed: populations, users,
// nested groups with their direct members, applications and who holds an admin role. The
// PingOne simulator serves it; expected.ts derives the Torii file from it. Tests mutate it
// between syncs with deleteUsers/addUsers.
import { makeApplications } from './directory-applications';
import { GroupLayout, joinOpenGroups, makeGroups, memberSet } from './directory-groups';
import { UserShape, makeUser } from './directory-users';
import { Random, hashSeed, pickOne, pickSome, randomUuid, seededRandom } from './random';

export interface SimUser {
  id: string;
  username: string;
  email?: string;
  name: { given?: string; family?: string; formatted?: string };
  enabled: boolean;
  account: { status: 'OK' | 'LOCKED'; canAuthenticate: boolean };
  lifecycle: { status: 'ACCOUNT_OK' };
  population: { id: string };
  lastSignOn?: { at: string; remoteIp: string };
  createdAt: string;
  updatedAt: string;
}
export interface SimPopulation { id: string; name: string; default: boolean }
/** parentIds: the groups this group is a member of (nesting). */
export interface SimGroup { id: string; name: string; population?: { id: string }; parentIds: string[] }
export interface SimApplication {
  id: string;
  name: string;
  type: string;
  protocol: string;
  enabled: boolean;
  accessControl?: {
    role?: { type: 'ADMIN_USERS_ONLY' };
    group?: { type: 'ANY_GROUP' | 'ALL_GROUPS'; groups: { id: string }[] };
  };
}
export interface Directory {
  environmentId: string;
  populations: SimPopulation[];
  users: SimUser[];
  groups: SimGroup[];
  /** groupId -> DIRECT member user ids. */
  members: Map<string, Set<string>>;
  applications: SimApplication[];
  /** Users holding an admin role assignment. */
  adminUserIds: Set<string>;
}

export interface DirectoryOptions {
  seed?: number;
  environmentId?: string;
  users: number;
  /** One population per share; default [0.6, 0.25, 0.1, 0.05]. */
  populationShares?: number[];
  groups?: number;
  nestingDepth?: number;
  /** Total applications; never fewer than the fixed set (11, 12 with adminOnlyUnrestrictedApp). */
  applications?: number;
  disabledShare?: number;
  lockedShare?: number;
  /** Of these, a third have an email-shaped username, a third a plain one, a third `x@corp`. */
  noEmailShare?: number;
  nonAsciiShare?: number;
  membershipsPerUser?: number;
  /** Emails written `Zoe.Otani.3@example.com` instead of lower case; default 0.05. */
  mixedCaseEmailShare?: number;
  adminOnlyUnrestrictedApp?: boolean;
  /** Share of the extra (random) apps open to everyone; default 0.4. The rest is group-restricted or disabled. */
  unrestrictedAppShare?: number;
}

const DEFAULT_POPULATION_SHARES = [0.6, 0.25, 0.1, 0.05];
const POPULATION_NAMES = ['Employees', 'Contractors', 'Partners', 'Customers'];
const ADMIN_GROUP_SIZE = 5;

export function generateDirectory(opts: DirectoryOptions): Directory {
  const random = seededRandom(opts.seed ?? 1);
  const environmentId = opts.environmentId ?? randomUuid(random);
  const shares = opts.populationShares ?? DEFAULT_POPULATION_SHARES;
  const populations: SimPopulation[] = shares.map((_, i) => ({
    id: randomUuid(random),
    name: POPULATION_NAMES[i] ?? `Population ${i + 1}`,
    default: i === 0,
  }));
  const shape: UserShape = {
    populationShares: shares,
    disabledShare: opts.disabledShare ?? 0.05,
    lockedShare: opts.lockedShare ?? 0.03,
    noEmailShare: opts.noEmailShare ?? 0.05,
    nonAsciiShare: opts.nonAsciiShare ?? 0.1,
    mixedCaseEmailShare: opts.mixedCaseEmailShare ?? 0.05,
  };
  const users = Array.from({ length: opts.users }, (_, i) => makeUser(random, i + 1, populations, shape));
  const layout = makeGroups(random, opts.groups ?? 12, opts.nestingDepth ?? 3, populations);
  const members = new Map<string, Set<string>>(layout.groups.map((group) => [group.id, new Set<string>()]));
  joinOpenGroups(random, users, layout.openGroups, opts.membershipsPerUser ?? 2, members);
  const adminUserIds = joinRestrictedGroups(random, users, layout, members);
  const applications = makeApplications(random, layout, {
    total: opts.applications ?? 0,
    adminOnlyUnrestrictedApp: opts.adminOnlyUnrestrictedApp ?? false,
    unrestrictedShare: opts.unrestrictedAppShare ?? 0.4,
  });
  return { environmentId, populations, users, groups: layout.groups, members, applications, adminUserIds };
}

// The admin group is small; all but one of its members hold the admin role, plus one user outside
// it, so "ADMIN_USERS_ONLY + group" differs from both the group and the role alone.
function joinRestrictedGroups(random: Random, users: SimUser[], layout: GroupLayout, members: Map<string, Set<string>>): Set<string> {
  const admins = pickSome(random, users, ADMIN_GROUP_SIZE);
  for (const user of admins) memberSet(members, layout.adminGroup.id).add(user.id);
  const adminUserIds = new Set(admins.slice(0, -1).map((user) => user.id));
  const outsiders = users.filter((user) => !admins.includes(user));
  if (outsiders.length > 0) adminUserIds.add(pickOne(random, outsiders).id);

  const populationId = layout.populationGroup.population?.id;
  const eligible = users.filter((user) => user.population.id === populationId);
  for (const user of pickSome(random, eligible, 10)) memberSet(members, layout.populationGroup.id).add(user.id);
  return adminUserIds;
}

/** Hard-deletes users as PingOne does: gone from listings, groups and role assignments. Returns how many existed. */
export function deleteUsers(dir: Directory, ids: Iterable<string>): number {
  const doomed = new Set(ids);
  const before = dir.users.length;
  dir.users = dir.users.filter((user) => !doomed.has(user.id));
  for (const memberIds of dir.members.values()) for (const id of doomed) memberIds.delete(id);
  for (const id of doomed) dir.adminUserIds.delete(id);
  return before - dir.users.length;
}

/**
 * Adds `n` users (default shares over the existing populations, random open-group memberships)
 * and returns them. Ids and user numbers never collide with users already there, whatever the seed.
 */
export function addUsers(dir: Directory, n: number, seed: number): SimUser[] {
  const random = seededRandom(hashSeed(`addUsers:${seed}:${dir.users.length}`));
  const shape: UserShape = {
    populationShares: DEFAULT_POPULATION_SHARES,
    disabledShare: 0.05,
    lockedShare: 0.03,
    noEmailShare: 0.05,
    nonAsciiShare: 0.1,
    mixedCaseEmailShare: 0.05,
  };
  const takenIds = new Set(dir.users.map((user) => user.id));
  let number = nextUserNumber(dir);
  const added: SimUser[] = [];
  while (added.length < n) {
    const user = makeUser(random, number++, dir.populations, shape);
    if (takenIds.has(user.id)) continue;
    takenIds.add(user.id);
    added.push(user);
  }
  dir.users.push(...added);
  joinOpenGroups(random, added, openGroupsOf(dir), 2, dir.members);
  return added;
}

// Groups that gate an admin-only app or belong to a population keep their hand-picked members.
function openGroupsOf(dir: Directory): SimGroup[] {
  const gated = new Set(dir.applications
    .filter((application) => application.accessControl?.role)
    .flatMap((application) => application.accessControl?.group?.groups.map((group) => group.id) ?? []));
  return dir.groups.filter((group) => !group.population && !gated.has(group.id));
}

function nextUserNumber(dir: Directory): number {
  let highest = 0;
  for (const user of dir.users) {
    const match = /\.(\d+)(?:@|$)/.exec(user.username);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}
