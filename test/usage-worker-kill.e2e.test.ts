// The usage read survives the worker: the worker runs as its own process and is SIGKILLed while an
// audit activities page is on the wire, twice, on a server that suggests continue-as-new early, so
// the read's next link rides the checkpoint across runs. Each mapped application's file must still
// be exactly the oracle's, every sign-on counted once, and a page fetched again only when a kill
// caught it in flight.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncWorkflowId } from '../contract/sync';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile } from './oracle/expected';
import { isLicensable } from './oracle/expected-access';
import { expectedAppAccountFile, sortedAppFile, type AppAccountFile } from './oracle/expected-usage';
import type { SimClient } from '../sim/pingone';
import { recordAudit, type SignOn } from '../sim/pingone-audit';
import { seededRandom } from '../sim/random';
import { connectionId, type Harness } from './support/harness';
import { startKillableWorker, type KillableWorker } from './support/killable-worker';
import { runHistories } from './support/run-histories';

const DAY = 24 * 3600 * 1000;
/** The audit pages whose request kills the worker. */
const KILL_AT = [4, 15];

describe('worker kills during the usage read', () => {
  const directory = generateDirectory({ seed: 71, users: 600, groups: 10, applications: 12 });
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-usage-kill-Zr5', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  const logFile = join(mkdtempSync(join(tmpdir(), 'usage-kill-')), 'worker.log');
  let stack: KillableWorker;
  let h: Harness;

  beforeAll(async () => {
    stack = await startKillableWorker({ pingone: { environments: [directory], clients: [client] }, suggestContinueAsNew: 40, env: { PINGONE_AUDIT_REQUESTS_PER_SECOND: '8' }, logFile });
    h = stack.h;
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('re-reads at most the page in flight per kill and publishes exactly the oracle’s files', async () => {
    const rnd = seededRandom(72);
    const now = Date.now();
    const apps = directory.applications.map((a) => a.id);
    const signOns: SignOn[] = Array.from({ length: 6000 }, () => ({
      userId: directory.users[Math.floor(rnd() * directory.users.length)].id,
      appId: apps[Math.floor(rnd() * apps.length)],
      at: new Date(now - 12 * DAY + Math.floor(rnd() * 11 * DAY)),
      ...(rnd() < 0.1 ? { type: 'USER.UPDATED' } : {}),
    }));
    const served = recordAudit(directory, h.pingone.origin, signOns);
    const mapped = directory.applications.filter(isLicensable).filter((a) => !a.accessControl?.role).slice(0, 2);
    const applicationAccounts = mapped.map((a, i) => ({ pingOneApplicationId: a.id, toriiAppAccountId: 6001 + i }));

    let seen = 0;
    const kills: number[] = [];
    const restarts: Promise<void>[] = [];
    h.pingone.faults.add({
      kind: 'activities',
      times: Number.POSITIVE_INFINITY,
      match: () => {
        seen += 1;
        if (!KILL_AT.includes(seen)) return false;
        process.kill(stack.pid, 'SIGKILL');
        kills.push(Date.now());
        restarts.push(stack.restart());
        return true; // the answer is held back: the page is in flight when the worker dies
      },
      respond: { delayMs: 1500 },
    });

    const id = connectionId('usage-kill');
    const fromRequest = h.pingone.requests.length;
    const result = await h.sync(h.input(id, client, directory, { options: { applicationAccounts } }));
    await Promise.all(restarts);
    expect(kills).toHaveLength(KILL_AT.length);

    const allowed = served.filter((e) => e.action.type === 'USER.ACCESS_ALLOWED');
    expect(result.usage).toMatchObject({ audit: 'read', eventsRead: allowed.length, signOnsNew: allowed.length });
    const main = expectedToriiFile(directory).file;
    for (const { pingOneApplicationId, toriiAppAccountId } of applicationAccounts) {
      const file = h.torii.syncs.filter((s) => s.appAccountId === toriiAppAccountId).at(-1)?.file as AppAccountFile;
      expect(sortedAppFile(file)).toEqual(sortedAppFile(expectedAppAccountFile(directory, main, pingOneApplicationId, { events: served })));
    }

    // Only the pages a kill caught in flight are fetched twice: at most one per lane (two) per kill.
    const pages = h.pingone.requests.slice(fromRequest).filter((r) => r.kind === 'activities' && r.status === 200);
    const fetches = new Map<string, number>();
    for (const r of pages) fetches.set(`${r.path}?${r.query}`, (fetches.get(`${r.path}?${r.query}`) ?? 0) + 1);
    const repeated = [...fetches.values()].filter((n) => n > 1);
    expect(Math.max(...fetches.values())).toBeLessThanOrEqual(2);
    expect(repeated.length).toBeLessThanOrEqual(kills.length * 2);
    expect(result.usage?.auditRequests).toBeGreaterThanOrEqual(fetches.size);

    // The read crossed continue-as-new: audit pages were read in more than one run, the next links riding the checkpoint.
    const runs = await runHistories(h.env.client, syncWorkflowId(id));
    const reading = runs.filter((r) => (r.history.events ?? []).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'readUsagePage'));
    expect(reading.length).toBeGreaterThan(1);
  }, 600_000);
});
