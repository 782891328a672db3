// The oracle's view of access, written from PingOne's documentation and README's own words, never
// from the product's code or constants, so the two can disagree (and a disagreement is decided by
// the docs). Sources:
//  [apps]   PingOne Platform APIs, "Application Management" / "Authorization and authentication by
//           application type" (developer.pingidentity.com), and the OpenAPI's EnumApplicationType
//           (patrickcping/pingone-go-sdk-v2, management/api/openapi.yaml).
//  [access] "Control access to applications through roles and groups" (developer.pingidentity.com)
//           and the OpenAPI's EnumApplicationAccessControlType / Application_accessControl_group.
//  [roles]  "Built-in Admin Roles" and "User Role Assignments" (developer.pingidentity.com);
//           OpenAPI EnumRoleName, EnumRoleAssignmentScopeType, `GET /roles`.
//  [groups] "About groups and populations": nested groups (a member of a child group is a member of
//           its parent group).
//  [readme] README "Who gets a license" and "What a sync does" (this product's documented choices).
import type { Directory, SimApplication, SimRoleAssignment, SimUser } from '../../sim/directory';
import { BUILT_IN_ROLES } from '../../sim/pingone-roles';

/** userId -> every group id the user belongs to directly or through any chain of parents [groups]. */
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

export type NoLicenseReason = 'malformedRecord' | 'disabled' | 'notLicensedType' | 'unknownType';

/**
 * Why an application is no license, or undefined when it is one. [apps]: web, native and
 * single-page apps are apps people sign on to; CUSTOM_APP (a SAML or WS-Fed app the customer
 * configures), TEMPLATE_APP (one added from PingOne's application catalog) and PORTAL_LINK_APP (a
 * link people follow from the application portal) are apps people use too. A Worker is "an
 * administrator application that can interact with platform APIs" and SERVICE is "non-interactive
 * … a command line interface, a service, or a daemon": nobody signs on to either. PingOne's own
 * platform applications (Admin Console, Application Portal, Self-Service) are PingOne itself, not an
 * app the customer manages. A type outside the enum is not decided, so it gets no license [readme].
 */
export function noLicenseReason(application: SimApplication): NoLicenseReason | undefined {
  // A group rule whose type is neither documented value cannot be read: who may use the app is unknown [readme].
  const rule = application.accessControl?.group;
  if (rule && !['ANY_GROUP', 'ALL_GROUPS'].includes(rule.type)) return 'malformedRecord';
  if (application.enabled !== true) return 'disabled';
  switch (application.type) {
    case 'WEB_APP':
    case 'NATIVE_APP':
    case 'SINGLE_PAGE_APP':
    case 'CUSTOM_APP':
    case 'TEMPLATE_APP':
    case 'PORTAL_LINK_APP':
      return undefined;
    case 'WORKER':
    case 'SERVICE':
    case 'PING_ONE_ADMIN_CONSOLE':
    case 'PING_ONE_PORTAL':
    case 'PING_ONE_SELF_SERVICE':
      return 'notLicensedType';
    default:
      return 'unknownType';
  }
}

/**
 * Users the app's group rule admits, before any admin-role check [access]: no group rule, every
 * user; ANY_GROUP, a member of at least one group listed; ALL_GROUPS, a member of every group
 * listed. A rule listing no group admits nobody (README: PingOne restricts the app to groups and
 * names none, so no group grants access).
 */
export function groupCandidates(application: SimApplication, users: SimUser[], groupsOf: Map<string, Set<string>>): SimUser[] {
  const rule = application.accessControl?.group;
  if (!rule) return users;
  if (rule.groups.length === 0) return [];
  const wanted = rule.groups.map((group) => group.id);
  return users.filter((user) => {
    const held = groupsOf.get(user.id) ?? new Set<string>();
    return rule.type === 'ALL_GROUPS' ? wanted.every((id) => held.has(id)) : wanted.some((id) => held.has(id));
  });
}

/**
 * Whether a user is an "admin user" for ADMIN_USERS_ONLY [access]: assigned Organization Admin,
 * Environment Admin, Identity Data Admin or Client Application Developer. The role's name is looked
 * up in PingOne's built-in roles list [roles] (a custom role is not in it). The assignment must
 * reach this environment: the organization, this environment, or one of its populations (README
 * "Who gets a license"); another environment or a single application does not.
 */
export function isAdminUser(dir: Directory, userId: string): boolean {
  const adminNames = new Set(['Organization Admin', 'Environment Admin', 'Identity Data Admin', 'Client Application Developer']);
  const nameOf = new Map(BUILT_IN_ROLES.map((role) => [role.id, role.name]));
  const populationIds = new Set(dir.populations.map((population) => population.id));
  // role and scope are required fields of a RoleAssignment: one without them assigns nothing.
  const reachesHere = ({ scope }: SimRoleAssignment) =>
    scope?.type === 'ORGANIZATION' ||
    (scope?.type === 'ENVIRONMENT' && scope.id === dir.environmentId) ||
    (scope?.type === 'POPULATION' && populationIds.has(scope.id));
  return (dir.roleAssignments.get(userId) ?? []).some(
    (assignment) => adminNames.has(nameOf.get(assignment.role?.id) ?? '') && reachesHere(assignment),
  );
}

/**
 * License names [readme]: "one license per app with unique names". Among the licenses the file
 * holds, colliding names are ordered by app id; the first keeps the name, later ones get
 * ` (<app id>)`. An app that gets no license in this file claims no name.
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

/** Whether an application is a license at all (before who may use it is decided). */
export function isLicensable(application: SimApplication): boolean {
  return noLicenseReason(application) === undefined;
}
