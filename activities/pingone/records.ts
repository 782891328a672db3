// PingOne's resources as this sync reads them: a lenient schema per resource (extra and custom
// attributes pass; a record without what the sync needs is skipped and counted, never fatal) and
// the plain row each becomes in the store. The schemas strip what they do not name instead of
// copying it (z.object, not z.looseObject): a row reads only the named fields, and copying every
// other attribute of 200 records a page was a good part of the worker's CPU per page.
import { z } from 'zod';

const id = z.string().min(1).max(128);
const optionalText = z.string().max(1024).optional().catch(undefined);

const UserRecord = z.object({
  id,
  username: z.string().max(1024).optional().catch(undefined),
  email: optionalText,
  name: z
    .object({ given: optionalText, family: optionalText })
    .optional()
    .catch(undefined),
  enabled: z.boolean().optional().catch(undefined),
  account: z.object({ status: z.string().optional().catch(undefined) }).optional().catch(undefined),
  // ACCOUNT_OK or VERIFICATION_REQUIRED (OpenAPI EnumUserLifecycleStatus).
  lifecycle: z.object({ status: z.string().optional().catch(undefined) }).optional().catch(undefined),
  population: z.object({ id: z.string().optional().catch(undefined) }).optional().catch(undefined),
  lastSignOn: z.object({ at: z.string().optional().catch(undefined) }).optional().catch(undefined),
});

const GroupRecord = z.object({ id, name: z.string().max(1024) });
// A member or parent page needs only ids: its records are checked for an id and nothing else.
const ParentGroupRecord = z.object({ id });
const MemberRecord = z.object({ id });
const PopulationRecord = z.object({
  id,
  name: z.string().max(1024),
  userCount: z.number().int().nonnegative().optional().catch(undefined),
});
const ApplicationRecord = z.object({
  id,
  name: z.string().max(1024),
  type: z.string().max(64),
  enabled: z.boolean().optional().catch(undefined),
  accessControl: z
    .object({
      role: z.object({ type: z.string() }).optional().catch(undefined),
      // The spec requires `type` and `groups` and sets no minimum count (Application_accessControl_group):
      // an empty list is kept (it admits nobody, store/access.ts); an unknown type skips the record.
      group: z
        .object({
          type: z.enum(['ANY_GROUP', 'ALL_GROUPS']),
          groups: z.array(z.object({ id })),
        })
        .optional(),
    })
    .optional(),
});
/** `{id, role:{id}, scope:{id, type}}`; both `role.id` and `scope` are required (RoleAssignment_role, RoleAssignment_scope). */
const RoleAssignmentRecord = z.object({
  role: z.object({ id }),
  scope: z.object({ id, type: z.string().max(64) }),
});
/** A role of `GET /roles` (Role): its id and its name (EnumRoleName). */
const RoleRecord = z.object({ id, name: z.string().max(1024) });

export interface UserRow {
  user_id: string;
  username: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  enabled: boolean;
  locked: boolean;
  verification_required: boolean;
  population_id: string | null;
  last_sign_on: string | null;
}
export interface GroupRow { group_id: string; name: string }
export interface PopulationRow { population_id: string; name: string; user_count: number | null }
export interface ApplicationRow {
  app_id: string;
  name: string;
  type: string;
  enabled: boolean;
  admin_only: boolean;
  group_rule: 'ANY_GROUP' | 'ALL_GROUPS' | null;
  group_ids: string[];
}

export function toUserRow(raw: unknown): UserRow | undefined {
  const parsed = UserRecord.safeParse(raw);
  if (!parsed.success) return undefined;
  const u = parsed.data;
  return {
    user_id: u.id,
    username: u.username ?? null,
    email: u.email ?? null,
    first_name: u.name?.given ?? null,
    last_name: u.name?.family ?? null,
    // PingOne omits nothing here in practice; a record without `enabled` is taken as enabled.
    enabled: u.enabled !== false,
    locked: u.account?.status === 'LOCKED',
    verification_required: u.lifecycle?.status === 'VERIFICATION_REQUIRED',
    population_id: u.population?.id ?? null,
    last_sign_on: u.lastSignOn?.at && !Number.isNaN(Date.parse(u.lastSignOn.at)) ? u.lastSignOn.at : null,
  };
}

export function toGroupRow(raw: unknown): GroupRow | undefined {
  const parsed = GroupRecord.safeParse(raw);
  return parsed.success ? { group_id: parsed.data.id, name: parsed.data.name } : undefined;
}

export function toParentId(raw: unknown): string | undefined {
  const parsed = ParentGroupRecord.safeParse(raw);
  return parsed.success ? parsed.data.id : undefined;
}

export function toMemberId(raw: unknown): string | undefined {
  const parsed = MemberRecord.safeParse(raw);
  return parsed.success ? parsed.data.id : undefined;
}

export function toPopulationRow(raw: unknown): PopulationRow | undefined {
  const parsed = PopulationRecord.safeParse(raw);
  return parsed.success
    ? { population_id: parsed.data.id, name: parsed.data.name, user_count: parsed.data.userCount ?? null }
    : undefined;
}

export function toApplicationRow(raw: unknown): ApplicationRow | undefined {
  const parsed = ApplicationRecord.safeParse(raw);
  if (!parsed.success) return undefined;
  const a = parsed.data;
  return {
    app_id: a.id,
    name: a.name,
    type: a.type,
    enabled: a.enabled !== false,
    admin_only: a.accessControl?.role?.type === 'ADMIN_USERS_ONLY',
    group_rule: a.accessControl?.group?.type ?? null,
    group_ids: a.accessControl?.group?.groups.map((g) => g.id) ?? [],
  };
}

export interface RoleAssignment {
  roleId: string;
  scopeType: string;
  scopeId: string;
}

export function toRoleAssignment(raw: unknown): RoleAssignment | undefined {
  const parsed = RoleAssignmentRecord.safeParse(raw);
  return parsed.success ? { roleId: parsed.data.role.id, scopeType: parsed.data.scope.type, scopeId: parsed.data.scope.id } : undefined;
}

export function toRole(raw: unknown): { id: string; name: string } | undefined {
  const parsed = RoleRecord.safeParse(raw);
  return parsed.success ? { id: parsed.data.id, name: parsed.data.name } : undefined;
}

/** A skipped record's id for a warning, when it has a readable one. */
export function recordIdOf(raw: unknown): string {
  const value = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  return typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : '(no id)';
}
