// The simulators and the oracle are test infrastructure: these tests pin the behaviour other
// tests rely on (paging, filters, token auth, faults, Torii uploads) and the oracle's rules on a
// directory small enough to work out by hand.
import { connect, rootCertificates, type ConnectionOptions } from 'node:tls';
import { Directory, addUsers, deleteUsers, generateDirectory } from '../sim/directory';
import { ToriiUser, expectedToriiFile } from './oracle/expected';
import { PingOneSimulator, SimClient, startPingOneSimulator } from '../sim/pingone';
import { BUILT_IN_ROLE_NAMES, roleId } from '../sim/pingone-roles';
import { ToriiSimulator, startToriiSimulator } from '../sim/torii';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A TLS handshake with a simulator on loopback: whether the certificate verified, and whom it names. */
function handshake(options: ConnectionOptions): Promise<{ authorized: boolean; error?: string; subject: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', rejectUnauthorized: false, ...options }, () => {
      resolve({ authorized: socket.authorized, error: socket.authorizationError?.toString(), subject: String(socket.getPeerCertificate().subject.CN) });
      socket.end();
    });
    socket.once('error', reject);
  });
}

async function getJson(url: string, token: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

describe('generated directory', () => {
  it('replays exactly from a seed and covers every access rule', () => {
    const a = generateDirectory({ seed: 42, users: 300 });
    const b = generateDirectory({ seed: 42, users: 300 });
    expect(JSON.stringify(a.users)).toBe(JSON.stringify(b.users));
    expect(a.applications.map((app) => app.id)).toEqual(b.applications.map((app) => app.id));

    const emails = a.users.flatMap((user) => (user.email ? [user.email.toLowerCase()] : []));
    expect(new Set(emails).size).toBe(emails.length);
    const types = a.applications.map((app) => app.type);
    // Every value of the OpenAPI's EnumApplicationType and EnumApplicationProtocol.
    for (const type of ['WEB_APP', 'NATIVE_APP', 'SINGLE_PAGE_APP', 'WORKER', 'SERVICE', 'CUSTOM_APP', 'PING_ONE_SELF_SERVICE', 'PING_ONE_ADMIN_CONSOLE', 'PING_ONE_PORTAL', 'TEMPLATE_APP', 'PORTAL_LINK_APP']) {
      expect(types).toContain(type);
    }
    expect(new Set(a.applications.map((app) => app.protocol))).toEqual(new Set(['OPENID_CONNECT', 'SAML', 'WS_FED', 'EXTERNAL_LINK']));
    expect(a.applications.some((app) => app.accessControl?.group?.groups.length === 0)).toBe(true);
    expect(a.groups.some((group) => group.userFilter !== undefined)).toBe(true);
    expect(a.groups.some((group) => group.sourceType === 'IDP')).toBe(true);
    expect(a.users.some((user) => user.lifecycle.status === 'VERIFICATION_REQUIRED')).toBe(true);
    const scopes = new Set([...a.roleAssignments.values()].flat().map((assignment) => assignment.scope.type));
    expect(scopes).toEqual(new Set(['ORGANIZATION', 'ENVIRONMENT', 'POPULATION', 'APPLICATION']));
    expect(a.applications.filter((app) => app.name === 'Expenses')).toHaveLength(2);
    expect(a.applications.some((app) => app.accessControl?.group?.type === 'ALL_GROUPS')).toBe(true);
    expect(a.applications.some((app) => app.accessControl?.role?.type === 'ADMIN_USERS_ONLY')).toBe(true);
    expect(a.applications.some((app) => !app.enabled)).toBe(true);

    const parentOf = new Map(a.groups.map((group) => [group.id, group.parentIds[0]]));
    const depth = (id: string | undefined): number => (id === undefined ? 0 : 1 + depth(parentOf.get(id)));
    expect(Math.max(...a.groups.map((group) => depth(group.id)))).toBe(3);
  });

  it('adds and deletes users without reusing ids or emails', () => {
    const dir = generateDirectory({ seed: 3, users: 50 });
    const gone = dir.users.slice(0, 5).map((user) => user.id);
    expect(deleteUsers(dir, gone)).toBe(5);
    const added = addUsers(dir, 20, 3);
    expect(dir.users).toHaveLength(65);
    expect(new Set(dir.users.map((user) => user.id)).size).toBe(65);
    expect(added.some((user) => gone.includes(user.id))).toBe(false);
    const emails = dir.users.flatMap((user) => (user.email ? [user.email.toLowerCase()] : []));
    expect(new Set(emails).size).toBe(emails.length);
    for (const members of dir.members.values()) for (const id of gone) expect(members.has(id)).toBe(false);
  });
});

describe('PingOne simulator', () => {
  let dir: Directory;
  let sim: PingOneSimulator;
  const clients: SimClient[] = [];

  beforeAll(async () => {
    dir = generateDirectory({ seed: 7, users: 537, groups: 10 });
    const environmentId = dir.environmentId;
    clients.push(
      { clientId: 'basic-client', clientSecret: 'b+s3cret/=', environmentId, authMethod: 'CLIENT_SECRET_BASIC' },
      { clientId: 'post-client', clientSecret: 'p-s3cret', environmentId, authMethod: 'CLIENT_SECRET_POST' },
      { clientId: 'scoped-client', clientSecret: 'x', environmentId, authMethod: 'CLIENT_SECRET_BASIC', populationIds: [dir.populations[1].id], deniedResources: ['applications'] },
    );
    sim = await startPingOneSimulator({ environments: [dir], clients, shortPages: true });
  });
  afterAll(() => sim.close());
  afterEach(() => sim.faults.clear());

  const tokenUrl = () => `${sim.authUrl}/${dir.environmentId}/as/token`;
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
  async function basicToken(clientId = 'basic-client', secret = 'b+s3cret/=', url = tokenUrl()): Promise<string> {
    const init = form({ grant_type: 'client_credentials' });
    const response = await fetch(url, { ...init, headers: { ...init.headers, ...basic(clientId, secret) } });
    expect(response.status).toBe(200);
    return ((await response.json()) as Json).access_token as string;
  }
  async function listAll(url: string, token: string, collection: string): Promise<{ items: Json[]; pages: number }> {
    const items: Json[] = [];
    let next: string | undefined = url;
    let pages = 0;
    while (next) {
      const { status, body } = await getJson(next, token);
      expect(status).toBe(200);
      items.push(...(body._embedded[collection] as Json[]));
      next = body._links.next?.href as string | undefined;
      pages += 1;
    }
    return { items, pages };
  }
  const usersUrl = (query = '') => `${sim.apiUrl}/environments/${dir.environmentId}/users${query}`;

  it('speaks HTTPS only, with a certificate for localhost this process trusts and no other does', async () => {
    const port = Number(new URL(sim.origin).port);
    expect(sim.origin).toBe(`https://localhost:${port}`);
    // Trusted through NODE_EXTRA_CA_CERTS (npm test sets it), as a worker trusts it.
    const trusted = await handshake({ port, servername: 'localhost' });
    expect(trusted).toMatchObject({ authorized: true, subject: 'localhost' });
    // Against the system's authorities alone, the self-signed certificate is refused.
    const systemOnly = await handshake({ port, servername: 'localhost', ca: rootCertificates as string[] });
    expect(systemOnly).toMatchObject({ authorized: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    // Plain HTTP on the same port gets no answer.
    await expect(fetch(`http://localhost:${port}/${dir.environmentId}/as/token`, { method: 'POST' })).rejects.toThrow();
  });

  it('refuses to start in a process that does not trust its certificate, saying how to start it', async () => {
    const trusted = process.env.NODE_EXTRA_CA_CERTS;
    try {
      delete process.env.NODE_EXTRA_CA_CERTS;
      await expect(startPingOneSimulator({ environments: [dir], clients })).rejects.toThrow(
        "this process does not trust the simulators' certificate: start it with NODE_EXTRA_CA_CERTS=.cache/simulator-tls/localhost.pem (as npm test, npm run demo and npm run bench do), not without it",
      );
    } finally {
      process.env.NODE_EXTRA_CA_CERTS = trusted;
    }
  });

  it('issues tokens by Basic and by POST, each only by its own method', async () => {
    expect(await basicToken()).toMatch(/^sim-at-/);

    const post = await fetch(tokenUrl(), form({ grant_type: 'client_credentials', client_id: 'post-client', client_secret: 'p-s3cret' }));
    expect(post.status).toBe(200);
    const postBody = (await post.json()) as Json;
    expect(postBody).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: '' });
    expect(sim.issuedTokens).toContain(postBody.access_token);

    const init = form({ grant_type: 'client_credentials' });
    const mismatch = await fetch(tokenUrl(), { ...init, headers: { ...init.headers, ...basic('post-client', 'p-s3cret') } });
    expect(mismatch.status).toBe(401);
    expect(((await mismatch.json()) as Json).error_description).toMatch(/^Request denied: Unsupported authentication method \(Correlation ID: [0-9a-f-]{36}\)$/);

    const wrong = await fetch(tokenUrl(), { ...init, headers: { ...init.headers, ...basic('basic-client', 'nope') } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'invalid_client', error_description: expect.stringMatching(/^Request denied: unknown client id \(Correlation ID: /) });

    const otherEnvironment = await fetch(`${sim.authUrl}/00000000-0000-4000-8000-000000000000/as/token`, { ...init, headers: { ...init.headers, ...basic('basic-client', 'b+s3cret/=') } });
    expect(((await otherEnvironment.json()) as Json).error_description).toMatch(/unknown client id/);
  });

  it('refuses revoked tokens and environments the client cannot read', async () => {
    const token = await basicToken();
    expect((await getJson(`${sim.apiUrl}/environments/${dir.environmentId}`, token)).body).toMatchObject({ id: dir.environmentId, region: 'NA' });
    const stranger = await getJson(`${sim.apiUrl}/environments/00000000-0000-4000-8000-000000000000/users`, token);
    expect(stranger.status).toBe(403);
    expect(stranger.body.details[0].code).toBe('INSUFFICIENT_PERMISSIONS');
    sim.revokeTokens();
    const revoked = await getJson(usersUrl(), token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('INVALID_TOKEN');
  });

  it('returns every user exactly once through next links, with short pages', async () => {
    const token = await basicToken();
    const { items, pages } = await listAll(usersUrl('?limit=50'), token, 'users');
    const ids = items.map((user) => user.id as string);
    expect(new Set(ids).size).toBe(dir.users.length);
    expect(ids).toEqual(dir.users.map((user) => user.id).sort());
    expect(pages).toBeGreaterThan(dir.users.length / 50);
    const userRequests = sim.requests.filter((record) => record.kind === 'users').length;
    expect(userRequests).toBeGreaterThanOrEqual(pages);
  });

  it('clamps the limit and rejects expired cursors', async () => {
    const token = await basicToken();
    sim.settings.shortPages = false;
    const first = await getJson(usersUrl('?limit=1000'), token);
    expect(first.body._embedded.users).toHaveLength(200);
    expect(first.body.count).toBe(dir.users.length);
    const next = first.body._links.next.href as string;
    expect(next).toMatch(/^https:\/\/localhost:\d+\/v1\/environments\/.+\/users\?limit=200&cursor=/);
    sim.expireCursors();
    const stale = await getJson(next, token);
    expect(stale.status).toBe(400);
    expect(stale.body.code).toBe('INVALID_DATA');
    sim.settings.shortPages = true;
  });

  it('filters by population, username prefix, both, and direct group membership', async () => {
    const token = await basicToken();
    const population = dir.populations[1].id;
    const byPopulation = await listAll(usersUrl(`?filter=${encodeURIComponent(`population.id eq "${population}"`)}`), token, 'users');
    expect(byPopulation.items.map((user) => user.id).sort()).toEqual(dir.users.filter((user) => user.population.id === population).map((user) => user.id).sort());

    const prefix = (users: Directory['users']) => users.filter((user) => user.username.startsWith('alice')).map((user) => user.id).sort();
    const byName = await listAll(usersUrl(`?filter=${encodeURIComponent('username sw "Alice"')}`), token, 'users');
    expect(byName.items.map((user) => user.id).sort()).toEqual(prefix(dir.users));
    const both = await listAll(usersUrl(`?filter=${encodeURIComponent(`population.id eq "${population}" and username sw "alice"`)}`), token, 'users');
    expect(both.items.map((user) => user.id).sort()).toEqual(prefix(dir.users.filter((user) => user.population.id === population)));

    const parent = dir.groups.find((group) => dir.groups.some((child) => child.parentIds.includes(group.id))) as Directory['groups'][number];
    const members = await listAll(usersUrl(`?limit=20&filter=${encodeURIComponent(`memberOfGroups[id eq "${parent.id}"]`)}`), token, 'users');
    expect(members.items.map((user) => user.id).sort()).toEqual([...(dir.members.get(parent.id) ?? [])].sort());
    expect(sim.requests.filter((record) => record.kind === 'members').length).toBe(members.pages);

    const bad = await getJson(usersUrl(`?filter=${encodeURIComponent('email co "x"')}`), token);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].code).toBe('INVALID_FILTER');
  });

  it('with a frozen directory answers filters as it does unfrozen, computing each filter once', async () => {
    const frozenDir = generateDirectory({ seed: 7, users: 537, groups: 10 });
    const frozen = await startPingOneSimulator({ environments: [frozenDir], clients, shortPages: true, frozenDirectory: true });
    try {
      const token = await basicToken();
      const frozenToken = await basicToken('basic-client', 'b+s3cret/=', `${frozen.authUrl}/${frozenDir.environmentId}/as/token`);
      const population = dir.populations[1].id;
      const filters = [`population.id eq "${population}"`, `population.id eq "${population}" and username sw "a"`, 'username sw "B"'];
      const ids = (listing: { items: Json[] }) => listing.items.map((user) => user.id);
      let pages = 0;
      for (const filter of filters) {
        const query = `?limit=30&filter=${encodeURIComponent(filter)}`;
        const fromFrozen = await listAll(`${frozen.apiUrl}/environments/${frozenDir.environmentId}/users${query}`, frozenToken, 'users');
        const unfrozen = await listAll(usersUrl(query), token, 'users');
        expect(ids(fromFrozen)).toEqual(ids(unfrozen));
        // Each user serialized once (a frozen directory's RawJson) reads as the same record.
        expect(fromFrozen.items).toEqual(unfrozen.items);
        expect(fromFrozen.items.length).toBeGreaterThan(0);
        pages += fromFrozen.pages;
      }
      expect(pages).toBeGreaterThan(filters.length); // cursors into the memoized lists were followed
      // The contract: a frozen directory is not re-read, so an edit after the first listing is not seen.
      const query = `?filter=${encodeURIComponent('username sw "B"')}`;
      const before = await listAll(`${frozen.apiUrl}/environments/${frozenDir.environmentId}/users${query}`, frozenToken, 'users');
      frozenDir.users.find((user) => user.id === before.items[0].id)!.username = 'zz-renamed';
      const after = await listAll(`${frozen.apiUrl}/environments/${frozenDir.environmentId}/users${query}`, frozenToken, 'users');
      expect(ids(after)).toEqual(ids(before));
    } finally {
      await frozen.close();
    }
  });

  it('with a frozen directory reads a user by id as it does unfrozen, a population-scoped role seeing its own users only', async () => {
    const own = generateDirectory({ seed: 11, users: 240, groups: 6 });
    const inside = own.populations[0].id;
    const ownClients: SimClient[] = [
      { clientId: 'own-full', clientSecret: 'f', environmentId: own.environmentId, authMethod: 'CLIENT_SECRET_BASIC' },
      { clientId: 'own-scoped', clientSecret: 's', environmentId: own.environmentId, authMethod: 'CLIENT_SECRET_BASIC', populationIds: [inside] },
    ];
    // Holders of role assignments on both sides of the scope, a user holding none, and an id no user has.
    const holders = [...own.roleAssignments.keys()];
    const byId = new Map(own.users.map((user) => [user.id, user]));
    const pick = (isInside: boolean) => holders.find((id) => (byId.get(id)?.population.id === inside) === isInside) as string;
    const ids = [pick(true), pick(false), own.users.find((user) => !own.roleAssignments.has(user.id))!.id, '00000000-0000-4000-8000-000000000000'];
    const answers: Record<string, { status: number; assignments?: Json[] }[]> = {};
    for (const frozenDirectory of [false, true]) {
      const server = await startPingOneSimulator({ environments: [own], clients: ownClients, frozenDirectory });
      try {
        const url = `${server.authUrl}/${own.environmentId}/as/token`;
        for (const client of ownClients) {
          const token = await basicToken(client.clientId, client.clientSecret, url);
          const key = `${client.clientId} ${frozenDirectory ? 'frozen' : 'unfrozen'}`;
          answers[key] = [];
          for (const id of ids) {
            const { status, body } = await getJson(`${server.apiUrl}/environments/${own.environmentId}/users/${id}/roleAssignments`, token);
            answers[key].push({ status, ...(status === 200 ? { assignments: body._embedded.roleAssignments as Json[] } : {}) });
          }
        }
      } finally {
        await server.close();
      }
    }
    // PingOne's answers, from the directory: a role reaching the user reads its assignments; one
    // scoped to other populations, or an unknown id, is answered 404.
    const expected = (scoped: boolean) =>
      ids.map((id) => {
        const user = byId.get(id);
        return user && (!scoped || user.population.id === inside) ? { status: 200, assignments: own.roleAssignments.get(id) ?? [] } : { status: 404 };
      });
    expect(answers['own-full unfrozen']).toEqual(expected(false));
    expect(answers['own-scoped unfrozen']).toEqual(expected(true));
    expect(answers['own-full frozen']).toEqual(expected(false));
    expect(answers['own-scoped frozen']).toEqual(expected(true));
    expect(expected(true).map((answer) => answer.status)).toEqual([200, 404, expect.any(Number), 404]);
  });

  it('serves group parents, role assignments, and honours a population-scoped role', async () => {
    const token = await basicToken();
    const child = dir.groups.find((group) => group.parentIds.length > 0) as Directory['groups'][number];
    const parents = await getJson(`${sim.apiUrl}/environments/${dir.environmentId}/groups/${child.id}/memberOfGroups`, token);
    expect(parents.body._embedded.groupMemberships.map((parent: Json) => parent.id).sort()).toEqual([...child.parentIds].sort());
    const [holder, assignments] = [...dir.roleAssignments.entries()][0];
    const roles = await getJson(`${sim.apiUrl}/environments/${dir.environmentId}/users/${holder}/roleAssignments`, token);
    expect(roles.body._embedded.roleAssignments).toEqual(assignments);
    const builtIn = await getJson(`${sim.apiUrl}/roles`, token);
    expect(builtIn.body._embedded.roles.map((role: Json) => role.name)).toEqual([...BUILT_IN_ROLE_NAMES]);
    // readGroupNesting and readUserRoleAssignments take no query parameters in the spec.
    const withLimit = await getJson(`${sim.apiUrl}/environments/${dir.environmentId}/groups/${child.id}/memberOfGroups?limit=200`, token);
    expect(withLimit.status).toBe(400);

    const scoped = await basicToken('scoped-client', 'x');
    const visible = await listAll(usersUrl(), scoped, 'users');
    expect(visible.items.every((user) => user.population.id === dir.populations[1].id)).toBe(true);
    const denied = await getJson(`${sim.apiUrl}/environments/${dir.environmentId}/applications`, scoped);
    expect(denied.status).toBe(403);
  });

  it('answers scheduled faults: 429 with Retry-After, truncated and reset bodies', async () => {
    const token = await basicToken();
    sim.faults.add({ kind: 'users', respond: { status: 429, headers: { 'Retry-After': '1' }, body: { code: 'REQUEST_LIMITED' } } });
    const limited = await fetch(usersUrl(), { headers: { Authorization: `Bearer ${token}` } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await getJson(usersUrl(), token)).status).toBe(200);

    sim.faults.add({ kind: 'users', respond: { truncate: true } });
    const truncated = await fetch(usersUrl(), { headers: { Authorization: `Bearer ${token}` } });
    expect(truncated.status).toBe(200);
    // Names, not constructors: fetch's errors come from Node's realm, not jest's.
    await expect(truncated.json()).rejects.toMatchObject({ name: 'SyntaxError', message: expect.stringMatching(/JSON/) });

    sim.faults.add({ kind: 'users', respond: { reset: true } });
    await expect(fetch(usersUrl(), { headers: { Authorization: `Bearer ${token}` } }).then((response) => response.text())).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  it('enforces its own rate limit', async () => {
    const token = await basicToken();
    sim.settings.rateLimit = { requestsPerSecond: 3 };
    const statuses = await Promise.all(Array.from({ length: 6 }, () => getJson(usersUrl(), token).then((reply) => reply.status)));
    sim.settings.rateLimit = undefined;
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
  });
});

describe('Torii simulator', () => {
  let torii: ToriiSimulator;
  const apiKey = 'torii-key';
  const auth = { Authorization: `Bearer ${apiKey}` };
  const file = JSON.stringify({ users: [{ email: 'a@example.com', status: 'active' }], licenses: [{ name: 'Wiki', users: [{ email: 'a@example.com', licenseStatus: 'active' }] }] });

  beforeAll(async () => { torii = await startToriiSimulator({ apiKey, syncBusyMs: 400 }); });
  afterAll(() => torii.close());

  const sync = (idFile: number) => fetch(`${torii.apiUrl}/services/sync/custom`, {
    method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ idFile, idAppAccount: 77 }),
  });
  const upload = (bytes: string, type = 'customIntegrationData') => {
    const body = new FormData();
    body.append('type', type);
    body.append('file', new Blob([bytes], { type: 'application/json' }), 'users.json');
    return fetch(`${torii.apiUrl}/files/upload`, { method: 'POST', headers: auth, body });
  };

  it('requires the API key', async () => {
    const response = await fetch(`${torii.apiUrl}/orgs/my`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(((await (await fetch(`${torii.apiUrl}/orgs/my`, { headers: auth })).json()) as Json).org.id).toBe(1);
  });

  it('syncs a directly uploaded file, then answers 409 while busy', async () => {
    const uploaded = await upload(file);
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as Json;
    expect((await sync(id)).status).toBe(200);
    const busy = await sync(id);
    expect(busy.status).toBe(409);
    expect(await busy.json()).toEqual({ statusCode: 409, error: 'Conflict', message: 'A sync is already in progress' });
    expect(torii.syncs).toHaveLength(1);
    expect(torii.syncs[0]).toMatchObject({ appAccountId: 77, fileId: id, via: 'direct', file: JSON.parse(file) });
    await new Promise((resolve) => setTimeout(resolve, 450));
  });

  it('rejects oversized direct uploads and invalid files', async () => {
    expect((await upload('x'.repeat(3 * 1024 * 1024 + 1))).status).toBe(413);
    const noEmail = await upload(JSON.stringify({ users: [{ firstName: 'A' }] }));
    const rejected = await sync(((await noEmail.json()) as Json).id);
    expect(rejected.status).toBe(400);
    expect(((await rejected.json()) as Json).message).toBe('"users[0].email" is required');
  });

  it('syncs a file uploaded through a presigned URL', async () => {
    const issued = await fetch(`${torii.apiUrl}/files/url?name=users.json&type=application/json`, { headers: auth });
    const { url, filePath } = ((await issued.json()) as Json).uploadFileParameters;
    const wrongType = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: file });
    expect(wrongType.status).toBe(403);
    const withKey = await fetch(url, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: file });
    expect(withKey.status).toBe(400);
    expect((await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: file })).status).toBe(200);
    const registered = await fetch(`${torii.apiUrl}/files`, {
      method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ path: filePath, type: 'customIntegrationData' }),
    });
    const { id } = (await registered.json()) as Json;
    expect((await sync(id)).status).toBe(200);
    expect(torii.syncs.at(-1)).toMatchObject({ via: 'presigned', bytes: Buffer.byteLength(file) });
  });

  it('expires presigned URLs', async () => {
    torii.settings.presignTtlMs = 1;
    const issued = await fetch(`${torii.apiUrl}/files/url?name=late.json&type=application/json`, { headers: auth });
    const { url } = ((await issued.json()) as Json).uploadFileParameters;
    await new Promise((resolve) => setTimeout(resolve, 10));
    const late = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: file });
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('<Message>Request has expired</Message>');
    torii.settings.presignTtlMs = 300_000;
  });
});

describe('expected Torii file', () => {
  // Root <- Mid <- Leaf is three deep; "ops" is lower case to pin code-unit ordering of roles.
  const dir: Directory = {
    environmentId: 'env',
    organizationId: 'org',
    populations: [{ id: 'pop', name: 'Employees', default: true }],
    groups: [
      { id: 'g-root', name: 'Root', parentIds: [] },
      { id: 'g-mid', name: 'Mid', parentIds: ['g-root'] },
      { id: 'g-leaf', name: 'Leaf', parentIds: ['g-mid'] },
      { id: 'g-ops', name: 'ops', parentIds: [] },
      { id: 'g-admins', name: 'Admins', parentIds: [] },
    ],
    members: new Map([
      ['g-leaf', new Set(['u1'])],
      ['g-mid', new Set(['u2'])],
      ['g-ops', new Set(['u2'])],
      ['g-root', new Set(['u3'])],
      ['g-admins', new Set(['u6', 'u7'])],
    ]),
    users: [
      user('u1', { email: 'a@x.com', name: { given: 'Ann', family: 'Ames' }, lastSignOn: { at: '2024-05-01T10:00:00.000Z', remoteIp: '203.0.113.1' } }),
      user('u2', { email: 'b@x.com', name: { given: 'Bo', family: 'Berg' }, enabled: false }),
      user('u3', { username: 'c@x.com', name: { given: 'Cy' }, account: { status: 'LOCKED', canAuthenticate: false } }),
      user('u4', { username: 'dee', name: { given: 'Dee' } }),
      user('u5', { email: 'A@X.com', name: { given: 'Ann', family: 'Again' } }),
      user('u6', { email: 'e@x.com', name: {} }),
      user('u7', { email: 'f@x.com', name: { given: 'Fay', family: 'Fox' } }),
    ],
    applications: [
      app('a1', 'Wiki'),
      app('a2', 'Code', { accessControl: { group: { type: 'ANY_GROUP', groups: [{ id: 'g-root' }, { id: 'g-ops' }] } } }),
      app('a3', 'Pay', { accessControl: { group: { type: 'ALL_GROUPS', groups: [{ id: 'g-mid' }, { id: 'g-ops' }] } } }),
      app('a4', 'Old', { enabled: false }),
      app('a5', 'Admin', { accessControl: { role: { type: 'ADMIN_USERS_ONLY' }, group: { type: 'ANY_GROUP', groups: [{ id: 'g-admins' }] } } }),
      app('a6', 'Ops', { accessControl: { role: { type: 'ADMIN_USERS_ONLY' } } }),
      app('a7', 'Worker', { type: 'WORKER' }),
      app('a8', 'Portal', { type: 'PING_ONE_PORTAL' }),
      app('app-b', 'Dup', { accessControl: { group: { type: 'ANY_GROUP', groups: [{ id: 'g-leaf' }] } } }),
      app('app-a', 'Dup'),
    ],
    // u6 is an Environment Admin here, u2 an Identity Data Admin of population "pop"; u7 holds
    // only Identity Data Read Only, which does not make an admin user.
    roleAssignments: new Map([
      ['u6', [assignment('Environment Admin', 'ENVIRONMENT', 'env')]],
      ['u2', [assignment('Identity Data Admin', 'POPULATION', 'pop')]],
      ['u7', [assignment('Identity Data Read Only', 'ENVIRONMENT', 'env')]],
    ]),
  };

  it('derives users, roles through nesting, licenses and deletions', () => {
    const previouslySent: ToriiUser[] = [
      { id: 'u0', email: 'gone@x.com', firstName: 'Gus', lastName: 'Gone', status: 'active', externalStatus: 'enabled', roles: ['Root'] },
      { id: 'u00', email: 'long@x.com', firstName: 'Lon', lastName: 'Gone', status: 'deleted', externalStatus: 'deleted', roles: [] },
      { id: 'u1', email: 'a@x.com', firstName: 'Ann', lastName: 'Ames', status: 'active', externalStatus: 'enabled', roles: [] },
    ];
    const expected = expectedToriiFile(dir, { previouslySent, adminLookupLimit: 3 });
    expect(expected.file.users).toEqual([
      { id: 'u1', email: 'a@x.com', firstName: 'Ann', lastName: 'Ames', status: 'active', externalStatus: 'enabled', roles: ['Leaf', 'Mid', 'Root'], lastUsedDate: '2024-05-01T10:00:00.000Z' },
      { id: 'u2', email: 'b@x.com', firstName: 'Bo', lastName: 'Berg', status: 'active', externalStatus: 'disabled', roles: ['Mid', 'Root', 'ops'] },
      { id: 'u3', email: 'c@x.com', firstName: 'Cy', lastName: '', status: 'active', externalStatus: 'locked', roles: ['Root'] },
      { id: 'u6', email: 'e@x.com', firstName: '', lastName: '', status: 'active', externalStatus: 'enabled', roles: ['Admins'] },
      { id: 'u7', email: 'f@x.com', firstName: 'Fay', lastName: 'Fox', status: 'active', externalStatus: 'enabled', roles: ['Admins'] },
      { id: 'u0', email: 'gone@x.com', firstName: 'Gus', lastName: 'Gone', status: 'deleted', externalStatus: 'deleted', roles: [] },
    ]);
    const active = (email: string) => ({ email, licenseStatus: 'active' });
    const inactive = (email: string) => ({ email, licenseStatus: 'inactive' });
    expect(expected.file.licenses).toEqual([
      { name: 'Admin', users: [active('e@x.com')] },
      { name: 'Code', users: [active('a@x.com'), inactive('b@x.com'), inactive('c@x.com')] },
      { name: 'Dup', users: [active('a@x.com'), inactive('b@x.com'), inactive('c@x.com'), active('e@x.com'), active('f@x.com')] },
      { name: 'Dup (app-b)', users: [active('a@x.com')] },
      { name: 'Pay', users: [inactive('b@x.com')] },
      { name: 'Wiki', users: [active('a@x.com'), inactive('b@x.com'), inactive('c@x.com'), active('e@x.com'), active('f@x.com')] },
    ]);
    expect(expected.skipped).toEqual({ noEmail: 1, duplicateEmail: 1 });
    expect(expected.skippedUserIds).toEqual({ noEmail: ['u4'], duplicateEmail: ['u5'] });
    // The omitted Ops, the disabled Old, and the Worker and Portal (no license by type).
    expect(expected.warnings).toBe(3);
    expect(expected.omittedLicenses).toEqual(['Ops']);
    expect(expected.skippedApplications).toEqual({ malformedRecord: [], disabled: ['a4'], notLicensedType: ['a7', 'a8'], unknownType: [], adminLookupLimit: ['a6'] });
    expect(expected.counts).toEqual({ sent: 5, active: 3, disabled: 1, locked: 1, verificationRequired: 0, deleted: 1 });
  });

  it('lists the admin-only app without a group rule when candidates fit the lookup limit', () => {
    const expected = expectedToriiFile(dir);
    expect(expected.warnings).toBe(2);
    expect(expected.file.licenses.find((license) => license.name === 'Ops')).toEqual({
      name: 'Ops', users: [{ email: 'b@x.com', licenseStatus: 'inactive' }, { email: 'e@x.com', licenseStatus: 'active' }],
    });
  });
});

function user(id: string, fields: Partial<Directory['users'][number]>): Directory['users'][number] {
  return {
    id,
    username: fields.email ?? id,
    name: {},
    enabled: true,
    account: { status: 'OK', canAuthenticate: true },
    lifecycle: { status: 'ACCOUNT_OK' },
    population: { id: 'pop' },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...fields,
  };
}

function assignment(role: Parameters<typeof roleId>[0], type: 'ORGANIZATION' | 'ENVIRONMENT' | 'POPULATION' | 'APPLICATION', scopeId: string) {
  return { id: `ra-${role}-${scopeId}`, role: { id: roleId(role) }, scope: { id: scopeId, type }, environment: { id: 'env' }, readOnly: false };
}

function app(id: string, name: string, fields: Partial<Directory['applications'][number]> = {}): Directory['applications'][number] {
  return { id, name, type: 'WEB_APP', protocol: 'OPENID_CONNECT', enabled: true, ...fields };
}
