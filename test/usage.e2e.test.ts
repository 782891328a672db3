// Per-application usage end to end (issue 14): sign-on events in PingOne's audit activities reach
// each mapped application's own Torii file as lastUsedDate, exactly as the oracle (expected-usage.ts,
// written from the documented rules) says; a second sync reads only the events since the first
// (counted at the simulator) and keeps usage that has aged out of PingOne; a Worker app without the
// audit permission still publishes, without lastUsedDate and with a warning; a mapped application
// that is gone is a warning, not a failure.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { postgresStore } from '../activities/store/sql';
import type { UsageReport } from '../activities/store/usage-report';
import type { OperatorContext } from '../client/operator-commands';
import { capturingTerminal } from '../client/terminal';
import { registerUsageCommand } from '../client/usage-command';
import { deleteUsers, generateDirectory, type Directory } from './sim/directory';
import { expectedToriiFile, type ToriiFile } from './sim/expected';
import { isLicensable } from './sim/expected-access';
import { expectedAppAccountFile, sortedAppFile, type AppAccountFile, type AppAccountUser } from './sim/expected-usage';
import type { SimClient } from './sim/pingone';
import { ageOut, auditLogOf, recordAudit, type AuditEvent, type SignOn } from './sim/pingone-audit';
import { seededRandom as seeded } from './sim/random';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

const MAIN = 4242;
const DAY = 24 * 3600 * 1000;

describe('per-application usage', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;
  let deniedClient: SimClient;

  beforeAll(async () => {
    directory = generateDirectory({ seed: 23, users: 400, groups: 12, applications: 12 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-usage-Tq8Lw2', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    deniedClient = { clientId: randomUUID(), clientSecret: 'sim-secret-usage-denied-P3x', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client, deniedClient], shortPages: true }, env: { PINGONE_PROPAGATION_GRACE_SECONDS: '0' } });
    auditLogOf(directory).deniedClientIds.add(deniedClient.clientId);
    // Below the worker's audit budget (4/s): the audit endpoint answers its own 429s, which the read waits out.
    auditLogOf(directory).requestsPerSecond = 2;
  });
  afterAll(() => h?.close());

  /** Two mapped applications: one open to every user, one group-restricted. */
  function mappedApps(): { open: string; restricted: string } {
    const licensable = directory.applications.filter(isLicensable).filter((a) => !a.accessControl?.role);
    const open = licensable.find((a) => !a.accessControl)?.id as string;
    const restricted = licensable.find((a) => a.accessControl?.group)?.id as string;
    return { open, restricted };
  }

  /** Sign-ons of licensed and unlicensed users, failed attempts, other event types, gone users and apps. */
  function signOns(n: number, from: number, to: number, seed: number): SignOn[] {
    const rnd = seeded(seed);
    const apps = directory.applications.map((a) => a.id);
    const at = () => new Date(from + Math.floor(rnd() * (to - from)));
    const out: SignOn[] = [];
    for (let i = 0; i < n; i++) {
      const user = directory.users[Math.floor(rnd() * directory.users.length)];
      const appId = apps[Math.floor(rnd() * apps.length)];
      const roll = rnd();
      if (roll < 0.7) out.push({ userId: user.id, userName: user.username, appId, at: at() });
      else if (roll < 0.78) out.push({ userId: user.id, appId, at: at(), status: 'FAILED' });
      else if (roll < 0.88) out.push({ userId: user.id, appId, at: at(), type: 'USER.UPDATED' });
      else if (roll < 0.94) out.push({ userId: randomUUID(), appId, at: at() }); // a user that is gone
      else out.push({ userId: user.id, appId: randomUUID(), at: at() }); // an application that is gone
    }
    return out;
  }

  function usageCli() {
    const out = capturingTerminal();
    const ctx: OperatorContext = {
      connect: async () => h.env.client,
      taskQueue: h.taskQueue,
      out,
      exit: () => undefined,
    };
    const program = new Command('pingone-torii-sync').exitOverride();
    registerUsageCommand(program, ctx);
    return { out, run: (...args: string[]) => program.parseAsync(args, { from: 'user' }) };
  }

  const appFile = (appAccountId: number, nth = -1): AppAccountFile => {
    const syncs = h.torii.syncs.filter((s) => s.appAccountId === appAccountId);
    return syncs.at(nth)?.file as AppAccountFile;
  };

  it('publishes each mapped application with its last sign-ons, then only new events, keeping aged-out usage', async () => {
    const { open, restricted } = mappedApps();
    const id = connectionId('usage');
    const applicationAccounts = [
      { pingOneApplicationId: open, toriiAppAccountId: 5001 },
      { pingOneApplicationId: restricted, toriiAppAccountId: 5002 },
    ];
    const now = Date.now();
    // Older than PingOne reaches (never served), and inside the 14 days (served on the first sync).
    const tooOld = recordAudit(directory, h.pingone.origin, signOns(50, now - 30 * DAY, now - 15 * DAY, 1));
    const served: AuditEvent[] = recordAudit(directory, h.pingone.origin, signOns(1500, now - 13 * DAY, now - 3600_000, 2));
    const first = await h.sync(h.input(id, client, directory, { options: { applicationAccounts } }));

    const main1 = expectedToriiFile(directory).file;
    expect(sortedFile(h.torii.syncs.filter((s) => s.appAccountId === MAIN).at(-1)?.file as ToriiFile)).toEqual(sortedFile(main1));
    for (const { pingOneApplicationId, toriiAppAccountId } of applicationAccounts) {
      expect(sortedAppFile(appFile(toriiAppAccountId))).toEqual(sortedAppFile(expectedAppAccountFile(directory, main1, pingOneApplicationId, { events: served })));
    }
    const accessAllowed = served.filter((e) => e.action.type === 'USER.ACCESS_ALLOWED');
    expect(first.usage).toMatchObject({
      audit: 'read',
      backfill: true,
      // The simulator filters by type; the failed attempts come back and are not sign-ons.
      eventsRead: accessAllowed.length,
      signOnsNew: accessAllowed.filter((e) => e.result.status === 'SUCCESS').length,
      appsPublished: 2,
    });
    expect(Date.parse(first.usage?.windowTo as string) - Date.parse(first.usage?.windowFrom as string)).toBeLessThanOrEqual(14 * DAY);
    expect(appFile(5001).users.some((u) => u.lastUsedDate)).toBe(true);
    const limited = h.pingone.requests.filter((r) => r.kind === 'activities' && r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(h.pingone.requests.filter((r) => r.kind !== 'activities' && r.status === 429)).toEqual([]);
    expect(tooOld.length).toBeGreaterThan(0);

    // Everything served so far leaves PingOne's retention; new sign-ons arrive; some users leave.
    ageOut(directory, new Date(Date.now()));
    const fresh = recordAudit(directory, h.pingone.origin, signOns(120, Date.now() - 1000, Date.now(), 3).map((s) => ({ ...s, at: new Date() })));
    const gone = directory.users.filter((_, i) => i % 50 === 0).map((u) => u.id);
    deleteUsers(directory, gone);
    const auditBefore = h.pingone.requests.filter((r) => r.kind === 'activities').length;
    const second = await h.sync(h.input(id, client, directory, { options: { applicationAccounts } }));

    const auditRequests = h.pingone.requests.filter((r) => r.kind === 'activities').slice(auditBefore);
    const filters = auditRequests.map((r) => new URLSearchParams(r.query).get('filter') as string);
    // Read since the first read's end, less the 5-minute overlap for late events (the window's first slice starts there).
    const since = new Date(Date.parse(first.usage?.windowTo as string) - 5 * 60_000).toISOString();
    expect(second.usage?.windowFrom).toBe(since);
    expect(filters.some((f) => f.startsWith(`recordedat gt "${since}"`))).toBe(true);
    expect(filters.every((f) => Date.parse(/recordedat gt "([^"]+)"/.exec(f)?.[1] ?? '') >= Date.parse(since))).toBe(true);
    const freshAllowed = fresh.filter((e) => e.action.type === 'USER.ACCESS_ALLOWED');
    expect(second.usage).toMatchObject({ backfill: false, eventsRead: freshAllowed.length, signOnsNew: freshAllowed.filter((e) => e.result.status === 'SUCCESS').length });
    // A 429 fails its attempt before a page is read; only the pages read count as the read's requests.
    expect(second.usage?.auditRequests).toBe(auditRequests.filter((r) => r.status === 200).length);

    const main2 = expectedToriiFile(directory, { previouslySent: main1.users }).file;
    for (const { pingOneApplicationId, toriiAppAccountId } of applicationAccounts) {
      const previouslySent = appFile(toriiAppAccountId, -2).users as AppAccountUser[];
      const expected = expectedAppAccountFile(directory, main2, pingOneApplicationId, { events: [...served, ...fresh], previouslySent });
      expect(sortedAppFile(appFile(toriiAppAccountId))).toEqual(sortedAppFile(expected));
    }
    expect(appFile(5001).users.filter((u) => u.status === 'deleted').length).toBeGreaterThan(0);

    // Deletions are sent once: a third sync sends none of them again.
    await h.sync(h.input(id, client, directory, { options: { applicationAccounts } }));
    expect(appFile(5001).users.filter((u) => u.status === 'deleted')).toEqual([]);

    // The operators' view of the same: per application licensed, active within 30 days, never seen.
    const main3 = expectedToriiFile(directory, { previouslySent: main2.users }).file;
    const { out, run } = usageCli();
    await run('usage', id, '--json', '--inactive-days', '30');
    const report = JSON.parse(out.text()) as UsageReport;
    for (const appId of [open, restricted]) {
      const expected = expectedAppAccountFile(directory, main3, appId, { events: [...served, ...fresh] }).users.filter((u) => u.status === 'active');
      const seen = expected.filter((u) => u.lastUsedDate).length;
      // Gained by the last sync's read: last sign-ons after where that read began (its 5-minute overlap reaches the fresh ones).
      const gained = expected.filter((u) => u.lastUsedDate && u.lastUsedDate > (report.lastReadFrom as string)).length;
      expect(report.applications.find((a) => a.appId === appId)).toMatchObject({ licensed: expected.length, activeInPeriod: seen, signedOnInLastRead: gained, neverSeen: expected.length - seen });
    }
    const name = directory.applications.find((a) => a.id === restricted)?.name as string;
    const one = usageCli();
    await one.run('usage', id, '--app', name, '--inactive-days', '7');
    const lines = one.out.text().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Usage of ${id}: sign-ons within the last 7 days`));
    expect(lines[1]).toMatch(/^APPLICATION\s+PINGONE ID\s+LICENSED\s+ACTIVE\s+LAST SYNC\s+NEVER SEEN\s+LAST SIGN-ON$/);
    expect(lines.slice(2).filter((l) => l.startsWith(name))).toHaveLength(1);
  });

  it('publishes without lastUsedDate and warns when the Worker app may not read audit activities', async () => {
    const { open } = mappedApps();
    const id = connectionId('usage-denied');
    const result = await h.sync(h.input(id, deniedClient, directory, { torii: { appAccountId: 4343 }, options: { applicationAccounts: [{ pingOneApplicationId: open, toriiAppAccountId: 5101 }] } }));
    expect(result.usage).toMatchObject({ audit: 'denied', eventsRead: 0, appsPublished: 1 });
    expect(result.warnings.join('\n')).toContain('may not read audit activities');
    expect(result.warnings.join('\n')).toContain('audit_reporting:read:activity');
    const main = expectedToriiFile(directory).file;
    expect(sortedAppFile(appFile(5101))).toEqual(sortedAppFile(expectedAppAccountFile(directory, main, open, { events: [], withUsage: false })));
  });

  it('warns about a mapped application that no longer exists and publishes the others', async () => {
    const { restricted } = mappedApps();
    const id = connectionId('usage-missing');
    const goneApp = randomUUID();
    const result = await h.sync(
      h.input(id, client, directory, {
        torii: { appAccountId: 4444 },
        options: { applicationAccounts: [{ pingOneApplicationId: goneApp, toriiAppAccountId: 5201 }, { pingOneApplicationId: restricted, toriiAppAccountId: 5202 }] },
      }),
    );
    expect(result.usage?.appAccounts.map((a) => [a.toriiAppAccountId, a.status])).toEqual([[5201, 'missing'], [5202, 'published']]);
    expect(result.warnings.some((w) => w.includes(goneApp) && w.includes('5201'))).toBe(true);
    expect(h.torii.syncs.some((s) => s.appAccountId === 5201)).toBe(false);
  });

  it('keeps a dry run’s application file instead of uploading it', async () => {
    const { open } = mappedApps();
    const result = await h.sync(
      h.input(connectionId('usage-dry'), client, directory, { torii: { appAccountId: 4646 }, options: { dryRun: true, applicationAccounts: [{ pingOneApplicationId: open, toriiAppAccountId: 5401 }] } }),
    );
    const app = result.usage?.appAccounts[0];
    expect(app).toMatchObject({ status: 'dry-run', toriiFileId: null });
    expect(h.torii.syncs.some((s) => s.appAccountId === 5401)).toBe(false);
    const kept = JSON.parse(readFileSync(app?.filePath as string, 'utf8')) as AppAccountFile;
    const served = auditLogOf(directory).events;
    expect(sortedAppFile(kept)).toEqual(sortedAppFile(expectedAppAccountFile(directory, expectedToriiFile(directory).file, open, { events: served })));
  });

  it('holds back a mapped application whose file would delete more than the deletion guard allows', async () => {
    const { restricted } = mappedApps();
    const app = directory.applications.find((a) => a.id === restricted);
    const id = connectionId('usage-held');
    const options = { applicationAccounts: [{ pingOneApplicationId: restricted, toriiAppAccountId: 5301 }] };
    const first = await h.sync(h.input(id, client, directory, { torii: { appAccountId: 4545 }, options }));
    const holders = first.usage?.appAccounts[0].users ?? 0;
    expect(holders).toBeGreaterThan(10);
    const rule = app?.accessControl;
    // Nobody may use it any more (a group no one is in), while every user stays in the directory.
    if (app) app.accessControl = { group: { type: 'ANY_GROUP', groups: [{ id: randomUUID() }] } };
    try {
      const before = h.torii.syncs.filter((s) => s.appAccountId === 5301).length;
      const second = await h.sync(h.input(id, client, directory, { torii: { appAccountId: 4545 }, options }));
      expect(second.usersDeleted).toBe(0);
      expect(second.usage?.appAccounts[0]).toMatchObject({ status: 'held', usersDeleted: holders, toriiFileId: null });
      expect(second.warnings.some((w) => w.includes(`would send ${holders} of the ${holders} users`) && w.includes('5301'))).toBe(true);
      expect(h.torii.syncs.filter((s) => s.appAccountId === 5301)).toHaveLength(before);
    } finally {
      if (app) app.accessControl = rule;
    }
  });
});
