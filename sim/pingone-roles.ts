// PingOne's built-in admin roles as `GET /v1/roles` lists them (organization level, not under an
// environment): every name of the OpenAPI's EnumRoleName, each with a fixed id, its `applicableTo`
// scopes and a description. Custom roles live in an environment (`/environments/{id}/roles`) and
// are never in this list, so a custom role's id resolves to no built-in name.
import { hashSeed, randomUuid, seededRandom } from './random';

export type RoleScopeType = 'ORGANIZATION' | 'ENVIRONMENT' | 'POPULATION' | 'APPLICATION';

export interface SimRole {
  id: string;
  name: string;
  description: string;
  applicableTo: RoleScopeType[];
}

/** EnumRoleName, in the spec's order. */
export const BUILT_IN_ROLE_NAMES = [
  'Authorize Gateway Policy Evaluator',
  'Advanced Identity Cloud Super Admin',
  'Advanced Identity Cloud Tenant Admin',
  'Application Owner',
  'Client Application Developer',
  'Configuration Read Only',
  'Custom Roles Admin',
  'DaVinci Admin Read Only',
  'DaVinci Admin',
  'Environment Admin',
  'Help Desk Admin',
  'Identity Data Admin',
  'Identity Data Read Only',
  'Organization Admin',
  'PingFederate Administrator',
  'PingFederate Auditor',
  'PingFederate Crypto Administrator',
  'PingFederate Expression Administrator',
  'PingFederate User Administrator',
] as const;

export type BuiltInRoleName = (typeof BUILT_IN_ROLE_NAMES)[number];

function scopesOf(name: BuiltInRoleName): RoleScopeType[] {
  if (name === 'Organization Admin') return ['ORGANIZATION'];
  if (name === 'Environment Admin') return ['ORGANIZATION', 'ENVIRONMENT'];
  if (name === 'Identity Data Admin' || name === 'Identity Data Read Only' || name === 'Help Desk Admin') return ['ENVIRONMENT', 'POPULATION'];
  if (name === 'Application Owner') return ['APPLICATION'];
  return ['ENVIRONMENT'];
}

export const BUILT_IN_ROLES: SimRole[] = BUILT_IN_ROLE_NAMES.map((name) => ({
  id: randomUuid(seededRandom(hashSeed(`built-in-role:${name}`))),
  name,
  description: `${name} (built-in)`,
  applicableTo: scopesOf(name),
}));

export function roleId(name: BuiltInRoleName): string {
  return (BUILT_IN_ROLES.find((role) => role.name === name) as SimRole).id;
}

/** A custom role's id (an environment-level role, absent from GET /v1/roles). */
export const CUSTOM_ROLE_ID = randomUuid(seededRandom(hashSeed('custom-role:Directory Viewer')));
