// Answers that do not match PingOne's shape never crash the worker: a record without what the sync
// needs is skipped and counted, and a page that cannot be read (not JSON, cut short, not an object,
// no list inside) is fetched again, after which the sync ends exactly as it would have.
import { randomUUID } from 'node:crypto';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import type { FaultResponse } from '../sim/faults';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

describe('malformed PingOne answers', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;

  beforeAll(async () => {
    directory = generateDirectory({ seed: 51, users: 80, groups: 6, applications: 12 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-malformed-N4d8', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client] } });
  });
  afterAll(() => h?.close());
  afterEach(() => h.pingone.faults.clear());

  const sent = (r: { usersActive: number; usersDisabled: number; usersLocked: number; usersVerificationRequired: number }) =>
    r.usersActive + r.usersDisabled + r.usersLocked + r.usersVerificationRequired;

  it.each<[string, 'users' | 'groups', FaultResponse]>([
    ['a 200 that is not JSON', 'users', { status: 200, body: 'not json' }],
    ['a 200 cut short', 'users', { truncate: true }],
    ['a 200 whose JSON is an array, not an object', 'users', { status: 200, body: [{ id: 'x' }] }],
    ['a page whose _embedded is not a list', 'groups', { status: 200, body: { _embedded: 'oops', _links: {} } }],
  ])('fetches the page again after %s', async (_what, kind, respond) => {
    h.pingone.faults.add({ kind, respond });
    const before = h.pingone.requests.length;
    const result = await h.sync(h.input(connectionId('malformed'), client, directory));
    const faulted = h.pingone.requests.slice(before).find((r) => r.fault !== undefined);
    expect(faulted).toMatchObject({ kind, status: 200 });
    const again = h.pingone.requests.slice(before).filter((r) => r.path === faulted?.path && r.query === faulted?.query);
    expect(again.length).toBe(2);
    expect(again[1].fault).toBeUndefined();
    // Exactly the file, not only as many users: a page lost on the re-fetch would show here.
    const expected = expectedToriiFile(directory);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(sent(result)).toBe(expected.counts.sent);
    expect(result.usersSkipped.malformedRecord).toBe(0);
  });

  it('skips and counts a user without an id, and sends everyone else', async () => {
    const expected = expectedToriiFile(directory);
    const broken = { ...directory.users[0], id: undefined as unknown as string, username: 'no-id', email: 'no-id@example.com' };
    directory.users.push(broken);
    try {
      const result = await h.sync(h.input(connectionId('noid'), client, directory));
      expect(result.usersSkipped.malformedRecord).toBe(1);
      expect(sent(result)).toBe(expected.counts.sent);
      expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected.file));
    } finally {
      directory.users.pop();
    }
  });
});
