// A PingOne environment's content as plain data, generated from a seed: populations, users,
// nested groups with their direct members, applications and who holds an admin role. The
// PingOne simulator serves it; expected.ts derives the Torii file from it. Tests mutate it
// between syncs with deleteUsers/addUsers.
import { makeApplications } from './directory-applications';
import { GroupLayout, joinOpenGroups, makeGroups, memberSet } from './directory-groups';
import { UserShape, makeUser } from './directory-users';
import { CUSTOM_ROLE_ID, roleId, type RoleScopeType } from './pingone-roles';
import { Random, hashSeed, pickOne, pickSome, randomUuid, seededRandom } from './random';
import type { Directory, SimApplication, SimGroup, SimPopulation, SimRoleAssignment, SimUser } from './directory-records';

export type { SimUser, SimPopulation, SimGroup, SimApplicationType, SimApplicationProtocol, SimApplication, SimRoleAssignment, Directory } from './directory-records';

export interface DirectoryOptions {
  seed?: number;
  environmentId?: string;
  users: number;
  /** One population per share; default [0.6, 0.25, 0.1, 0.05]. */
  populationShares?: number[];
  groups?: number;
  nestingDepth?: number;
  /** Total applications; never fewer than the fixed set (16, 17 with adminOnlyUnrestrictedApp). */
  applications?: number;
  disabledShare?: number;
  lockedShare?: number;
  /** Users whose lifecycle.status is VERIFICATION_REQUIRED; default 0.02. */
  verificationRequiredShare?: number;
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
    verificationRequiredShare: opts.verificationRequiredShare ?? 0.02,
    noEmailShare: opts.noEmailShare ?? 0.05,
    nonAsciiShare: opts.nonAsciiShare ?? 0.1,
    mixedCaseEmailShare: opts.mixedCaseEmailShare ?? 0.05,
  };
  const users = Array.from({ length: opts.users }, (_, i) => makeUser(random, i + 1, populations, shape));
  const layout = makeGroups(random, opts.groups ?? 12, opts.nestingDepth ?? 3, populations);
  const members = new Map<string, Set<string>>(layout.groups.map((group) => [group.id, new Set<string>()]));
  joinOpenGroups(random, users, layout.openGroups, opts.membershipsPerUser ?? 2, members);
  const organizationId = randomUuid(seededRandom(hashSeed(`organization:${environmentId}`)));
  const roleAssignments = joinRestrictedGroups(random, users, layout, members, { environmentId, organizationId, populations });
  const groups = [...layout.groups, dynamicGroup(populations[populations.length - 1], environmentId)];
  for (const group of groups) if (group.userFilter) joinDynamicGroup(group, users, members);
  // An external group: its members come from an identity provider, not from PingOne.
  const external = layout.openGroups[layout.openGroups.length - 1];
  if (external && external !== layout.chainRoot && external !== layout.otherRoot) external.sourceType = 'IDP';
  const applications = makeApplications(random, layout, {
    total: opts.applications ?? 0,
    adminOnlyUnrestrictedApp: opts.adminOnlyUnrestrictedApp ?? false,
    unrestrictedShare: opts.unrestrictedAppShare ?? 0.4,
  });
  return { environmentId, organizationId, populations, users, groups, members, applications, roleAssignments };
}

// A dynamic group: PingOne evaluates its SCIM userFilter; here it is one population, and its
// members are exactly that population's users, listed like any group's.
function dynamicGroup(population: SimPopulation, environmentId: string): SimGroup {
  return {
    id: randomUuid(seededRandom(hashSeed(`dynamic-group:${environmentId}`))),
    name: `All ${population.name}`,
    parentIds: [],
    userFilter: `population.id eq "${population.id}"`,
  };
}

function joinDynamicGroup(group: SimGroup, users: SimUser[], members: Map<string, Set<string>>): void {
  const populationId = /population\.id eq "([^"]+)"/.exec(group.userFilter ?? '')?.[1];
  for (const user of users) if (user.population.id === populationId) memberSet(members, group.id).add(user.id);
}

// The admin group is small. Its members hold, one each: Environment Admin on this environment,
// Identity Data Admin on their population, Organization Admin, Client Application Developer; the
// last holds only roles that do not make an admin (Identity Data Read Only, Environment Admin of
// another environment, Application Owner of one app, a custom role). One user outside the group is
// an Environment Admin, so "ADMIN_USERS_ONLY + group" differs from both the group and the role
// alone, and a few others hold non-admin roles (Help Desk Admin, Identity Data Read Only).
function joinRestrictedGroups(
  random: Random,
  users: SimUser[],
  layout: GroupLayout,
  members: Map<string, Set<string>>,
  env: { environmentId: string; organizationId: string; populations: SimPopulation[] },
): Map<string, SimRoleAssignment[]> {
  const assignments = new Map<string, SimRoleAssignment[]>();
  const assign = (user: SimUser, role: string, type: RoleScopeType, scopeId: string) => {
    const list = assignments.get(user.id) ?? [];
    list.push({
      id: randomUuid(seededRandom(hashSeed(`roleAssignment:${user.id}:${list.length}`))),
      role: { id: role },
      scope: { id: scopeId, type },
      environment: { id: env.environmentId },
      readOnly: false,
    });
    assignments.set(user.id, list);
  };
  const admins = pickSome(random, users, ADMIN_GROUP_SIZE);
  for (const user of admins) memberSet(members, layout.adminGroup.id).add(user.id);
  const otherEnvironmentId = randomUuid(seededRandom(hashSeed(`other-environment:${env.environmentId}`)));
  admins.forEach((user, i) => {
    if (i === admins.length - 1 && admins.length > 1) {
      assign(user, roleId('Identity Data Read Only'), 'ENVIRONMENT', env.environmentId);
      assign(user, roleId('Environment Admin'), 'ENVIRONMENT', otherEnvironmentId);
      assign(user, roleId('Application Owner'), 'APPLICATION', randomUuid(random));
      assign(user, CUSTOM_ROLE_ID, 'ENVIRONMENT', env.environmentId);
      return;
    }
    switch (i % 4) {
      case 0: assign(user, roleId('Environment Admin'), 'ENVIRONMENT', env.environmentId); break;
      case 1: assign(user, roleId('Identity Data Admin'), 'POPULATION', user.population.id); break;
      case 2: assign(user, roleId('Organization Admin'), 'ORGANIZATION', env.organizationId); break;
      default: assign(user, roleId('Client Application Developer'), 'ENVIRONMENT', env.environmentId);
    }
  });
  const outsiders = users.filter((user) => !admins.includes(user));
  if (outsiders.length > 0) assign(pickOne(random, outsiders), roleId('Environment Admin'), 'ENVIRONMENT', env.environmentId);
  for (const user of pickSome(random, outsiders.filter((user) => !assignments.has(user.id)), 3)) {
    assign(user, roleId(random() < 0.5 ? 'Help Desk Admin' : 'Identity Data Read Only'), 'ENVIRONMENT', env.environmentId);
  }

  const populationId = layout.populationGroup.population?.id;
  const eligible = users.filter((user) => user.population.id === populationId);
  for (const user of pickSome(random, eligible, 10)) memberSet(members, layout.populationGroup.id).add(user.id);
  return assignments;
}

/** Hard-deletes users as PingOne does: gone from listings, groups and role assignments. Returns how many existed. */
export function deleteUsers(dir: Directory, ids: Iterable<string>): number {
  const doomed = new Set(ids);
  const before = dir.users.length;
  dir.users = dir.users.filter((user) => !doomed.has(user.id));
  for (const memberIds of dir.members.values()) for (const id of doomed) memberIds.delete(id);
  for (const id of doomed) dir.roleAssignments.delete(id);
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
    verificationRequiredShare: 0.02,
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
  for (const group of dir.groups) if (group.userFilter) joinDynamicGroup(group, added, dir.members);
  return added;
}

// Groups that gate an admin-only app or belong to a population keep their hand-picked members.
function openGroupsOf(dir: Directory): SimGroup[] {
  const gated = new Set(dir.applications
    .filter((application) => application.accessControl?.role)
    .flatMap((application) => application.accessControl?.group?.groups.map((group) => group.id) ?? []));
  return dir.groups.filter((group) => !group.population && !group.userFilter && !gated.has(group.id));
}

function nextUserNumber(dir: Directory): number {
  let highest = 0;
  for (const user of dir.users) {
    const match = /\.(\d+)(?:@|$)/.exec(user.username);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}
