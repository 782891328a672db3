// A PingOne page read through the API client as bytes (activities/pingone/http.ts parseJsonBytes):
// names beyond Latin-1 arrive intact, a body nested deeper than MAX_JSON_DEPTH is refused as too
// large, one nested exactly that deep is read, and a 200 whose body is not JSON is malformed. The
// oracle is the simulator's directory (what PingOne holds), never the code under test.
import type { Got } from 'got';
import { pingOneApiFor } from '../activities/connection';
import { createHttp, MAX_JSON_DEPTH } from '../activities/pingone/http';
import { readPage } from '../activities/pingone/pages';
import { RateBudgets } from '../activities/pingone/rate-budget';
import { TokenCache } from '../activities/pingone/token';
import { ProblemError } from '../activities/problem';
import { generateDirectory } from '../sim/directory';
import { freshCredentials, startSimulators, type Simulators } from '../sim/stack';

const directory = generateDirectory({ seed: 7, users: 400, groups: 3, applications: 2, populationShares: [1], unrestrictedAppShare: 0 });
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
