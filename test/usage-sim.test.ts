// The simulator's audit activities behave as PingOne's docs say, since the usage tests rely on it:
// a recordedat range is required and may span at most 14 days; events older than 14 days are no
// longer readable; action.type filters; pages follow _links.next and die with expireCursors(); the
// endpoint has its own rate limit; a role without the audit permission gets 403.
import { randomUUID } from 'node:crypto';
import { generateDirectory, type Directory } from '../sim/directory';
import { startPingOneSimulator, type PingOneSimulator, type SimClient } from '../sim/pingone';
import { ageOut, auditLogOf, recordAudit } from '../sim/pingone-audit';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DAY = 24 * 3600 * 1000;

describe('simulated audit activities', () => {
  let sim: PingOneSimulator;
  let dir: Directory;
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-audit-sim', environmentId: '', authMethod: 'CLIENT_SECRET_POST' };
  let token: string;

  beforeAll(async () => {
    dir = generateDirectory({ seed: 5, users: 20 });
    client.environmentId = dir.environmentId;
    sim = await startPingOneSimulator({ environments: [dir], clients: [client], maxPageSize: 10 });
    const response = await fetch(`${sim.authUrl}/${dir.environmentId}/as/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString(),
    });
    token = ((await response.json()) as Json).access_token as string;
    const now = Date.now();
    const user = dir.users[0].id;
    const app = dir.applications[0].id;
    recordAudit(dir, sim.origin, [
      ...Array.from({ length: 25 }, (_, i) => ({ userId: user, appId: app, at: new Date(now - (i + 1) * 3600_000) })),
      { userId: user, appId: app, at: new Date(now - 2 * 3600_000), type: 'USER.UPDATED' },
      { userId: user, appId: app, at: new Date(now - 20 * DAY) },
    ]);
  });
  afterAll(() => sim?.close());
  afterEach(() => {
    auditLogOf(dir).requestsPerSecond = 10;
    auditLogOf(dir).deniedClientIds.clear();
  });

  const url = (filter?: string) => `${sim.apiUrl}/environments/${dir.environmentId}/activities?limit=100${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`;
  const get = async (u: string) => {
    const response = await fetch(u, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Json, retryAfter: response.headers.get('retry-after') };
  };
  const range = (fromMs: number, toMs: number, extra = '') =>
    `recordedat gt "${new Date(fromMs).toISOString()}" and recordedat lt "${new Date(toMs).toISOString()}"${extra}`;

  it('requires a recordedat range of at most 14 days', async () => {
    expect((await get(url())).status).toBe(400);
    expect((await get(url(`recordedat gt "${new Date().toISOString()}"`))).status).toBe(400);
    const wide = await get(url(range(Date.now() - 15 * DAY, Date.now())));
    expect(wide.status).toBe(400);
    expect(wide.body.details[0].message).toContain('14 days');
    expect((await get(url(range(Date.now() - 14 * DAY + 60_000, Date.now())))).status).toBe(200);
  });

  it('filters by action type, hides events past 14 days and pages with _links.next until the cursors expire', async () => {
    const filter = range(Date.now() - 14 * DAY + 60_000, Date.now(), ' and action.type eq "USER.ACCESS_ALLOWED"');
    const items: Json[] = [];
    let next: string | undefined = url(filter);
    let pages = 0;
    let second: string | undefined;
    while (next) {
      const page = await get(next);
      expect(page.status).toBe(200);
      items.push(...page.body._embedded.activities);
      next = page.body._links.next?.href;
      if (pages++ === 0) second = next;
    }
    expect(pages).toBe(3);
    expect(items).toHaveLength(25);
    expect(items.every((e) => e.action.type === 'USER.ACCESS_ALLOWED' && e.actors.client.id === dir.applications[0].id && e.resources[0].type === 'USER')).toBe(true);
    const both = await get(url(range(Date.now() - 14 * DAY + 60_000, Date.now(), ' and (action.type eq "USER.ACCESS_ALLOWED" or action.type eq "USER.UPDATED")')));
    expect(both.body.count).toBe(26);
    sim.expireCursors();
    expect((await get(second as string)).status).toBe(400);
  });

  it('answers 429 with Retry-After over its own budget, and 403 to a role without the audit permission', async () => {
    auditLogOf(dir).requestsPerSecond = 2;
    auditLogOf(dir).recent = []; // the earlier tests' requests of this second do not count here
    const filter = range(Date.now() - DAY, Date.now());
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await get(url(filter)));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 429]);
    expect(statuses[2].retryAfter).toBe('1');
    // The management API is not limited by the audit budget, nor the audit endpoint by the API's.
    expect((await get(`${sim.apiUrl}/environments/${dir.environmentId}/users?limit=1`)).status).toBe(200);
    sim.settings.rateLimit = { requestsPerSecond: 1 };
    auditLogOf(dir).requestsPerSecond = 10;
    auditLogOf(dir).recent = [];
    expect((await get(`${sim.apiUrl}/environments/${dir.environmentId}/users?limit=1`)).status).toBe(200);
    expect((await get(`${sim.apiUrl}/environments/${dir.environmentId}/users?limit=1`)).status).toBe(429);
    expect((await get(url(filter))).status).toBe(200);
    sim.settings.rateLimit = undefined;
    auditLogOf(dir).requestsPerSecond = 10;
    auditLogOf(dir).deniedClientIds.add(client.clientId);
    auditLogOf(dir).recent = [];
    expect((await get(url(filter))).status).toBe(403);
  });

  it('loses events to retention for good', () => {
    expect(ageOut(dir, new Date(Date.now() - 5 * 3600_000))).toBeGreaterThan(0);
    expect(auditLogOf(dir).events.every((e) => Date.parse(e.recordedAt) >= Date.now() - 5 * 3600_000)).toBe(true);
  });
});
