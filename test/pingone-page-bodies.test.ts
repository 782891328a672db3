// A PingOne page read through the API client as bytes (activities/pingone/http.ts parseJsonBytes):
// names beyond Latin-1 arrive intact, a body nested deeper than MAX_JSON_DEPTH is refused as too
// large, one nested exactly that deep is read, and a 200 whose body is not JSON is malformed. A page
// of ids (group members), read as Latin-1 first, keeps every id and next link exactly as PingOne
// sent them. The oracle is the simulator's directory (what PingOne holds), or JSON.parse of the
// bytes as WHATWG's TextDecoder reads UTF-8, never the code under test.
import type { Got } from 'got';
import { pingOneApiFor } from '../activities/connection';
import { createHttp, MAX_JSON_DEPTH } from '../activities/pingone/http';
import { LISTINGS } from '../activities/pingone/listings';
import { readPage } from '../activities/pingone/pages';
import { RateBudgets } from '../activities/pingone/rate-budget';
import { TokenCache } from '../activities/pingone/token';
import { ProblemError } from '../activities/problem';
import { generateDirectory } from '../sim/directory';
import { freshCredentials, startSimulators, type Simulators } from '../sim/stack';

const directory = generateDirectory({ seed: 7, users: 400, groups: 3, applications: 2, populationShares: [1], unrestrictedAppShare: 0 });
// Two members whose ids are beyond ASCII (PingOne's are UUIDs; a reader must not depend on it).
const [firstGroup] = directory.groups;
for (const id of ['Łucja-ü-0001', 'zoë-0002']) {
  directory.users.push({ ...directory.users[0], id, username: id, email: `${id}@example.com` });
  directory.members.get(firstGroup.id)?.add(id) ?? directory.members.set(firstGroup.id, new Set([id]));
}
const { client, toriiKey } = freshCredentials(directory, 'page-bodies');
let sims: Simulators;
let http: Got;

beforeAll(async () => {
  sims = await startSimulators({ pingone: { environments: [directory], clients: [client] }, torii: { apiKey: toriiKey } });
  http = createHttp({ requestTimeoutMs: 10_000, maxResponseBytes: 4 * 1024 * 1024 });
});
afterAll(() => sims.close());

function api() {
  const policy = { authBaseUrl: sims.pingone.authUrl, apiBaseUrl: sims.pingone.apiUrl, allowedHosts: [new URL(sims.pingone.origin).host] };
  const budgets = new RateBudgets({ requestsPerSecond: 1000, concurrency: 4 }, 4 * 1024 * 1024);
  return pingOneApiFor({ environmentId: directory.environmentId, clientId: client.clientId, clientSecret: client.clientSecret }, policy, { http, tokens: new TokenCache(http), budgets });
}

const firstPage = (a: ReturnType<typeof api>) => readPage(a, a.environmentUrl('/users?limit=200'), 'users', 'users', false);

async function failureOf(promise: Promise<unknown>): Promise<ProblemError['problem']> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProblemError);
  return (err as ProblemError).problem;
}

describe('a PingOne page read as bytes', () => {
  it('keeps every name as PingOne holds it, characters beyond Latin-1 included', async () => {
    const beyondLatin1 = directory.users.filter((u) => [...JSON.stringify(u.name ?? {})].some((c) => c.charCodeAt(0) > 0xff));
    expect(beyondLatin1.length).toBeGreaterThan(0);
    const byId = new Map(directory.users.map((u) => [u.id, u]));
    const a = api();
    let seen = 0;
    for (let url: string | null = a.environmentUrl('/users?limit=200'), cursor = false; url !== null; cursor = true) {
      const page = await readPage(a, url, 'users', 'users', cursor);
      for (const record of page.records as { id: string; name?: unknown }[]) {
        expect(record.name).toEqual(byId.get(record.id)?.name);
        seen++;
      }
      url = page.next;
    }
    expect(seen).toBe(directory.users.length);
  });

  it(`reads a body nested ${MAX_JSON_DEPTH} deep and refuses one nested deeper as too large`, async () => {
    const nest = (depth: number): unknown => (depth <= 1 ? [] : [nest(depth - 1)]);
    // `{ _embedded: { users: [ <nest> ] } }`: three levels of the envelope around the nesting.
    sims.pingone.faults.add({ kind: 'users', respond: { status: 200, body: { _embedded: { users: [nest(MAX_JSON_DEPTH - 3)] } } } });
    const allowed = await firstPage(api());
    expect(allowed.records).toHaveLength(1);
    sims.pingone.faults.add({ kind: 'users', respond: { status: 200, body: { _embedded: { users: [nest(MAX_JSON_DEPTH - 2)] } } } });
    expect(await failureOf(firstPage(api()))).toMatchObject({ type: 'PingOneResponseTooLarge' });
  });

  it('calls a 200 whose body is not JSON malformed, and a 502 with an HTML body retryable', async () => {
    sims.pingone.faults.add({ kind: 'users', respond: { status: 200, body: 'Łódź <html>not json' } });
    expect(await failureOf(firstPage(api()))).toMatchObject({ type: 'PingOneMalformedResponse' });
    sims.pingone.faults.add({ kind: 'users', respond: { status: 502, body: '<html>upstream trouble</html>' } });
    expect(await failureOf(firstPage(api()))).toMatchObject({ retryable: true });
  });
});

describe('a page of ids (group members) read as Latin-1 first', () => {
  const members = LISTINGS.members;
  const readMembers = (a: ReturnType<typeof api>, url: string, cursor: boolean) => readPage(a, url, members.resource, members.embedded, cursor, members.keptText);

  it("keeps every group's member ids as PingOne holds them, ids beyond ASCII and names beyond Latin-1 included", async () => {
    const a = api();
    for (const group of directory.groups) {
      const ids: string[] = [];
      // Pages of 50, so every group's listing follows next links.
      let url: string | null = a.environmentUrl(`/users?limit=50&filter=${encodeURIComponent(`memberOfGroups[id eq "${group.id}"]`)}`);
      for (let cursor = false; url !== null; cursor = true) {
        const page = await readMembers(a, url, cursor);
        ids.push(...(page.records as { id: string }[]).map((r) => r.id));
        url = page.next;
      }
      expect(ids.sort()).toEqual([...(directory.members.get(group.id) ?? [])].sort());
    }
    expect(directory.members.get(firstGroup.id)).toContain('Łucja-ü-0001');
  });

  it('reads ids and the next link as UTF-8 does, whether they are ASCII, beyond it, escaped, or not valid UTF-8', async () => {
    const a = api();
    const url = a.environmentUrl(members.path({ kind: 'members', groupId: firstGroup.id }));
    const next = a.environmentUrl('/users?cursor=');
    const pageOf = (ids: string[], nextHref: string, name = 'Łódź \\u0141 \\"q\\"') =>
      `{"_links":{"next":{"href":"${nextHref}"}},"_embedded":{"users":[${ids.map((id) => `{"id":"${id}","name":{"given":"${name}"}}`).join(',')}]}}`;
    const bodies = [
      Buffer.from(pageOf(['plain-1', 'plain-2'], `${next}abc`)),
      Buffer.from(pageOf(['plain-1', 'Ł-3'], `${next}abc`)),
      Buffer.from(pageOf(['plain-1', '\\u00e9t\\u00e9-4', '\\u0041scii-5'], `${next}abc`, '\\u00e9')),
      Buffer.from(pageOf(['plain-1'], `${next}Łdef`)),
      // A name, then an id, holding a byte that is not UTF-8: read as U+FFFD.
      Buffer.concat([Buffer.from('{"_embedded":{"users":[{"id":"plain-1","name":{"given":"x'), Buffer.from([0xff]), Buffer.from('"}}]}}')]),
      Buffer.concat([Buffer.from('{"_embedded":{"users":[{"id":"bad-'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}}')]),
    ];
    for (const body of bodies) {
      const oracle = JSON.parse(new TextDecoder('utf-8').decode(body)) as { _links?: { next: { href: string } }; _embedded: { users: { id: string }[] } };
      sims.pingone.faults.add({ kind: 'members', respond: { status: 200, body } });
      const page = await readMembers(a, url, false);
      expect((page.records as { id: string }[]).map((r) => r.id)).toEqual(oracle._embedded.users.map((u) => u.id));
      expect(page.next).toBe(oracle._links ? new URL(oracle._links.next.href).href : null);
    }
  });
});
