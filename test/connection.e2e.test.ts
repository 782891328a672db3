// How a sync meets PingOne's front door: admin-environment Token URLs, the Basic→POST fallback and
// its memory, invalid_client answers in words, refused hosts that never see a connection,
// Retry-After honoured, a revoked token renewed once, and dry runs that upload nothing.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { startSync } from '../client/start-sync';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause as { type?: string; message: string };
      return { type: cause.type, message: cause.message };
    }
    throw err;
  }
  throw new Error('the sync succeeded; a failure was expected');
}

describe('connecting to PingOne', () => {
  let h: Harness;
  let target: Directory;
  let admin: Directory;
  let basic: SimClient;
  let post: SimClient;
  let adminClient: SimClient;

  beforeAll(async () => {
    target = generateDirectory({ seed: 11, users: 120, groups: 8, applications: 12 });
    admin = generateDirectory({ seed: 12, users: 3, groups: 4, applications: 11 });
    basic = { clientId: randomUUID(), clientSecret: 'sim-secret-basic-W3kq8', environmentId: target.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    post = { clientId: randomUUID(), clientSecret: 'sim-secret-post-J6nv2', environmentId: target.environmentId, authMethod: 'CLIENT_SECRET_POST' };
    adminClient = {
      clientId: randomUUID(),
      clientSecret: 'sim-secret-admin-T9xc4',
      environmentId: admin.environmentId,
      authMethod: 'CLIENT_SECRET_BASIC',
      readableEnvironmentIds: [admin.environmentId, target.environmentId],
    };
    h = await startHarness({ pingone: { environments: [target, admin], clients: [basic, post, adminClient], tokenTtlSeconds: 2 } });
  });
  afterAll(() => h?.close());

  it('reads the target environment with a token from an admin environment’s Token URL', async () => {
    const before = h.pingone.requests.length;
    const input = h.input(connectionId('admin'), adminClient, target);
    input.pingOne.tokenUrl = `${h.pingone.authUrl}/${admin.environmentId}/as/token`;
    const result = await h.sync(input);
    expect(result.usersActive + result.usersDisabled + result.usersLocked + result.usersVerificationRequired).toBe(expectedToriiFile(target).counts.sent);
    const requests = h.pingone.requests.slice(before);
    // Every token (a 2 s token may be renewed during the sync) comes from the admin environment.
    expect([...new Set(requests.filter((r) => r.kind === 'token').map((r) => r.path))]).toEqual([`/${admin.environmentId}/as/token`]);
    expect(requests.filter((r) => r.kind === 'users').every((r) => r.path.startsWith(`/v1/environments/${target.environmentId}/`))).toBe(true);
  });

  it('explains invalid_client at the default Token URL as a likely admin-environment credential', async () => {
    const failure = await failureOf(h.sync(h.input(connectionId('noadmin'), adminClient, target)));
    expect(failure.type).toBe('PingOneInvalidClient');
    expect(failure.message).toContain('if these credentials were issued by another (admin) environment, set Token URL to https://auth.pingone.com/<admin-env-id>/as/token');
  });

  it('calls a wrong secret at a custom Token URL just that', async () => {
    const input = h.input(connectionId('wrongsecret'), { ...adminClient, clientSecret: 'not-the-secret-Q1' }, target);
    input.pingOne.tokenUrl = `${h.pingone.authUrl}/${admin.environmentId}/as/token`;
    const failure = await failureOf(h.sync(input));
    expect(failure.type).toBe('PingOneInvalidClient');
    expect(failure.message).toContain('did not accept the Client ID and Client Secret for the environment in the Token URL');
  });

  it('falls back from Basic to form POST once, then remembers POST', async () => {
    // A refused Basic answers 401, an accepted POST 200; a 2 s token may be renewed during a sync
    // (more 200s), but Basic is never tried again.
    const tokenStatuses = (from: number) =>
      h.pingone.requests.slice(from).filter((r) => r.kind === 'token' && r.path === `/${target.environmentId}/as/token`).map((r) => r.status);
    const start = h.pingone.requests.length;
    await h.sync(h.input(connectionId('post'), post, target));
    expect(tokenStatuses(start).slice(0, 2)).toEqual([401, 200]); // Basic refused, POST accepted
    expect(tokenStatuses(start).filter((status) => status !== 200)).toEqual([401]);
    // Every token dies (instead of waiting out the 2 s a token lives): the next sync must ask again.
    h.pingone.revokeTokens();
    const second = h.pingone.requests.length;
    await h.sync(h.input(connectionId('post2'), post, target));
    expect(tokenStatuses(second)[0]).toBe(200); // straight to POST
    expect(tokenStatuses(second).every((status) => status === 200)).toBe(true);
  });

  it('refuses a Token URL on a host that is not PingOne’s before any connection', async () => {
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as { port: number }).port;
    try {
      for (const tokenUrl of [`http://127.0.0.1:${port}/x/as/token`, `https://localhost:${port}/x/as/token`, `https://user:pw@auth.pingone.com/x/as/token`]) {
        const input = h.input(connectionId('refused'), basic, target);
        input.pingOne.tokenUrl = tokenUrl;
        const failure = await failureOf(h.sync(input));
        expect(failure.type).toBe('InvalidConnection');
        expect(failure.message).toMatch(/^pingOne\.tokenUrl: /);
      }
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });

  it('does not ask PingOne again sooner than a 429’s Retry-After: 2', async () => {
    h.pingone.faults.add({ kind: 'users', respond: { status: 429, headers: { 'retry-after': '2' }, body: { id: randomUUID(), code: 'REQUEST_LIMITED', message: 'Too many requests' } } });
    const before = h.pingone.requests.length;
    // One request in flight at a time, so none is already on the wire when the 429 comes back.
    await h.sync(h.input(connectionId('ratelimited'), basic, target, { options: { rateLimit: { concurrency: 1, licenseKey: 'ratelimited-alone' } } }));
    // Audit activities have a limit of their own at PingOne and a budget of their own here: the
    // management API's 429 does not pause them (test/usage-sim.test.ts, test/usage.e2e.test.ts).
    const requests = h.pingone.requests.slice(before).filter((r) => r.kind !== 'token' && r.kind !== 'activities');
    const limited = requests.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    const limitedAt = requests[limited].at;
    // Nothing reaches the host until Retry-After has passed, and the users page comes back then.
    const sinceLimit = requests.slice(limited + 1).map((r) => ({ kind: r.kind, after: r.at - limitedAt }));
    expect(sinceLimit.filter((r) => r.after < 2000)).toEqual([]);
    const retriedUsers = sinceLimit.find((r) => r.kind === 'users');
    expect(retriedUsers?.after).toBeGreaterThanOrEqual(2000);
    // Tokens here live 2 s, as long as the pause: a request that took its token before waiting
    // out the pause would carry an expired one (401) and, under load, fail the sync.
    expect(requests.filter((r) => r.status === 401).map((r) => r.kind)).toEqual([]);
  });

  it('renews a revoked token once and carries on', async () => {
    h.pingone.faults.add({ kind: 'groups', respond: { status: 401, body: { id: randomUUID(), code: 'INVALID_TOKEN', message: 'The request could not be completed. The access token is invalid.' } } });
    const before = h.pingone.requests.length;
    const result = await h.sync(h.input(connectionId('revoked'), basic, target));
    const expected = expectedToriiFile(target);
    expect(result.usersActive).toBe(expected.counts.active);
    // Exactly the file (a groups page lost on the renewal would show here), and the groups page asked twice.
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected.file));
    const groups = h.pingone.requests.slice(before).filter((r) => r.kind === 'groups');
    expect(groups.filter((r) => r.status === 401)).toHaveLength(1);
    expect(groups.filter((r) => r.path === groups[0].path && r.query === groups[0].query).map((r) => r.status)).toEqual([401, 200]);
  });

  it('builds and keeps the file on a dry run, uploading nothing', async () => {
    const syncsBefore = h.torii.syncs.length;
    const uploadsBefore = h.torii.requests.filter((r) => r.kind === 'upload' || r.kind === 'uploadUrl').length;
    const result = await h.sync(h.input(connectionId('dry'), basic, target, { options: { dryRun: true } }));
    expect(result.dryRun).toBe(true);
    expect(result.toriiFileId).toBeNull();
    expect(h.torii.syncs.length).toBe(syncsBefore);
    expect(h.torii.requests.filter((r) => r.kind === 'upload' || r.kind === 'uploadUrl').length).toBe(uploadsBefore);
    expect(result.filePath && existsSync(result.filePath)).toBeTruthy();
    const file = JSON.parse(readFileSync(result.filePath as string, 'utf8'));
    expect(file.users).toHaveLength(expectedToriiFile(target).counts.sent);
  });

  it('fails an invalid input without retrying, naming each bad field', async () => {
    const input = h.input(connectionId('bad'), basic, target) as unknown as Record<string, Record<string, unknown>>;
    input.pingOne.environmentId = 'abc';
    input.torii.appAccountId = -3;
    await expect(startSync(h.env.client, input as never, h.taskQueue)).rejects.toThrow(
      'pingOne.environmentId: must be a UUID, got "abc"',
    );
    // The workflow validates too: a client that skips validation still gets words, not a crash.
    const handle = await h.env.client.workflow.start('pingOneSync', { args: [input], taskQueue: h.taskQueue, workflowId: `raw-${connectionId('bad')}` });
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('InvalidSyncInput');
    expect(failure.message).toBe('The sync input is invalid: pingOne.environmentId: must be a UUID, got "abc"; torii.appAccountId: must be a positive app account id');
  });
});
