// Each access rule at its edge, against the simulator, in a directory made by hand: application
// types, admin roles by name and scope, empty and unreadable group rules, license name clashes
// (an admin-only app left out claims no name), duplicate emails by case, email-shaped usernames,
// disabled over locked over unverified, a user re-created under a new id with the same email.
// The oracle (test/oracle/expected.ts) is written from PingOne's docs; the sync must match it exactly.
import { randomUUID } from 'node:crypto';
import type { Directory, SimApplication, SimRoleAssignment, SimUser } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { CUSTOM_ROLE_ID, roleId, type BuiltInRoleName, type RoleScopeType } from '../sim/pingone-roles';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

const ENV = randomUUID();
const OTHER_ENV = randomUUID();

function user(id: string, fields: Partial<SimUser> = {}): SimUser {
  return {
    id,
    username: fields.email ?? `${id}-login`,
    email: `${id}@example.com`,
    name: { given: id.toUpperCase(), family: 'Test' },
    enabled: true,
    account: { status: 'OK', canAuthenticate: true },
    lifecycle: { status: 'ACCOUNT_OK' },
    population: { id: 'pop-staff' },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...fields,
  };
}

function app(id: string, name: string, type: string, fields: Partial<SimApplication> = {}): SimApplication {
  return { id, name, type, protocol: 'OPENID_CONNECT', enabled: true, ...fields };
}

function assigned(role: BuiltInRoleName | 'custom', type: RoleScopeType, scopeId: string): SimRoleAssignment {
  return {
    id: randomUUID(),
    role: { id: role === 'custom' ? CUSTOM_ROLE_ID : roleId(role) },
    scope: { id: scopeId, type },
    environment: { id: ENV },
    readOnly: false,
  };
}

const adminOnly = { role: { type: 'ADMIN_USERS_ONLY' as const } };

function handMadeDirectory(): Directory {
  const admins = ['u10', 'u11', 'u12', 'u13', 'u14', 'u15', 'u16', 'u17', 'u18'];
  return {
    environmentId: ENV,
    organizationId: 'org-1',
    populations: [
      { id: 'pop-staff', name: 'Staff', default: true },
      { id: 'pop-partners', name: 'Partners', default: false },
    ],
    users: [
      user('u01', { email: 'ann@x.com' }),
      // One address in another case: the larger id is skipped as duplicateEmail.
      user('u02', { email: 'ANN@X.COM' }),
      user('u03', { enabled: false, account: { status: 'LOCKED', canAuthenticate: false } }),
      user('u04', { account: { status: 'LOCKED', canAuthenticate: false } }),
      user('u05', { lifecycle: { status: 'VERIFICATION_REQUIRED' } }),
      user('u06', { email: undefined, username: 'six@example.org' }),
      user('u07', { email: undefined, username: 'seven@.example.org' }),
      user('u08', { email: undefined, username: 'eight@example.org.' }),
      user('u09', { email: '', username: 'nine' }),
      ...admins.map((id) => user(id, { population: { id: id === 'u11' ? 'pop-partners' : 'pop-staff' } })),
      // Only ASCII letters fold: these two are different addresses, both sent.
      user('u22', { email: 'ÅSA@x.com' }),
      user('u23', { email: 'åsa@x.com' }),
      user('u20', { email: 'rex@x.com' }),
      user('u21', { email: 'gone@x.com' }),
    ],
    groups: [
      { id: 'g-admins', name: 'Admins', parentIds: [] },
      { id: 'g-staff', name: 'Staff', parentIds: [], userFilter: 'population.id eq "pop-staff"' },
      // No name: a record the sync cannot use, reported, never silently dropped.
      { id: 'g-nameless', name: undefined as unknown as string, parentIds: [] },
    ],
    members: new Map([
      ['g-admins', new Set([...admins, 'u01'])],
      ['g-staff', new Set(['u01', 'u04', 'u05', 'u10'])],
    ]),
    applications: [
      app('a00', 'Wiki', 'WEB_APP', { enabled: false }),
      app('a01', 'Wiki', 'WEB_APP'),
      app('a02', 'Billing Daemon', 'SERVICE'),
      app('a03', 'Sync Worker', 'WORKER'),
      app('a04', 'PingOne Admin Console', 'PING_ONE_ADMIN_CONSOLE'),
      app('a05', 'PingOne Application Portal', 'PING_ONE_PORTAL'),
      app('a06', 'PingOne Self-Service - MyAccount', 'PING_ONE_SELF_SERVICE'),
      app('a07', 'Intranet', 'CUSTOM_APP', { protocol: 'WS_FED' }),
      app('a08', 'Salesforce', 'TEMPLATE_APP', { protocol: 'SAML' }),
      app('a09', 'Benefits', 'PORTAL_LINK_APP', { protocol: 'EXTERNAL_LINK', homePageUrl: 'https://benefits.example.com/' }),
      app('a10', 'Mobile', 'NATIVE_APP', { accessControl: { group: { type: 'ALL_GROUPS', groups: [{ id: 'g-staff' }, { id: 'g-admins' }] } } }),
      app('a11', 'Dashboard', 'SINGLE_PAGE_APP', { accessControl: { group: { type: 'ANY_GROUP', groups: [{ id: 'g-staff' }] } } }),
      app('a12', 'Admin Tools', 'SINGLE_PAGE_APP', { accessControl: { ...adminOnly, group: { type: 'ANY_GROUP', groups: [{ id: 'g-admins' }] } } }),
      app('a13', 'Retired', 'WEB_APP', { accessControl: { group: { type: 'ANY_GROUP', groups: [] } } }),
      app('a14', 'Retired Too', 'WEB_APP', { accessControl: { group: { type: 'ALL_GROUPS', groups: [] } } }),
      app('a15', 'Future', 'QUANTUM_APP'),
      app('a16', 'Unreadable', 'WEB_APP', { accessControl: { group: { type: 'SOME_GROUPS' as 'ANY_GROUP', groups: [{ id: 'g-staff' }] } } }),
      app('a17', 'Dup', 'WEB_APP'),
      app('a18', 'Dup', 'WEB_APP', { accessControl: { group: { type: 'ANY_GROUP', groups: [{ id: 'g-staff' }] } } }),
      // Every user is a candidate: past the lookup limit, so left out, and "Ops" goes to a20 alone.
      app('a19', 'Ops', 'WEB_APP', { accessControl: adminOnly }),
      app('a20', 'Ops', 'WEB_APP'),
    ],
    roleAssignments: new Map<string, SimRoleAssignment[]>([
      ['u10', [assigned('Environment Admin', 'ENVIRONMENT', ENV)]],
      ['u11', [assigned('Identity Data Admin', 'POPULATION', 'pop-partners')]],
      ['u12', [assigned('Organization Admin', 'ORGANIZATION', 'org-1')]],
      ['u13', [assigned('Client Application Developer', 'ENVIRONMENT', ENV)]],
      ['u14', [assigned('Identity Data Read Only', 'ENVIRONMENT', ENV), assigned('Application Owner', 'APPLICATION', 'a12'), assigned('custom', 'ENVIRONMENT', ENV)]],
      ['u15', [assigned('Environment Admin', 'ENVIRONMENT', OTHER_ENV)]],
      ['u16', [assigned('Help Desk Admin', 'ENVIRONMENT', ENV)]],
      ['u17', [assigned('Identity Data Admin', 'POPULATION', 'pop-of-another-environment')]],
      // An assignment without role or scope: no role at all.
      ['u18', [{} as SimRoleAssignment]],
    ]),
  };
}

describe('access rules at their edges', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;

  beforeAll(async () => {
    directory = handMadeDirectory();
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-Rules4Edges', environmentId: ENV, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client] }, env: { PINGONE_ADMIN_LOOKUP_LIMIT: '12' } });
  });
  afterAll(() => h?.close());

  it('sends exactly what the documented rules say, and names everything it skipped', async () => {
    const id = connectionId('rules');
    const result = await h.sync(h.input(id, client, directory));
    const expected = expectedToriiFile(directory, { adminLookupLimit: 12 });
    const file = h.torii.syncs[0].file as ToriiFile;
    expect(sortedFile(file)).toEqual(sortedFile(expected.file));

    // The rules, spelled out on the file itself so a shared mistake of oracle and code shows.
    const license = (name: string) => file.licenses.find((l) => l.name === name);
    const names = file.licenses.map((l) => l.name).sort();
    expect(names).toEqual(['Admin Tools', 'Benefits', 'Dashboard', 'Dup', 'Dup (a18)', 'Intranet', 'Mobile', 'Ops', 'Retired', 'Retired Too', 'Salesforce', 'Wiki']);
    expect(license('Admin Tools')?.users.map((u) => u.email).sort()).toEqual(['u10@example.com', 'u11@example.com', 'u12@example.com', 'u13@example.com']);
    expect(license('Retired')?.users).toEqual([]);
    expect(license('Retired Too')?.users).toEqual([]);
    expect(license('Mobile')?.users.map((u) => u.email)).toEqual(['ann@x.com', 'u10@example.com']);
    const status = (userId: string) => file.users.find((u) => u.id === userId)?.externalStatus;
    expect([status('u03'), status('u04'), status('u05')]).toEqual(['disabled', 'locked', 'verification-required']);
    expect(license('Dashboard')?.users).toContainEqual({ email: 'u05@example.com', licenseStatus: 'inactive' });
    expect(file.users.map((u) => u.id)).toEqual(expect.arrayContaining(['u06', 'u22', 'u23']));
    expect(expected.skippedUserIds).toEqual({ noEmail: ['u07', 'u08', 'u09'], duplicateEmail: ['u02'] });

    expect(result).toMatchObject({
      usersActive: expected.counts.active,
      usersDisabled: 1,
      usersLocked: 1,
      usersVerificationRequired: 1,
      usersSkipped: { noEmail: 3, duplicateEmail: 1, malformedRecord: 0 },
      recordsSkipped: {
        applications: { malformedRecord: 1, disabled: 1, notLicensedType: 5, unknownType: 1, adminLookupLimit: 1 },
        groups: { malformedRecord: 1 },
        populations: { malformedRecord: 0 },
        groupMembers: { malformedRecord: 0 },
        groupParents: { malformedRecord: 0 },
      },
      applications: expected.file.licenses.length,
    });
    expect(expected.skippedApplications).toEqual({
      malformedRecord: ['a16'], disabled: ['a00'], notLicensedType: ['a02', 'a03', 'a04', 'a05', 'a06'], unknownType: ['a15'], adminLookupLimit: ['a19'],
    });
    // Every skipped record is named: the expected warnings, plus the one for the nameless group.
    expect(result.warnings).toHaveLength(expected.warnings + 1);
    const warned = (...ids: string[]) => expect(result.warnings.some((w) => ids.every((i) => w.includes(i)))).toBe(true);
    warned('g-nameless');
    warned('a16');
    warned('a00');
    warned('a02', 'a03', 'a04', 'a05', 'a06');
    warned('a15');
    warned('a13');
    warned('a14');
    warned('"Ops" (a19)', '22 requests', 'PINGONE_ADMIN_LOOKUP_LIMIT');

    // One GET /roles for the sync, one role-assignment read per admin-only candidate.
    const byKind = (kind: string) => h.pingone.requests.filter((r) => r.kind === kind).length;
    expect(byKind('roles')).toBe(1);
    expect(byKind('roleAssignments')).toBe(10);
  });

  it('retries as the official SDK does: a 501 and a 400 whose code is UNEXPECTED_ERROR', async () => {
    const from = h.pingone.requests.length;
    h.pingone.faults.add({ kind: 'roles', respond: { status: 400, body: { id: randomUUID(), code: 'UNEXPECTED_ERROR', message: 'An unexpected error occurred.' } } });
    h.pingone.faults.add({ kind: 'roleAssignments', respond: { status: 501, body: { id: randomUUID(), code: 'NOT_IMPLEMENTED', message: 'Not implemented.' } } });
    try {
      await h.sync(h.input(connectionId('sdk-retries'), client, directory));
    } finally {
      h.pingone.faults.clear();
    }
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expectedToriiFile(directory, { adminLookupLimit: 12 }).file));
    const answered = h.pingone.requests.slice(from).filter((r) => r.kind === 'roles' || r.kind === 'roleAssignments').map((r) => `${r.kind} ${r.status}`);
    expect(answered.filter((a) => a === 'roles 400')).toHaveLength(1);
    expect(answered.filter((a) => a === 'roleAssignments 501')).toHaveLength(1);
    // The roles list is read once however often a batch is retried.
    expect(answered.filter((a) => a === 'roles 200')).toHaveLength(1);
  });

  it('counts and names a group member and a parent-group entry it cannot read', async () => {
    const addRecord = (collection: string, record: unknown) => (body: unknown) => {
      const page = body as { _embedded: Record<string, unknown[]> };
      return { ...page, _embedded: { ...page._embedded, [collection]: [...page._embedded[collection], record] } };
    };
    h.pingone.faults.add({ kind: 'members', respond: { edit: addRecord('users', { username: 'member-without-id' }) } });
    h.pingone.faults.add({ kind: 'groupParents', respond: { edit: addRecord('groupMemberships', { id: '', name: 'parent with an empty id' }) } });
    let result;
    try {
      result = await h.sync(h.input(connectionId('entries'), client, directory));
    } finally {
      h.pingone.faults.clear();
    }
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expectedToriiFile(directory, { adminLookupLimit: 12 }).file));
    expect(result.recordsSkipped).toMatchObject({ groupMembers: { malformedRecord: 1 }, groupParents: { malformedRecord: 1 } });
    expect(result.warnings.filter((w) => w.includes('group member entr') || w.includes('group parent entr'))).toEqual([
      expect.stringContaining('1 group member entry'),
      expect.stringContaining('1 group parent entry'),
    ]);
  });

  it('does not send a user re-created under a new id with the same email as deleted', async () => {
    const id = connectionId('recreated');
    await h.sync(h.input(id, client, directory));
    const first = h.torii.syncs[h.torii.syncs.length - 1].file as ToriiFile;
    const dir = handMadeDirectory();
    dir.users = dir.users.filter((u) => u.id !== 'u20' && u.id !== 'u21');
    dir.users.push(user('u19', { email: 'Rex@X.com' }));
    h.pingone.settings.environments = [dir];
    try {
      await h.sync(h.input(id, client, dir));
      const second = h.torii.syncs[h.torii.syncs.length - 1].file as ToriiFile;
      const expected = expectedToriiFile(dir, { adminLookupLimit: 12, previouslySent: first.users });
      expect(sortedFile(second)).toEqual(sortedFile(expected.file));
      expect(second.users.filter((u) => u.status === 'deleted').map((u) => u.id)).toEqual(['u21']);
      expect(second.users.find((u) => u.id === 'u19')?.email).toBe('Rex@X.com');
    } finally {
      h.pingone.settings.environments = [directory];
    }
  });
});
