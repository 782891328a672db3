// Per-application usage end to end (issue 14): sign-on events in PingOne's audit activities reach
// each mapped application's own Torii file as lastUsedDate, exactly as the oracle (expected-usage.ts,
// written from the documented rules) says; a second sync reads only the events since the first
// (counted at the simulator) and keeps usage that has aged out of PingOne; a Worker app without the
// audit permission still publishes, without lastUsedDate and with a warning; a mapped application
// that is gone is a warning, not a failure; a mapped application's file deleting more than the
// deletion guard allows holds the whole sync for one decision (approve publishes every file
// exactly, reject fails it with nothing sent; a dry run warns).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { UsageReport } from '../contract/reports';
import type { OperatorContext } from '../client/operator-commands';
import { capturingTerminal } from '../client/terminal';
import { registerDeletionCommands } from '../client/deletion-approval';
import { connectionDiff, diffAsJson } from '../client/diff-command';
import { startSync } from '../client/start-sync';
import { registerUsageCommand } from '../client/usage-command';
import { PROGRESS_QUERY, syncWorkflowId, type SyncProgress, type SyncResult } from '../contract/sync';
import { deleteUsers, generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import { isLicensable } from './oracle/expected-access';
import { expectedAppAccountFile, sortedAppFile, type AppAccountFile, type AppAccountUser } from './oracle/expected-usage';
import type { SimClient } from '../sim/pingone';
import { ageOut, auditLogOf, recordAudit, type AuditEvent, type SignOn } from '../sim/pingone-audit';
import { seededRandom as seeded } from '../sim/random';
import { eventually } from './support/eventually';
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
    const expected1 = new Map<string, AppAccountFile>();
    for (const { pingOneApplicationId, toriiAppAccountId } of applicationAccounts) {
      expected1.set(pingOneApplicationId, expectedAppAccountFile(directory, main1, pingOneApplicationId, { events: served }));
      expect(sortedAppFile(appFile(toriiAppAccountId))).toEqual(sortedAppFile(expected1.get(pingOneApplicationId) as AppAccountFile));
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
    // The progress query shows the read: every record and page it read, every slice to its end.
    const progress = await h.env.client.workflow.getHandle(syncWorkflowId(id)).query<SyncProgress>(PROGRESS_QUERY);
    const pagesRead = h.pingone.requests.filter((r) => r.kind === 'activities' && r.status === 200).length;
    expect(progress.usageRead).toMatchObject({ eventsRead: accessAllowed.length, pages: pagesRead, denied: false });
    expect(progress.usageRead?.slicesDone).toBe(progress.usageRead?.slices);
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
    const expectedGains = [];
    for (const { pingOneApplicationId, toriiAppAccountId } of applicationAccounts) {
      const previouslySent = appFile(toriiAppAccountId, -2).users as AppAccountUser[];
      const expected = expectedAppAccountFile(directory, main2, pingOneApplicationId, { events: [...served, ...fresh], previouslySent });
      expect(sortedAppFile(appFile(toriiAppAccountId))).toEqual(sortedAppFile(expected));
      // Usage gained, from the two expected files: a sign-on newer than the first file sent, or none sent then.
      const before = new Map((expected1.get(pingOneApplicationId) as AppAccountFile).users.filter((u) => u.status === 'active').map((u) => [u.id, u.lastUsedDate]));
      const active = expected.users.filter((u) => u.status === 'active');
      const signedOn = active.filter((u) => u.lastUsedDate);
      const gained = signedOn.filter((u) => !before.get(u.id) || (u.lastUsedDate as string) > (before.get(u.id) as string));
      const name = directory.applications.find((a) => a.id === pingOneApplicationId)?.name as string;
      expectedGains.push({ appId: pingOneApplicationId, name, users: active.length, signedOn: signedOn.length, gained: gained.length, firstSeen: gained.filter((u) => !before.get(u.id)).length });
    }
    expect(appFile(5001).users.filter((u) => u.status === 'deleted').length).toBeGreaterThan(0);

    // The diff of the two syncs shows, per mapped application, the usage the second one gained.
    const diff = await connectionDiff(h.env.client, h.taskQueue, id);
    expect(expectedGains.some((g) => g.gained > 0)).toBe(true);
    expect([...diff.usage].sort((a, b) => a.appId.localeCompare(b.appId))).toEqual(expectedGains.sort((a, b) => a.appId.localeCompare(b.appId)));
    expect(JSON.parse(diffAsJson(diff)).usage).toEqual(diff.usage);

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
    const progress = await h.env.client.workflow.getHandle(syncWorkflowId(id)).query<SyncProgress>(PROGRESS_QUERY);
    expect(progress.usageRead).toMatchObject({ eventsRead: 0, denied: true });
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

  /** Nobody may use the application while `run` runs (a group no one is in); every user stays in the directory. */
  async function withNobodyLicensed<T>(appId: string, run: () => Promise<T>): Promise<T> {
    const app = directory.applications.find((a) => a.id === appId);
    const rule = app?.accessControl;
    if (app) app.accessControl = { group: { type: 'ANY_GROUP', groups: [{ id: randomUUID() }] } };
    try {
      return await run();
    } finally {
      if (app) app.accessControl = rule;
    }
  }

  /** A first, published sync mapping the group-restricted application; answers its holders and its file. */
  async function publishedRestricted(id: string, toriiAppAccountId: number) {
    const { restricted } = mappedApps();
    const applicationAccounts = [{ pingOneApplicationId: restricted, toriiAppAccountId }];
    const first = await h.sync(h.input(id, client, directory, { torii: { appAccountId: 4545 }, options: { applicationAccounts } }));
    const holders = first.usage?.appAccounts[0].users ?? 0;
    // More than the guard's 10 users and 10%: a file sending them all as deleted trips it.
    expect(holders).toBeGreaterThan(10);
    const name = directory.applications.find((a) => a.id === restricted)?.name as string;
    return { restricted, applicationAccounts, holders, name, sent: appFile(toriiAppAccountId).users };
  }

  const deletionCli = () => {
    const printed: string[] = [];
    const program = new Command('pingone-torii-sync').exitOverride();
    registerDeletionCommands(program, { connect: async () => h.env.client, print: (line) => printed.push(line), setExitCode: () => undefined });
    return { printed, run: (...args: string[]) => program.parseAsync(args, { from: 'user' }) };
  };
  const awaitingApproval = (handle: WorkflowHandle) =>
    eventually('the sync to wait for approval', () => handle.query<SyncProgress>(PROGRESS_QUERY), (p) => p.phase === 'awaiting-approval');

  it('holds the sync when a mapped application’s file would delete more than the guard allows; approval publishes every file exactly', async () => {
    const id = connectionId('usage-held-approve');
    const { restricted, applicationAccounts, holders, name, sent } = await publishedRestricted(id, 5301);
    await withNobodyLicensed(restricted, async () => {
      const mainSyncs = h.torii.syncs.filter((s) => s.appAccountId === 4545).length;
      const handle = await startSync(h.env.client, h.input(id, client, directory, { torii: { appAccountId: 4545 }, options: { applicationAccounts } }), h.taskQueue);
      const progress = await awaitingApproval(handle);
      // The main file deletes nobody; the application's file would delete every holder. One decision covers both.
      expect(progress.heldDeletions).toMatchObject({
        usersDeleted: 0,
        applications: [{ pingOneApplicationId: restricted, toriiAppAccountId: 5301, name, usersDeleted: holders, previousUsers: holders }],
      });
      // Nothing is sent while the sync waits, neither the main file nor the application's.
      expect(h.torii.syncs.filter((s) => s.appAccountId === 4545)).toHaveLength(mainSyncs);
      const cli = deletionCli();
      await cli.run('approve-deletions', id, '--by', 'alice');
      expect(cli.printed[0]).toContain(`${holders} of ${holders} users of application "${name}" to app account 5301`);
      const result = (await handle.result()) as SyncResult;
      expect(result.usage?.appAccounts[0]).toMatchObject({ status: 'published', usersDeleted: holders });
      const main = expectedToriiFile(directory).file;
      expect(sortedFile(h.torii.syncs.filter((s) => s.appAccountId === 4545).at(-1)?.file as ToriiFile)).toEqual(sortedFile(main));
      const expected = expectedAppAccountFile(directory, main, restricted, { events: auditLogOf(directory).events, previouslySent: sent });
      expect(expected.users.filter((u) => u.status === 'deleted')).toHaveLength(holders);
      expect(sortedAppFile(appFile(5301))).toEqual(sortedAppFile(expected));
    });
  });

  it('fails DeletionGuardTripped naming the application’s counts when the held deletions are rejected, sending nothing of that application', async () => {
    const id = connectionId('usage-held-reject');
    const { restricted, applicationAccounts, holders, name } = await publishedRestricted(id, 5302);
    await withNobodyLicensed(restricted, async () => {
      const sentBefore = { app: h.torii.syncs.filter((s) => s.appAccountId === 5302).length, requests: h.torii.requests.length };
      const handle = await startSync(h.env.client, h.input(id, client, directory, { torii: { appAccountId: 4545 }, options: { applicationAccounts } }), h.taskQueue);
      await awaitingApproval(handle);
      await deletionCli().run('reject-deletions', id, '--by', 'bob', '--reason', 'the group was emptied by mistake');
      const err = await handle.result().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
      expect(cause.type).toBe('DeletionGuardTripped');
      expect(cause.message).toContain(`The file of application "${name}" (app account 5302) would send ${holders} of the ${holders} users the last sync sent it as deleted (100%)`);
      expect(cause.message).toContain('bob rejected the deletions (the group was emptied by mistake)');
      expect(h.torii.syncs.filter((s) => s.appAccountId === 5302)).toHaveLength(sentBefore.app);
      expect(h.torii.requests).toHaveLength(sentBefore.requests);
    });
  });

  it('only warns on a dry run whose application file a real sync would hold, and keeps that file', async () => {
    const id = connectionId('usage-held-dry');
    const { restricted, applicationAccounts, holders, name, sent } = await publishedRestricted(id, 5303);
    await withNobodyLicensed(restricted, async () => {
      const result = await h.sync(h.input(id, client, directory, { torii: { appAccountId: 4545 }, options: { dryRun: true, applicationAccounts } }));
      expect(result.warnings).toContainEqual(expect.stringContaining(`The file of application "${name}" (app account 5303) would send ${holders} of the ${holders} users`));
      expect(result.warnings).toContainEqual(expect.stringContaining('A real sync would wait for approval before publishing.'));
      const app = result.usage?.appAccounts[0];
      expect(app).toMatchObject({ status: 'dry-run', usersDeleted: holders, toriiFileId: null });
      const kept = JSON.parse(readFileSync(app?.filePath as string, 'utf8')) as AppAccountFile;
      const expected = expectedAppAccountFile(directory, expectedToriiFile(directory).file, restricted, { events: auditLogOf(directory).events, previouslySent: sent });
      expect(sortedAppFile(kept)).toEqual(sortedAppFile(expected));
    });
  });
});
