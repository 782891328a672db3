// The simulated directory's records as plain data: users, populations, groups, applications and
// role assignments, shaped after PingOne's. generateDirectory (directory.ts) makes them; the
// simulators serve them.
import type { RoleScopeType } from './pingone-roles';

export interface SimUser {
  id: string;
  username: string;
  email?: string;
  name: { given?: string; family?: string; formatted?: string };
  enabled: boolean;
  account: { status: 'OK' | 'LOCKED'; canAuthenticate: boolean };
  /** EnumUserLifecycleStatus. */
  lifecycle: { status: 'ACCOUNT_OK' | 'VERIFICATION_REQUIRED' };
  population: { id: string };
  lastSignOn?: { at: string; remoteIp: string };
  createdAt: string;
  updatedAt: string;
}
export interface SimPopulation { id: string; name: string; default: boolean }
/**
 * parentIds: the groups this group is a member of (nesting). A dynamic group carries its SCIM
 * `userFilter`, an external one its `sourceType` (EnumGroupSourceType); members are listed alike.
 */
export interface SimGroup {
  id: string;
  name: string;
  population?: { id: string };
  parentIds: string[];
  userFilter?: string;
  sourceType?: 'GATEWAY' | 'IDP';
}
/** EnumApplicationType. */
export type SimApplicationType =
  | 'WEB_APP' | 'NATIVE_APP' | 'SINGLE_PAGE_APP' | 'WORKER' | 'SERVICE' | 'CUSTOM_APP'
  | 'PING_ONE_SELF_SERVICE' | 'PING_ONE_ADMIN_CONSOLE' | 'PING_ONE_PORTAL' | 'TEMPLATE_APP' | 'PORTAL_LINK_APP';
/** EnumApplicationProtocol. */
export type SimApplicationProtocol = 'OPENID_CONNECT' | 'SAML' | 'WS_FED' | 'EXTERNAL_LINK';
export interface SimApplication {
  id: string;
  name: string;
  /** A string outside the enum stands for a type PingOne adds later. */
  type: SimApplicationType | (string & {});
  protocol: SimApplicationProtocol;
  enabled: boolean;
  accessControl?: {
    role?: { type: 'ADMIN_USERS_ONLY' };
    group?: { type: 'ANY_GROUP' | 'ALL_GROUPS'; groups: { id: string }[] };
  };
  /** PORTAL_LINK_APP (ApplicationExternalLink). */
  homePageUrl?: string;
}
/** A user's role assignment as GET .../users/{id}/roleAssignments answers it (RoleAssignment). */
export interface SimRoleAssignment {
  id: string;
  role: { id: string };
  scope: { id: string; type: RoleScopeType };
  environment: { id: string };
  readOnly: boolean;
}
export interface Directory {
  environmentId: string;
  /** The organization holding the environment: the id of ORGANIZATION-scoped role assignments. */
  organizationId: string;
  populations: SimPopulation[];
  users: SimUser[];
  groups: SimGroup[];
  /** groupId -> DIRECT member user ids. */
  members: Map<string, Set<string>>;
  applications: SimApplication[];
  /** userId -> the user's role assignments (built-in and custom roles, every scope type). */
  roleAssignments: Map<string, SimRoleAssignment[]>;
}
