// PingOne's records as the sync reads them: the spec's own example objects (test/fixtures, copied
// from the OpenAPI description with their source named) through the record parsers; who counts as
// an admin user by role name and scope; which answers are retried as the official SDK retries them;
// and that every request path the sync builds carries only parameters the spec lists.
import examples from './fixtures/pingone-openapi-examples.json';
import { adminRoleIds, isAdminAssignment, ADMIN_ROLE_NAMES } from '../activities/pingone/admin-roles';
import { classifyApiAnswer, type ClassifyContext } from '../activities/pingone/classify';
import { LISTINGS } from '../activities/pingone/listings';
import { recordIdOf, toApplicationRow, toGroupRow, toParentId, toPopulationRow, toRole, toRoleAssignment, toUserRow } from '../activities/pingone/records';

describe("the OpenAPI's example objects through the record parsers", () => {
  it('reads the User example: every field the sync uses, enum placeholders (null) taken as absent', () => {
    expect(toUserRow(examples.User)).toEqual({
      user_id: 'id',
      username: 'username',
      email: 'email',
      first_name: 'given',
      last_name: 'family',
      enabled: true,
      // account.status and lifecycle.status are null in the example: neither LOCKED nor VERIFICATION_REQUIRED.
      locked: false,
      verification_required: false,
      population_id: 'id',
      last_sign_on: '2000-01-23T04:56:07.000+00:00',
    });
  });

  it('reads the Group, Population and GroupMembership examples (dynamic userFilter and sourceType pass)', () => {
    expect(toGroupRow(examples.Group)).toEqual({ group_id: 'id', name: 'name' });
    expect(toPopulationRow(examples.Population)).toEqual({ population_id: 'id', name: 'name', user_count: 5 });
    expect(toParentId(examples.GroupMembership)).toBe('id');
  });

  it('skips the RoleAssignment and Role examples, whose required enums (scope.type, name) are null', () => {
    expect(toRoleAssignment(examples.RoleAssignment)).toBeUndefined();
    expect(toRoleAssignment({ ...examples.RoleAssignment, scope: { id: 'env-1', type: 'ENVIRONMENT' } })).toEqual({
      roleId: 'id', scopeType: 'ENVIRONMENT', scopeId: 'env-1',
    });
    expect(toRole(examples.Role)).toBeUndefined();
    expect(toRole({ ...examples.Role, name: 'Environment Admin' })).toEqual({ id: 'id', name: 'Environment Admin' });
    expect(toRoleAssignment({})).toBeUndefined();
  });
});

describe('application records', () => {
  const base = { id: 'a1', name: 'App', type: 'WEB_APP', protocol: 'WS_FED', enabled: true };

  it('keeps a group rule that lists no groups (the spec sets no minimum) and skips an unknown rule type', () => {
    expect(toApplicationRow({ ...base, accessControl: { group: { type: 'ANY_GROUP', groups: [] } } })).toMatchObject({ group_rule: 'ANY_GROUP', group_ids: [] });
    expect(toApplicationRow({ ...base, accessControl: { group: { type: 'SOME_GROUPS', groups: [{ id: 'g' }] } } })).toBeUndefined();
    expect(toApplicationRow({ ...base, type: 'PORTAL_LINK_APP', protocol: 'EXTERNAL_LINK', homePageUrl: 'https://x.example/' })).toMatchObject({ type: 'PORTAL_LINK_APP' });
    expect(recordIdOf({ id: 'a9', name: 3 })).toBe('a9');
    expect(recordIdOf({ name: 'no id' })).toBe('(no id)');
  });
});

describe('admin users (ADMIN_USERS_ONLY)', () => {
  const roles = [
    { id: 'r-org', name: 'Organization Admin' },
    { id: 'r-env', name: 'Environment Admin' },
    { id: 'r-ida', name: 'Identity Data Admin' },
    { id: 'r-cad', name: 'Client Application Developer' },
    { id: 'r-idro', name: 'Identity Data Read Only' },
    { id: 'r-owner', name: 'Application Owner' },
    { id: 'r-help', name: 'Help Desk Admin' },
  ];
  const ids = new Set(adminRoleIds(roles));
  const scope = { environmentId: 'env-1', populationIds: new Set(['pop-1']) };
  const admin = (roleId: string, scopeType: string, scopeId: string) => isAdminAssignment({ roleId, scopeType, scopeId }, ids, scope);

  it('admits exactly the four admin roles named in the docs', () => {
    expect(ADMIN_ROLE_NAMES).toEqual(['Organization Admin', 'Environment Admin', 'Identity Data Admin', 'Client Application Developer']);
    expect([...ids].sort()).toEqual(['r-cad', 'r-env', 'r-ida', 'r-org']);
    for (const other of ['r-idro', 'r-owner', 'r-help', 'a-custom-role']) expect(admin(other, 'ENVIRONMENT', 'env-1')).toBe(false);
  });

  it('counts the organization, this environment and its populations; not another environment or an application', () => {
    expect(admin('r-org', 'ORGANIZATION', 'org-1')).toBe(true);
    expect(admin('r-env', 'ENVIRONMENT', 'env-1')).toBe(true);
    expect(admin('r-ida', 'POPULATION', 'pop-1')).toBe(true);
    expect(admin('r-env', 'ENVIRONMENT', 'env-2')).toBe(false);
    expect(admin('r-ida', 'POPULATION', 'pop-of-env-2')).toBe(false);
    expect(admin('r-cad', 'APPLICATION', 'app-1')).toBe(false);
  });
});

describe('retries as the official SDK does them', () => {
  const ctx: ClassifyContext = {
    resource: 'users', host: 'api.pingone.com', customTokenUrl: false, adminTokenUrlHint: '', regionName: 'North America',
    environmentId: 'env-1', cursor: false,
  };
  it.each([408, 429, 500, 501, 502, 503, 504])('retries %i', (status) => {
    expect(classifyApiAnswer({ status, body: {}, headers: {} }, ctx).retryable).toBe(true);
  });
  it('retries any UNEXPECTED_ERROR, and not a plain 400', () => {
    expect(classifyApiAnswer({ status: 400, body: { code: 'UNEXPECTED_ERROR', message: 'x' }, headers: {} }, ctx).retryable).toBe(true);
    expect(classifyApiAnswer({ status: 400, body: { code: 'INVALID_DATA' }, headers: {} }, ctx).retryable).toBe(false);
  });
});

describe('query parameters the sync sends', () => {
  // From the OpenAPI: readAllUsers, readAllGroups take filter/limit/cursor; readGroupNesting and
  // readAllApplications and readAllPopulations' first pages need none beyond those listed.
  const documented: Record<string, string[]> = {
    users: ['filter', 'limit', 'cursor'],
    members: ['filter', 'limit', 'cursor'],
    groups: ['filter', 'limit', 'cursor'],
    populations: ['filter', 'limit', 'cursor'],
    applications: [],
    groupParents: [],
  };
  it.each(Object.keys(documented))('%s', (kind) => {
    const path = LISTINGS[kind as keyof typeof LISTINGS].path({ kind: kind as 'users', groupId: 'g-1', populationId: 'p-1', usernamePrefix: 'a' });
    const names = [...new URL(`https://api.example${path}`).searchParams.keys()];
    for (const name of names) expect(documented[kind]).toContain(name);
  });
});
