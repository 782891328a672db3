// The fault matrix, PingOne's side: each fault the simulator can throw at a sync, one test each, and
// each time the sync still ends with exactly the expected Torii file and counts. Temporal's retry
// policy is the only retry layer (got retries nothing), so each fault costs exactly the retries its
// row in the README's table says.
import { randomUUID } from 'node:crypto';
import type { SyncResult } from '../contract/sync';
import { generateDirectory, type SimUser } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { requestLimited } from '../sim/pingone-errors';
import type { RequestRecord } from '../sim/server';
import { connectionId, startHarness, type Harness } from './support/harness';
import { whenRequest } from './support/sim-triggers';
import { sortedFile } from './support/torii-file-order';

const HTTP_TIMEOUT_MS = 2000;

const directory = generateDirectory({ seed: 71, users: 400, groups: 12, applications: 12 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-faults-Jw6tR2', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
const expected = expectedToriiFile(directory);

const urlOf = (r: RequestRecord<string>) => `${r.path}?${r.query}`;
const isLaterPage = (req: { query: string }) => req.query.includes('cursor=');
type UserPage = { _embedded: { users: Array<{ id?: unknown }> } };

describe('PingOne faults', () => {
  let h: Harness;

  beforeAll(async () => {
    // Short pages: every listing has several, so a fault can land on a followed next link.
    h = await startHarness({ pingone: { environments: [directory], clients: [client], shortPages: true }, env: { HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS) } });
  });
  afterAll(() => h?.close());
  afterEach(() => h.pingone.faults.clear());

  /** Runs a sync; answers its result and the PingOne requests it made, after checking it is exact. */
  async function syncExactly(prefix: string, malformedRecord = 0): Promise<{ result: SyncResult; requests: RequestRecord<string>[] }> {
    const from = h.pingone.requests.length;
    const result = await h.sync(h.input(connectionId(prefix), client, directory));
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(result).toMatchObject({
      usersActive: expected.counts.active,
      usersDisabled: expected.counts.disabled,
      usersLocked: expected.counts.locked,
      usersDeleted: 0,
      usersSkipped: { noEmail: expected.skipped.noEmail, duplicateEmail: expected.skipped.duplicateEmail, malformedRecord },
    });
    return { result, requests: h.pingone.requests.slice(from) };
  }

  it('429 with Retry-After: the page is asked for again no sooner than PingOne said', async () => {
    h.pingone.faults.add({ kind: 'users', match: isLaterPage, respond: { ...requestLimited(), headers: { 'Retry-After': '2' } } });
    const { requests } = await syncExactly('p429');
    const limited = requests.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    const again = requests.find((r) => r !== limited && urlOf(r) === urlOf(limited as RequestRecord<string>));
    expect((again as RequestRecord<string>).at - (limited as RequestRecord<string>).at).toBeGreaterThanOrEqual(2000);
  });

  it('bursts of 500, 502, 503 and 504: each page retried until it comes', async () => {
    for (const [kind, status] of [['users', 500], ['groups', 502], ['applications', 503], ['members', 504]] as const) {
      h.pingone.faults.add({ kind, times: 2, respond: { status, body: '<html>upstream trouble</html>' } });
    }
    const { requests } = await syncExactly('p5xx');
    expect(h.pingone.faults.pending).toBe(0);
    const failed = requests.filter((r) => r.fault === 'status');
    expect(failed.map((r) => r.status).sort()).toEqual([500, 500, 502, 502, 503, 503, 504, 504]);
    // Every failed page was answered 200 in the end.
    for (const r of failed) expect(requests.some((o) => urlOf(o) === urlOf(r) && o.status === 200)).toBe(true);
  });

  it('a connection reset mid-body', async () => {
    h.pingone.faults.add({ kind: 'users', match: isLaterPage, respond: { reset: true } });
    h.pingone.faults.add({ kind: 'members', respond: { reset: true } });
    const { requests } = await syncExactly('preset');
    expect(requests.filter((r) => r.fault === 'reset')).toHaveLength(2);
  });

  it(`an answer slower than the ${HTTP_TIMEOUT_MS} ms request timeout`, async () => {
    h.pingone.faults.add({ kind: 'users', match: isLaterPage, respond: { delayMs: HTTP_TIMEOUT_MS + 1500 } });
    const { requests } = await syncExactly('pslow');
    const slow = requests.find((r) => r.fault === 'delay') as RequestRecord<string>;
    expect(requests.filter((r) => urlOf(r) === urlOf(slow))).toHaveLength(2);
  });

  it('a 200 with a truncated JSON body', async () => {
    h.pingone.faults.add({ kind: 'users', match: isLaterPage, respond: { truncate: true } });
    h.pingone.faults.add({ kind: 'groups', respond: { truncate: true } });
    const { requests } = await syncExactly('ptruncated');
    expect(requests.filter((r) => r.fault === 'truncate')).toHaveLength(2);
  });

  it('every token revoked in the middle of the run (401 INVALID_TOKEN)', async () => {
    const tokensBefore = h.pingone.issuedTokens.length;
    whenRequest(h.pingone.faults, 'users', 3, () => h.pingone.revokeTokens());
    const { requests } = await syncExactly('prevoked');
    expect(requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    expect(h.pingone.issuedTokens.length).toBeGreaterThan(tokensBefore);
  });

  it('expired cursors: those listings start again from their first page, counting nobody twice', async () => {
    // The first followed next link of a user listing finds every cursor issued so far dead.
    whenRequest(h.pingone.faults, 'users', 1, () => h.pingone.expireCursors(), isLaterPage);
    const { requests } = await syncExactly('pcursor');
    const expiredLinks = requests.filter((r) => r.status === 400 && isLaterPage(r));
    expect(expiredLinks.length).toBeGreaterThanOrEqual(1);
    // Each listing whose cursor expired fetched its first page twice.
    const firstPages = requests.filter((r) => r.kind === 'users' && !isLaterPage(r)).map(urlOf);
    const repeated = firstPages.filter((url, i) => firstPages.indexOf(url) !== i);
    expect(repeated.length).toBeGreaterThanOrEqual(1);
  });

  it('the same user on two pages', async () => {
    let twice: SimUser | undefined;
    h.pingone.faults.add({
      kind: 'users',
      match: isLaterPage,
      respond: {
        edit: (body) => {
          const page = body as UserPage;
          const onPage = new Set(page._embedded.users.map((u) => u.id));
          twice = directory.users.find((u) => !onPage.has(u.id) && u.email !== undefined);
          page._embedded.users.push(structuredClone(twice as SimUser));
          return page;
        },
      },
    });
    const { requests } = await syncExactly('ptwice');
    expect(requests.filter((r) => r.fault === 'edit')).toHaveLength(1);
    expect(twice).toBeDefined();
  });

  it('malformed user records are skipped and counted', async () => {
    h.pingone.faults.add({
      kind: 'users',
      respond: {
        edit: (body) => {
          const page = body as UserPage;
          page._embedded.users.push({ id: 12345, username: 'numeric-id' } as never, { username: 'no-id@example.com', email: 'no-id@example.com' } as never);
          return page;
        },
      },
    });
    const { result } = await syncExactly('pmalformed', 2);
    expect(result.usersSkipped.malformedRecord).toBe(2);
  });
});
