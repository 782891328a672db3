// Who PingOne counts as an admin user for an application with `accessControl.role.type =
// ADMIN_USERS_ONLY`. Pure: the role names come from `GET /roles`, the assignments from
// `GET /environments/{envId}/users/{userId}/roleAssignments`.
//
// PingOne's OpenAPI (EnumApplicationAccessControlType) and "Control access to applications through
// roles and groups" (developer.pingidentity.com, PingOne Platform APIs): the actor must hold one or
// more of Organization Admin, Environment Admin, Identity Data Admin or Client Application Developer.
// Any other built-in role (Identity Data Read Only, Application Owner, Help Desk Admin, …) and every
// custom role does not count.
import type { RoleAssignment } from './records';

/** The built-in role names (EnumRoleName) that make a user an admin user. */
export const ADMIN_ROLE_NAMES = ['Organization Admin', 'Environment Admin', 'Identity Data Admin', 'Client Application Developer'];

/** The ids, among `GET /roles`'s roles, of the four admin roles. */
export function adminRoleIds(roles: { id: string; name: string }[]): string[] {
  return roles.filter((role) => ADMIN_ROLE_NAMES.includes(role.name)).map((role) => role.id);
}

export interface AdminScope {
  environmentId: string;
  /** This environment's populations: an assignment scoped to one of them is inside this environment. */
  populationIds: ReadonlySet<string>;
}

/**
 * An assignment makes its holder an admin here when its role is one of the four and its scope
 * reaches this environment: the organization (which holds every environment), this environment,
 * or one of this environment's populations (PingOne's docs: an Identity Data Admin "for a
 * particular population" administers identities of that population, and the access-control rule
 * names roles, not scopes). A role scoped to another environment, to another environment's
 * population, or to a single application does not make its holder an admin of this environment.
 */
export function isAdminAssignment(assignment: RoleAssignment, adminIds: ReadonlySet<string>, scope: AdminScope): boolean {
  if (!adminIds.has(assignment.roleId)) return false;
  switch (assignment.scopeType) {
    case 'ORGANIZATION':
      return true;
    case 'ENVIRONMENT':
      return assignment.scopeId === scope.environmentId;
    case 'POPULATION':
      return scope.populationIds.has(assignment.scopeId);
    default:
      return false;
  }
}
