// The operator commands of the CLI, driven through commander against a dev server, the simulators
// and the real store: `diff` (asked of the worker through Temporal, no database opened here) for a
// known change between two syncs (checked against the independent expectation), a diff no worker
// answers, a dry run that uploads nothing and prints its diff, `watch` to a sync's end and to
// a failure's cause and fix, a schedule created, triggered (twice: once beside a sync started by
// hand) and deleted, and `export-history` writing a history that replays.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ScheduleNotFoundError } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { printSyncOutcome, registerOperatorCommands, type OperatorContext } from '../client/operator-commands';
import { connectionDiff } from '../client/diff-command';
import { syncScheduleId } from '../client/schedule-command';
import { startSync } from '../client/start-sync';
import { capturingTerminal } from '../client/terminal';
import { syncWorkflowId, type SyncResult } from '../contract/sync';
import { addUsers, deleteUsers, generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { eventually } from './support/eventually';
import { connectionId, startHarness, type Harness } from './support/harness';
import { writeTestLog } from './support/test-logs';

interface DiffJson {
  users: { added: { email: string }[]; removed: { email: string }[]; changed: { email: string; from: string; to: string }[] };
  applications: { name: string; gained: { email: string }[]; lost: { email: string }[] }[];
  totals: Record<string, number>;
  before: { snapshotId: string } | null;
  after: { snapshotId: string; status: string };
}

/** The diff the independent expectation predicts between two Torii files. */
function expectedDiff(before: ToriiFile, after: ToriiFile) {
  const active = (file: ToriiFile) => new Map(file.users.filter((u) => u.status === 'active').map((u) => [u.id, u]));
  const [was, now] = [active(before), active(after)];
  const emails = (users: { email: string }[]) => users.map((u) => u.email).sort();
  const holders = (file: ToriiFile) => new Map(file.licenses.map((l) => [l.name, new Set(l.users.map((u) => u.email))]));
  const [held, holds] = [holders(before), holders(after)];
  const applications = [...new Set([...held.keys(), ...holds.keys()])]
    .map((name) => ({
      name,
      gained: [...(holds.get(name) ?? [])].filter((e) => !held.get(name)?.has(e)).sort(),
      lost: [...(held.get(name) ?? [])].filter((e) => !holds.get(name)?.has(e)).sort(),
    }))
    .filter((a) => a.gained.length + a.lost.length > 0)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    added: emails([...now.values()].filter((u) => !was.has(u.id))),
    removed: emails([...was.values()].filter((u) => !now.has(u.id))),
    changed: [...now.values()].filter((u) => was.has(u.id) && was.get(u.id)?.externalStatus !== u.externalStatus).map((u) => `${u.email}:${was.get(u.id)?.externalStatus}->${u.externalStatus}`).sort(),
    applications,
  };
}

function actualDiff(diff: DiffJson) {
  return {
    added: diff.users.added.map((u) => u.email).sort(),
    removed: diff.users.removed.map((u) => u.email).sort(),
    changed: diff.users.changed.map((u) => `${u.email}:${u.from}->${u.to}`).sort(),
    applications: diff.applications
      .map((a) => ({ name: a.name, gained: a.gained.map((u) => u.email).sort(), lost: a.lost.map((u) => u.email).sort() }))
      .filter((a) => a.gained.length + a.lost.length > 0)
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

describe('operator commands', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;
  /** Used by one test only: its first token request is not answered from the worker's token cache. */
  let freshClient: SimClient;
  let holdTokens = false;
  let holdListings = false;
  const savedEnv = { TEMPORAL_TASK_QUEUE: process.env.TEMPORAL_TASK_QUEUE, PINGONE_CLIENT_SECRET: process.env.PINGONE_CLIENT_SECRET };

  beforeAll(async () => {
    directory = generateDirectory({ seed: 83, users: 260, groups: 10, applications: 13 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-ops-N5rC7kd', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    freshClient = { clientId: randomUUID(), clientSecret: 'sim-secret-fresh-H2wQ9ze', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client, freshClient] } });
    const busy = { status: 503, headers: { 'retry-after': '1' }, body: { code: 'SERVICE_UNAVAILABLE' } };
    h.pingone.faults.add({ kind: 'token', times: Infinity, match: () => holdTokens, respond: busy });
    h.pingone.faults.add({ kind: 'populations', times: Infinity, match: () => holdListings, respond: busy });
    // What `schedule create` reads, as an operator's shell would set it.
    process.env.TEMPORAL_TASK_QUEUE = h.taskQueue;
    process.env.PINGONE_CLIENT_SECRET = client.clientSecret;
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await h?.close();
  });

  function cli() {
    const out = capturingTerminal();
    const exits: number[] = [];
    const ctx: OperatorContext = {
      connect: async () => h.env.client,
      taskQueue: h.taskQueue,
      out,
      exit: (code) => exits.push(code),
    };
    const program = new Command('pingone-torii-sync').exitOverride();
    registerOperatorCommands(program, ctx);
    return { ctx, out, exits, run: (...args: string[]) => program.parseAsync(args, { from: 'user' }) };
  }

  it('diffs the last two published syncs as the expectation predicts, as tables and as JSON', async () => {
    const id = connectionId('diff');
    await h.sync(h.input(id, client, directory));
    const before = expectedToriiFile(directory).file;

    const withEmail = directory.users.filter((u) => u.email && u.enabled && u.account.status === 'OK');
    deleteUsers(directory, withEmail.slice(0, 4).map((u) => u.id));
    withEmail[10].enabled = false;
    addUsers(directory, 6, 1);
    await h.sync(h.input(id, client, directory));
    const after = expectedToriiFile(directory, { previouslySent: before.users }).file;

    const json = cli();
    await json.run('diff', id, '--json');
    const diff = JSON.parse(json.out.text()) as DiffJson;
    const expected = expectedDiff(before, after);
    expect(actualDiff(diff)).toEqual(expected);
    expect(diff.totals.usersRemoved).toBe(4);
    expect(diff.users.changed).toContainEqual(expect.objectContaining({ email: withEmail[10].email, from: 'enabled', to: 'disabled' }));
    expect(diff.after.status).toBe('published');

    const text = cli();
    await text.run('diff', id);
    const printed = text.out.text();
    expect(printed).toContain(`Users: ${expected.added.length} added, 4 removed, ${expected.changed.length} changed status`);
    for (const email of expected.removed) expect(printed).toMatch(new RegExp(`removed +${email.replace(/[.+]/g, '\\$&')}`));
    expect(printed).not.toContain('\u001b[');
    writeTestLog(`--- diff ${id} (sample) ---\n${printed}`);
  });

  it('says so when no worker answers a diff, instead of waiting for ever', async () => {
    const silent = `${h.taskQueue}-nobody-polls`;
    await expect(connectionDiff(h.env.client, silent, connectionId('silent'), undefined, 2)).rejects.toThrow(
      `No worker answered on task queue ${silent} within 2 s: the diff is read from the worker's store, so start the worker (or set TEMPORAL_TASK_QUEUE to the one it polls).`,
    );
  });

  it('runs a dry run that uploads nothing and prints its diff against the last published sync', async () => {
    const id = connectionId('dry');
    await h.sync(h.input(id, client, directory));
    const published = expectedToriiFile(directory).file;
    const gone = directory.users.filter((u) => u.email && u.enabled).slice(0, 2);
    deleteUsers(directory, gone.map((u) => u.id));
    const uploadsBefore = h.torii.requests.filter((r) => r.kind === 'upload' || r.kind === 'uploadUrl').length;
    const syncsBefore = h.torii.syncs.length;

    const result: SyncResult = await h.sync(h.input(id, client, directory, { options: { dryRun: true } }));
    expect(result).toMatchObject({ dryRun: true, toriiFileId: null });
    expect(h.torii.syncs).toHaveLength(syncsBefore);
    expect(h.torii.requests.filter((r) => r.kind === 'upload' || r.kind === 'uploadUrl')).toHaveLength(uploadsBefore);

    const { ctx, out } = cli();
    await printSyncOutcome(ctx, result, true);
    const printed = JSON.parse(out.text()) as SyncResult & { diff: DiffJson };
    expect(printed.diff.after).toMatchObject({ snapshotId: result.snapshotId, status: 'dry-run' });
    expect(actualDiff(printed.diff)).toEqual(expectedDiff(published, expectedToriiFile(directory, { previouslySent: published.users }).file));
    expect(printed.diff.users.removed.map((u) => u.email).sort()).toEqual(gone.map((u) => u.email).sort());

    const text = cli();
    await printSyncOutcome(text.ctx, result, false);
    expect(text.out.text()).toContain('What this dry run would change in Torii:');
    expect(text.out.text()).toContain('Users: 0 added, 2 removed, 0 changed status');
    // The dry run is kept apart: `diff` alone still compares published syncs only.
    const plain = cli();
    await plain.run('diff', id, '--json');
    const onlyPublished = JSON.parse(plain.out.text()) as DiffJson;
    expect(onlyPublished.before).toBeNull();
    expect(onlyPublished.after).toMatchObject({ status: 'published' });
    expect(onlyPublished.after.snapshotId).not.toBe(result.snapshotId);
  });

  it('watches a sync from its first phase to its summary', async () => {
    const id = connectionId('watch');
    holdTokens = true;
    const watcher = cli();
    let watching: Promise<unknown> | undefined;
    try {
      await startSync(h.env.client, h.input(id, freshClient, directory), h.taskQueue);
      watching = watcher.run('watch', id, '--interval', '100');
      await eventually('watch to show the starting phase', async () => watcher.out.text(), (text) => text.includes('] starting'));
      // The held token request is being retried: watch says so in words, from the pending activity.
      await eventually('watch to show the retry', async () => watcher.out.text(), (text) => /! openSync attempt \d+: PingOne answered 503 while reading token\./.test(text));
    } finally {
      holdTokens = false;
    }
    await watching;
    const lines = watcher.out.text().split('\n');
    expect(watcher.exits).toEqual([0]);
    expect(lines[0]).toBe(`Watching ${syncWorkflowId(id)}`);
    const phases = lines.filter((l) => l.startsWith('[')).map((l) => l.split('] ')[1].split(' · ')[0]);
    expect(phases[0]).toBe('starting');
    expect(phases[phases.length - 1]).toBe('done');
    expect(phases).toEqual([...phases].sort((a, b) => ['starting', 'listing', 'resolving-access', 'publishing', 'done'].indexOf(a) - ['starting', 'listing', 'resolving-access', 'publishing', 'done'].indexOf(b)));
    expect(watcher.out.text()).toContain(`✓ ${syncWorkflowId(id)} done\nconnection ${id}\n  users: `);
    writeTestLog(`--- watch ${id} (sample) ---\n${watcher.out.text()}`);
  });

  it('exits 1 from watch with the cause and fix of a failed sync', async () => {
    const id = connectionId('watchfail');
    const handle = await startSync(h.env.client, h.input(id, { ...client, clientSecret: 'wrong-secret-Mq81' }, directory), h.taskQueue);
    await handle.result().catch(() => undefined);
    const watcher = cli();
    await watcher.run('watch', id, '--interval', '100');
    expect(watcher.exits).toEqual([1]);
    const text = watcher.out.text();
    expect(text).toContain(`✗ ${syncWorkflowId(id)} failed (PingOneInvalidClient)`);
    expect(text).toContain(`  cause: PingOne did not accept the Client ID and Client Secret for environment ${directory.environmentId}.`);
    expect(text).toMatch(/ {2}fix: {3}Check them in the Worker app/);
    expect(text).not.toContain('wrong-secret-Mq81');
    writeTestLog(`--- watch ${id}, failed (sample) ---\n${text}`);
  });

  it('creates, lists, describes, pauses, triggers and deletes a schedule', async () => {
    const id = connectionId('sched');
    const create = cli();
    await create.run('schedule', 'create', '--connection-id', id, '--environment-id', directory.environmentId, '--client-id', client.clientId, '--app-account-id', '4242');
    expect(create.out.text()).toBe(`created schedule ${syncScheduleId(id)}\n`);

    // Schedules are listed from the visibility store, which lags a moment behind a create.
    const listed = await eventually(
      'the new schedule to be listed',
      async () => {
        const list = cli();
        await list.run('schedule', 'list', '--json');
        return JSON.parse(list.out.text()) as Array<{ connectionId: string }>;
      },
      (rows) => rows.some((row) => row.connectionId === id),
    );
    expect(listed).toContainEqual(expect.objectContaining({ connectionId: id, paused: false, everyMs: 24 * 3600 * 1000 }));

    const describe = cli();
    await describe.run('schedule', 'describe', id, '--json');
    const facts = JSON.parse(describe.out.text());
    expect(facts).toMatchObject({ every: ['24h'], jitter: '30m', overlap: 'SKIP', pauseOnFailure: true, paused: false, syncWorkflowId: syncWorkflowId(id), taskQueue: h.taskQueue });
    expect(describe.out.text()).not.toContain(client.clientSecret);

    await cli().run('schedule', 'pause', id);
    const paused = cli();
    await paused.run('schedule', 'describe', id);
    expect(paused.out.text()).toContain(`${syncScheduleId(id)} (paused)`);
    await cli().run('schedule', 'unpause', id);

    const syncsBefore = h.torii.syncs.length;
    await cli().run('schedule', 'trigger', id);
    // The scheduled run starts the sync under the connection's own id; follow it there.
    const syncHandle = h.env.client.workflow.getHandle(syncWorkflowId(id));
    // Started by the schedule's run (its parent), not by anyone else under the connection's id.
    await eventually('the scheduled sync to start', () => syncHandle.describe(), (d) => d.type === 'pingOneSync' && (d.parentExecution?.workflowId ?? '').startsWith(`${syncScheduleId(id)}-`));
    const result: SyncResult = await syncHandle.result();
    expect(result.connectionId).toBe(id);
    expect(h.torii.syncs.length).toBe(syncsBefore + 1);
    const ran = await eventually('the schedule to record its run', async () => JSON.parse((await (async () => { const c = cli(); await c.run('schedule', 'describe', id, '--json'); return c.out.text(); })())), (f) => f.recentRuns.length === 1 && f.running.length === 0);
    expect(ran.recentRuns[0].workflowId.startsWith(`${syncScheduleId(id)}-`)).toBe(true);

    // A sync started by hand holds the connection's id: a scheduled run beside it leaves it alone.
    holdListings = true;
    let byHand;
    try {
      byHand = await startSync(h.env.client, h.input(id, client, directory), h.taskQueue);
      await cli().run('schedule', 'trigger', id);
      const second = await eventually('the second scheduled run to end', async () => {
        const c = cli();
        await c.run('schedule', 'describe', id, '--json');
        return JSON.parse(c.out.text());
      }, (f) => f.recentRuns.length === 2 && f.running.length === 0);
      const outcome = await h.env.client.workflow.getHandle(second.recentRuns[1].workflowId).result();
      expect(outcome).toEqual({ ran: false, workflowId: syncWorkflowId(id), reason: expect.stringContaining('was already running') });
      expect((await byHand.describe()).status.name).toBe('RUNNING');
    } finally {
      holdListings = false;
    }
    await byHand.result();

    await cli().run('schedule', 'delete', id);
    await expect(h.env.client.schedule.getHandle(syncScheduleId(id)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const after = cli();
    await after.run('schedule', 'list', '--json');
    expect(JSON.parse(after.out.text()).map((r: { connectionId: string }) => r.connectionId)).not.toContain(id);
  });

  it('exports a history that replays against the workflow code', async () => {
    const id = connectionId('history');
    await h.sync(h.input(id, client, directory));
    const file = join(await mkdtemp(join(tmpdir(), 'history-')), 'sync.json');
    const exported = cli();
    await exported.run('export-history', syncWorkflowId(id), '--out', file);
    expect(exported.out.text()).toMatch(new RegExp(`^wrote \\d+ events of ${syncWorkflowId(id).replace('/', '\\/')} to `));
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(client.clientSecret);
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../workflows'), dataConverter: h.dataConverter, interceptors: { workflowModules: [require.resolve('../workflows/log-attributes')] } },
      historyFromJSON(JSON.parse(text)),
      syncWorkflowId(id),
    );
  });
});
