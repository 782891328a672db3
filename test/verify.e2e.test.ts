// The connection test against the PingOne simulator: every cause the customer can meet answered as a
// failed check with its own sentence (never a thrown workflow), the grace for PingOne's propagation
// delay, and a failed sync that ends with the same sentence as the check.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { Command } from 'commander';
import { freePort } from '../dev/dev-server';
import { registerSecurityCommands } from '../client/verify-command';
import { describeVerifyResult, InvalidVerifyInputError, startVerify, verifyConnection } from '../client/verify-connection';
import type { VerifyCheck, VerifyInput, VerifyResult } from '../contract/verify';
import { generateDirectory, type Directory } from '../sim/directory';
import type { SimClient } from '../sim/pingone';
import { auditLogOf } from '../sim/pingone-audit';
import { connectionId, startHarness, type Harness } from './support/harness';
import { startUntrustedTlsServer } from './support/untrusted-tls';

const HINT = 'https://auth.pingone.com/<admin-env-id>/as/token';

describe('pingOneVerifyConnection', () => {
  let h: Harness;
  let target: Directory;
  let admin: Directory;
  let closedPort: number;
  const clients: Record<string, SimClient> = {};

  beforeAll(async () => {
    target = generateDirectory({ seed: 31, users: 100, groups: 6, applications: 12 });
    admin = generateDirectory({ seed: 32, users: 3, groups: 2, applications: 11 });
    const on = (name: string, extra: Partial<SimClient> = {}): SimClient =>
      (clients[name] = { clientId: randomUUID(), clientSecret: `sim-secret-${name}-Vq3x`, environmentId: target.environmentId, authMethod: 'CLIENT_SECRET_BASIC', ...extra });
    on('good');
    on('jwt', { authMethod: 'PRIVATE_KEY_JWT' });
    on('noUsers', { deniedResources: ['users'] });
    on('noAppsNoGroups', { deniedResources: ['applications', 'groups'] });
    on('noAudit');
    on('scoped', { populationIds: [target.populations[0].id, target.populations[1].id] });
    on('admin', { environmentId: admin.environmentId, readableEnvironmentIds: [admin.environmentId, target.environmentId] });
    closedPort = await freePort();
    h = await startHarness({
      pingone: { environments: [target, admin], clients: Object.values(clients) },
      env: { PINGONE_PROPAGATION_GRACE_SECONDS: '2', HTTP_TIMEOUT_MS: '1500' },
    });
    auditLogOf(target).deniedClientIds.add(clients.noAudit.clientId);
    // The simulator's port is known only now; the worker's host policy reads this very list.
    h.config.PINGONE_ALLOWED_HOSTS.push(`localhost:${closedPort}`);
  });
  afterAll(() => h?.close());
  afterEach(() => h.pingone.faults.clear());

  const input = (client: SimClient, pingOne: Partial<VerifyInput['pingOne']> = {}): VerifyInput => ({
    connectionId: connectionId('verify'),
    pingOne: { environmentId: target.environmentId, clientId: client.clientId, clientSecret: client.clientSecret, ...pingOne },
  });
  const verify = (i: VerifyInput) => verifyConnection(h.env.client, i, h.taskQueue);
  const check = (result: VerifyResult, name: VerifyCheck['name']) => result.checks.find((c) => c.name === name) as VerifyCheck;
  const statuses = (result: VerifyResult) => Object.fromEntries(result.checks.map((c) => [c.name, c.status]));
  const adminTokenUrl = () => `${h.pingone.authUrl}/${admin.environmentId}/as/token`;
  const simHost = () => new URL(h.pingone.origin).host;

  it('passes every check for a well-configured Worker app, in order', async () => {
    const result = await verify(input(clients.good));
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['token', 'ok'], ['environment', 'ok'], ['users', 'ok'], ['applications', 'ok'], ['groups', 'ok'], ['populations', 'ok'], ['auditActivities', 'ok'],
    ]);
    expect(result.ok).toBe(true);
    expect(result.region).toBe('custom');
    expect(check(result, 'token').cause).toBe(`PingOne at ${simHost()} issued an access token to Client ID ${clients.good.clientId}.`);
    expect(check(result, 'environment').cause).toBe(
      `Environment "Sim ${target.environmentId.slice(0, 8)}" (${target.environmentId}) is readable in PingOne's custom (${simHost()}) region.`,
    );
    expect(check(result, 'populations').cause).toBe(`The Worker app sees the users of all 4 populations in environment ${target.environmentId}.`);
    expect(JSON.stringify(result)).not.toContain(clients.good.clientSecret);
  });

  it('reads invalid_client at the default Token URL as credentials from an admin environment', async () => {
    const result = await verify(input(clients.admin));
    expect(check(result, 'token')).toMatchObject({
      status: 'failed',
      type: 'PingOneInvalidClient',
      cause: `PingOne did not accept the Client ID and Client Secret for environment ${target.environmentId}.`,
      fix: `Check them in the Worker app; if these credentials were issued by another (admin) environment, set Token URL to ${HINT}.`,
    });
    expect(check(result, 'token').correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(check(result, 'users')).toMatchObject({ status: 'failed', type: 'NotChecked', cause: 'Not checked, because the token check failed.', fix: 'Fix the token check first.' });
    expect(result.ok).toBe(false);
  });

  it('reads invalid_client at a custom Token URL as a wrong Client ID or Secret for that environment', async () => {
    const result = await verify(input({ ...clients.admin, clientSecret: 'not-the-secret-Zk2' }, { tokenUrl: adminTokenUrl() }));
    expect(check(result, 'token')).toMatchObject({
      status: 'failed',
      type: 'PingOneInvalidClient',
      cause: `PingOne at ${simHost()} did not accept the Client ID and Client Secret for the environment in the Token URL.`,
      fix: "Copy the Client ID and Client Secret again from the Worker app's Configuration tab in that environment.",
    });
  });

  it('passes with an admin environment’s Token URL when the role reaches the target environment', async () => {
    const result = await verify(input(clients.admin, { tokenUrl: adminTokenUrl() }));
    expect(result.ok).toBe(true);
  });

  it('names a token method that is neither Client Secret Basic nor Post', async () => {
    const before = h.pingone.requests.filter((r) => r.kind === 'token').length;
    const result = await verify(input(clients.jwt));
    expect(check(result, 'token')).toMatchObject({
      status: 'failed',
      type: 'PingOneUnsupportedAuthMethod',
      cause: "PingOne refused both Client Secret Basic and Client Secret Post: the Worker app's token endpoint authentication method is neither (Private Key JWT, perhaps).",
      fix: "In PingOne, set the Worker app's Token Endpoint Authentication Method to Client Secret Basic (or Client Secret Post).",
    });
    // Both methods once each: not a propagation delay, so no grace.
    expect(h.pingone.requests.filter((r) => r.kind === 'token').length - before).toBe(2);
  });

  it.each([400, 401, 403, 404] as const)('says which region was asked when the environment answers %i', async (status) => {
    h.pingone.settings.unknownEnvironmentStatus = status;
    const missing = randomUUID();
    const result = await verify(input(clients.admin, { tokenUrl: adminTokenUrl(), environmentId: missing }));
    expect(statuses(result)).toMatchObject({ token: 'ok', environment: 'failed', users: 'failed' });
    expect(check(result, 'environment')).toMatchObject({
      type: 'PingOneEnvironmentNotFound',
      cause: `Environment ${missing} was not found in PingOne's custom (${simHost()}) region, or this Worker app may not read it (${status}).`,
      fix: 'Check the Environment ID and region (the Token URL host decides the region), and that the Worker app has a role scoped to this environment.',
    });
    expect(check(result, 'users').cause).toBe('Not checked, because the environment check failed.');
  });

  it('asks for Identity Data Read Only when users are not readable', async () => {
    const result = await verify(input(clients.noUsers));
    expect(statuses(result)).toEqual({ token: 'ok', environment: 'ok', users: 'failed', applications: 'ok', groups: 'ok', populations: 'failed', auditActivities: 'ok' });
    expect(check(result, 'users')).toMatchObject({
      type: 'PingOneInsufficientPermissions',
      cause: `The Worker app may not read users in environment ${target.environmentId}.`,
      fix: 'In PingOne, grant the Worker app the Identity Data Read Only role for this environment and all its populations.',
    });
    expect(check(result, 'populations').cause).toBe('Not checked, because the users check failed.');
  });

  it('asks for Application Owner for applications and Identity Data Read Only for groups', async () => {
    const result = await verify(input(clients.noAppsNoGroups));
    expect(statuses(result)).toEqual({ token: 'ok', environment: 'ok', users: 'ok', applications: 'failed', groups: 'failed', populations: 'ok', auditActivities: 'ok' });
    expect(check(result, 'applications').fix).toBe('In PingOne, grant the Worker app the Application Owner role for this environment and all its populations.');
    expect(check(result, 'groups').fix).toBe('In PingOne, grant the Worker app the Identity Data Read Only role for this environment and all its populations.');
  });

  it('names the permission that reads audit activities, and still calls the connection ok', async () => {
    const result = await verify(input(clients.noAudit));
    expect(statuses(result)).toMatchObject({ users: 'ok', applications: 'ok', groups: 'ok', populations: 'ok', auditActivities: 'failed' });
    expect(check(result, 'auditActivities')).toMatchObject({
      type: 'PingOneInsufficientPermissions',
      cause: `The Worker app may not read audit activities in environment ${target.environmentId}, so who signs on to each application is unknown.`,
      fix: expect.stringContaining('audit_reporting:read:activity'),
    });
    expect(check(result, 'auditActivities').fix).toContain('Environment Admin');
    expect(result.ok).toBe(true);
  });

  it('finds a population-scoped role by the populations whose users stay hidden', async () => {
    const result = await verify(input(clients.scoped));
    expect(statuses(result)).toMatchObject({ users: 'ok', populations: 'failed' });
    const hidden = target.populations.slice(2).map((p) => JSON.stringify(p.name)).join(', ');
    expect(check(result, 'populations')).toMatchObject({
      type: 'PingOnePopulationsHidden',
      cause: `The Worker app sees the users of only 2 of 4 populations in environment ${target.environmentId}; hidden: ${hidden}.`,
      fix: 'In PingOne, grant the Worker app its roles (Identity Data Read Only, Application Owner) for the whole environment, not for single populations.',
    });
  });

  it('calls a refused connection PingOne unreachable, with the host', async () => {
    const result = await verify(input(clients.good, { tokenUrl: `https://localhost:${closedPort}/${target.environmentId}/as/token` }));
    expect(check(result, 'token')).toMatchObject({
      type: 'PingOneUnreachable',
      cause: `PingOne at localhost:${closedPort} could not be reached when asked for an access token (ECONNREFUSED).`,
      fix: 'Nothing to do if this passes; if it persists, check the worker’s network path to that host.',
    });
  });

  it('names a certificate the worker does not accept, with the host and the fix, and sends nothing past it', async () => {
    const untrusted = await startUntrustedTlsServer();
    h.config.PINGONE_ALLOWED_HOSTS.push(`localhost:${untrusted.port}`);
    try {
      const result = await verify(input(clients.good, { tokenUrl: `https://localhost:${untrusted.port}/${target.environmentId}/as/token` }));
      expect(check(result, 'token')).toMatchObject({
        type: 'PingOneUnreachable',
        cause: `PingOne at localhost:${untrusted.port} presented a TLS certificate the worker does not accept when asked for an access token (DEPTH_ZERO_SELF_SIGNED_CERT).`,
        fix: `Check that localhost:${untrusted.port} is the right host and that its certificate is valid for that name; if a TLS-inspecting proxy sits in the worker's path, give the worker its authority with NODE_EXTRA_CA_CERTS.`,
      });
      expect(untrusted.requests).toBe(0);
    } finally {
      await untrusted.close();
    }
  });

  it('calls a token endpoint that does not answer in time a timeout, after a few attempts', async () => {
    h.pingone.faults.add({ kind: 'token', times: 3, respond: { delayMs: 3000 } });
    const tokenBefore = h.pingone.requests.filter((r) => r.kind === 'token').length;
    const result = await verify(input(clients.good));
    expect(check(result, 'token')).toMatchObject({
      type: 'PingOneTimeout',
      cause: `PingOne at ${simHost()} did not answer in time when asked for an access token.`,
    });
    // Three attempts, each one timing out: all three slow answers were asked for, no fourth.
    expect(h.pingone.faults.pending).toBe(0);
    expect(h.pingone.requests.filter((r) => r.kind === 'token').length - tokenBefore).toBe(3);
  });

  it('asks again through PingOne’s propagation delay: invalid_client and 403 that pass on their own', async () => {
    const tokenBefore = h.pingone.requests.filter((r) => r.kind === 'token').length;
    h.pingone.faults.add({ kind: 'token', times: 2, respond: { status: 401, body: { error: 'invalid_client', error_description: 'Request denied: unknown client id (Correlation ID: 0f6c1e1a-8d3e-4a53-9a55-3f1b2d7c9e10)' } } });
    h.pingone.faults.add({ kind: 'users', times: 1, respond: { status: 403, body: { id: randomUUID(), code: 'ACCESS_FAILED', message: 'denied', details: [{ code: 'INSUFFICIENT_PERMISSIONS', message: 'denied' }] } } });
    const result = await verify(input(clients.good));
    expect(result.ok).toBe(true);
    expect(h.pingone.requests.filter((r) => r.kind === 'token').length - tokenBefore).toBe(3);
    expect(h.pingone.faults.pending).toBe(0);
  });

  it('ends a failed sync with the same sentence as the failed check', async () => {
    const syncFailure = async (client: SimClient, pingOne: Partial<VerifyInput['pingOne']> = {}) => {
      const sync = h.input(connectionId('same'), client, target);
      Object.assign(sync.pingOne, pingOne);
      const err = await h.sync(sync).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      return ((err as WorkflowFailedError).cause as Error).message;
    };
    const users = check(await verify(input(clients.noUsers)), 'users');
    expect(await syncFailure(clients.noUsers)).toContain(`${users.cause} ${users.fix}`);

    h.pingone.settings.unknownEnvironmentStatus = 404;
    const missing = { tokenUrl: adminTokenUrl(), environmentId: randomUUID() };
    const environment = check(await verify(input(clients.admin, missing)), 'environment');
    expect(await syncFailure(clients.admin, missing)).toContain(`${environment.cause} ${environment.fix}`);
  });

  it('does not follow a redirect from the token endpoint', async () => {
    let connections = 0;
    const elsewhere = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const port = (elsewhere.address() as { port: number }).port;
    h.config.PINGONE_ALLOWED_HOSTS.push(`localhost:${port}`);
    try {
      h.pingone.faults.add({ kind: 'token', times: 2, respond: { status: 302, headers: { location: `https://localhost:${port}/${target.environmentId}/as/token` } } });
      const result = await verify(input(clients.good));
      expect(check(result, 'token')).toMatchObject({ type: 'PingOneTokenRejected', cause: `PingOne's token endpoint at ${simHost()} answered 302 (no error code).` });
      expect(connections).toBe(0);
    } finally {
      elsewhere.close();
    }
  });

  it('refuses an invalid input in words, at the client and in the workflow', async () => {
    const bad = { connectionId: 'acme', pingOne: { environmentId: 'abc', clientId: clients.good.clientId, clientSecret: '' }, torii: {} };
    await expect(startVerify(h.env.client, bad as never, h.taskQueue)).rejects.toThrow(InvalidVerifyInputError);
    const handle = await h.env.client.workflow.start('pingOneVerifyConnection', { args: [bad], taskQueue: h.taskQueue, workflowId: `raw-verify-${randomUUID()}` });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as Error).message).toBe(
      'The connection test input is invalid: pingOne.environmentId: must be a UUID, got "abc"; pingOne.clientSecret: must not be empty (the Worker app’s Client Secret); unknown field "torii": remove it',
    );
  });

  it('prints the checks for a person', async () => {
    const text = describeVerifyResult(await verify(input(clients.noUsers)));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^connection verify-\S+: 5 of 7 checks passed \(PingOne region custom\)$/);
    expect(lines).toContain(`  FAILED users: The Worker app may not read users in environment ${target.environmentId}.`);
    const fix = /^ {9}fix: In PingOne, grant the Worker app the Identity Data Read Only role for this environment and all its populations\. \(correlation id [0-9a-f-]{36}\)$/;
    expect(lines.filter((l) => fix.test(l))).toHaveLength(1);
  });

  it('runs as `verify` on the command line, the secret from PINGONE_CLIENT_SECRET', async () => {
    const saved = { ...process.env };
    const printed: string[] = [];
    const exitCodes: number[] = [];
    const program = new Command('pingone-torii-sync').exitOverride();
    registerSecurityCommands(program, { connect: async () => h.env.client, print: (line) => printed.push(line), setExitCode: (code) => exitCodes.push(code) });
    try {
      process.env.TEMPORAL_TASK_QUEUE = h.taskQueue;
      process.env.PINGONE_CLIENT_SECRET = clients.noUsers.clientSecret;
      const args = ['verify', '--connection-id', connectionId('cli'), '--environment-id', target.environmentId, '--client-id', clients.noUsers.clientId];
      await program.parseAsync(args, { from: 'user' });
      expect(printed[0].split('\n')[0]).toMatch(/^connection cli-\S+: 5 of 7 checks passed \(PingOne region custom\)$/);
      expect(exitCodes).toEqual([1]);
      process.env.PINGONE_CLIENT_SECRET = clients.good.clientSecret;
      await program.parseAsync([...args.slice(0, 5), '--client-id', clients.good.clientId, '--json'], { from: 'user' });
      expect(JSON.parse(printed[1])).toMatchObject({ ok: true });
      expect(exitCodes).toEqual([1]);
      // A bad input is refused before any connection.
      let connects = 0;
      const refusing = new Command('pingone-torii-sync').exitOverride();
      registerSecurityCommands(refusing, { connect: async () => (connects++, h.env.client), print: () => {}, setExitCode: () => {} });
      process.env.PINGONE_CLIENT_SECRET = ' pasted-with-a-space';
      await expect(refusing.parseAsync(['verify', '--connection-id', 'acme', '--environment-id', 'abc', '--client-id', clients.good.clientId], { from: 'user' })).rejects.toThrow(
        'The connection test input is invalid:\n  pingOne.environmentId: must be a UUID, got "abc"\n  pingOne.clientSecret: must not start or end with spaces or line breaks (a copy-paste slip?)',
      );
      expect(connects).toBe(0);
    } finally {
      process.env = saved;
    }
  });
});
