// `npm run record-histories`: runs representative workflows on a dev server against the simulators
// and writes each run's history to test/replay/histories/<scenario>.json (a scenario that continues
// as new writes <scenario>.run-<n>.json per run). The replay test (test/replay.test.ts) replays them
// all against today's workflow code. Payloads are stored as the worker wrote them, encrypted with the
// tests' fixed fake key; every credential here is a simulator's fake one.
//
// Histories whose name holds ".before-" were recorded before a change that is guarded by patched()
// (see README, "Changing workflow code"); this script never writes or removes those.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { resolveTemporalCli } from '../../dev/dev-server';
import { exportHistory } from '../../client/export-history-command';
import { decideDeletions } from '../../client/deletion-approval';
import { startSync } from '../../client/start-sync';
import { startVerify } from '../../client/verify-connection';
import { PROGRESS_QUERY, SYNC_WORKFLOW_TYPE, syncWorkflowId, type SyncInput, type SyncProgress } from '../../contract/sync';
import { deleteUsers, generateDirectory, type Directory } from '../../sim/directory';
import { isLicensable } from '../oracle/expected-access';
import type { SimClient } from '../../sim/pingone';
import { recordAudit } from '../../sim/pingone-audit';
import { eventually } from '../support/eventually';
import { connectionId, startHarness, type Harness, type HarnessOptions } from '../support/harness';
import { startPostgres, stopPostgres, type PostgresCluster } from '../../dev/postgres';
import { runHistories } from '../support/run-histories';
import { whenRequest } from '../support/sim-triggers';

export const HISTORIES_DIR = join(__dirname, 'histories');

interface Scenario {
  name: string;
  /** What the scenario's workflow does, for the log line. */
  story: string;
  server?: HarnessOptions['server'];
  /** The directory's shape when the default (300 users, 12 groups, 12 applications) does not show what the scenario records. */
  directory?: Parameters<typeof generateDirectory>[0];
  /** Runs the workflows; answers the workflow ids whose runs are recorded. */
  run(h: Harness, client: SimClient, directory: Directory): Promise<string[]>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'full-sync',
    story: 'a whole sync of 300 users, uploaded and synced',
    run: oneSync('replay-full'),
  },
  {
    name: 'faults-and-retries',
    story: 'a sync through PingOne 503, 429 with Retry-After, a reset, a cut body, an expired cursor, and a Torii 502',
    async run(h, client, directory) {
      h.pingone.faults.add({ kind: 'users', respond: { status: 503, body: { id: randomUUID(), code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' } } });
      h.pingone.faults.add({ kind: 'groups', respond: { status: 429, headers: { 'retry-after': '1' }, body: { id: randomUUID(), code: 'REQUEST_LIMITED', message: 'Too many requests' } } });
      h.pingone.faults.add({ kind: 'applications', respond: { reset: true } });
      h.pingone.faults.add({ kind: 'members', respond: { truncate: true } });
      whenRequest(h.pingone.faults, 'users', 1, () => h.pingone.expireCursors(), (req) => req.query.includes('cursor='));
      h.torii.faults.add({ kind: 'upload', respond: { status: 502, body: 'Bad Gateway' } });
      const id = connectionId('replay-faults');
      await h.sync(h.input(id, client, directory));
      h.pingone.faults.clear();
      return [syncWorkflowId(id)];
    },
  },
  {
    name: 'deletion-guard-approved',
    story: 'a sync deleting 40% of last time\'s users, held by the deletion guard and approved by update',
    async run(h, client, directory) {
      const id = connectionId('replay-guard-approved');
      await h.sync(h.input(id, client, directory));
      await syncHeldThenApproved(h, h.input(id, client, shrink(directory, 0.4)));
      return [syncWorkflowId(id)];
    },
  },
  {
    name: 'deletion-guard-timed-out',
    story: 'a sync held by the deletion guard that no one approves within 2 seconds (fails DeletionGuardTripped)',
    async run(h, client, directory) {
      const id = connectionId('replay-guard-timeout');
      await h.sync(h.input(id, client, directory));
      const held = h.sync(h.input(id, client, shrink(directory, 0.4), { options: { deletionGuard: { approvalTimeoutSeconds: 2 } } }));
      await held.then(
        () => Promise.reject(new Error('the deletion guard did not trip')),
        (err: unknown) => (err instanceof WorkflowFailedError ? undefined : Promise.reject(err)),
      );
      return [syncWorkflowId(id)];
    },
  },
  {
    name: 'usage-app-held-approved',
    story: 'a sync reading sign-ons and publishing an application to its own app account, then one whose application file would delete all its users, held by the deletion guard and approved',
    async run(h, client, directory) {
      const app = directory.applications.filter(isLicensable).find((a) => !a.accessControl) as Directory['applications'][number];
      const now = Date.now();
      recordAudit(directory, h.pingone.origin, directory.users.slice(0, 40).map((u, i) => ({ userId: u.id, appId: app.id, at: new Date(now - (i + 1) * 3600_000) })));
      const id = connectionId('replay-usage-held');
      const options = { applicationAccounts: [{ pingOneApplicationId: app.id, toriiAppAccountId: 7001 }] };
      await h.sync(h.input(id, client, directory, { options }));
      // Nobody may use the application any more (a group no one is in): its file would delete every user it was sent.
      app.accessControl = { group: { type: 'ANY_GROUP', groups: [{ id: randomUUID() }] } };
      await syncHeldThenApproved(h, h.input(id, client, directory, { options }));
      return [syncWorkflowId(id)];
    },
  },
  {
    name: 'connection-test',
    story: 'pingOneVerifyConnection answering every check ok',
    async run(h, client, directory) {
      const pingOne = { environmentId: directory.environmentId, clientId: client.clientId, clientSecret: client.clientSecret };
      const handle = await startVerify(h.env.client, { connectionId: connectionId('replay-verify'), pingOne }, h.taskQueue);
      await handle.result();
      return [handle.workflowId];
    },
  },
  {
    name: 'unencrypted-input',
    story: 'a sync started through a plain Temporal client (no codec): the worker refuses it as UnencryptedInput before any activity',
    async run(h, client, directory) {
      const id = connectionId('replay-plain');
      const plain = new Client({ connection: h.env.client.connection, namespace: h.env.namespace ?? 'default' });
      await plain.workflow.start(SYNC_WORKFLOW_TYPE, { args: [h.input(id, client, directory)], taskQueue: h.taskQueue, workflowId: syncWorkflowId(id) });
      // Before the refusal existed, such a sync ran to its end: either outcome is recorded as it came.
      await h.env.client.workflow.getHandle(syncWorkflowId(id)).result().catch((err: unknown) => (err instanceof WorkflowFailedError ? undefined : Promise.reject(err)));
      return [syncWorkflowId(id)];
    },
  },
  {
    name: 'continue-as-new',
    story: 'a sync continuing as new on a server suggesting it after 100 events',
    server: { extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=100'] },
    run: oneSync('replay-can'),
  },
  {
    name: 'high-concurrency',
    story: 'a sync at concurrency 32 of a directory with 40 groups, so more listings run at once than the 48-lane cap allows (64 lanes uncapped)',
    directory: { seed: 43, users: 300, groups: 40, applications: 12 },
    run: oneSync('replay-high-concurrency', { options: { rateLimit: { concurrency: 32, requestsPerSecond: 200 } } }),
  },
  {
    name: 'scheduled-sync',
    story: 'scheduledPingOneSync starting pingOneSync as its child, as a schedule\'s run does (the scheduled run\'s history)',
    async run(h, client, directory) {
      const id = connectionId('replay-scheduled');
      const handle = await h.env.client.workflow.start('scheduledPingOneSync', {
        workflowId: `pingone-sync-schedule/${id}-run`,
        taskQueue: h.taskQueue,
        args: [h.input(id, client, directory)],
      });
      await handle.result();
      return [handle.workflowId];
    },
  },
];

/** A scenario that is one sync to its end, of a fresh connection named after `prefix`. */
function oneSync(prefix: string, extra?: Partial<SyncInput>): Scenario['run'] {
  return async (h, client, directory) => {
    const id = connectionId(prefix);
    await h.sync(h.input(id, client, directory, extra));
    return [syncWorkflowId(id)];
  };
}

/** Runs a sync the deletion guard holds: waits until it is held, approves it, waits for its end. */
async function syncHeldThenApproved(h: Harness, input: SyncInput): Promise<void> {
  const handle = await startSync(h.env.client, input, h.taskQueue);
  await eventually('the sync to be held', () => handle.query<SyncProgress>(PROGRESS_QUERY), (p) => p.phase === 'awaiting-approval');
  await decideDeletions(h.env.client, input.connectionId, 'approve', { by: 'replay-recorder' });
  await handle.result();
}

/** Deletes the first `share` of every ten users (each scenario has its own directory). */
function shrink(directory: Directory, share: number): Directory {
  deleteUsers(directory, directory.users.filter((_, i) => i % 10 < share * 10).map((u) => u.id));
  return directory;
}

function clearRecordings(name: string): void {
  for (const file of readdirSync(HISTORIES_DIR)) {
    if (file === `${name}.json` || (file.startsWith(`${name}.run-`) && file.endsWith('.json'))) rmSync(join(HISTORIES_DIR, file));
  }
}

async function record(scenario: Scenario): Promise<string[]> {
  const directory = generateDirectory(scenario.directory ?? { seed: 41, users: 300, groups: 12, applications: 12 });
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-replay-N5v2Hc', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  const h = await startHarness({ pingone: { environments: [directory], clients: [client], shortPages: true }, server: scenario.server });
  try {
    const written: string[] = [];
    const workflowIds = await scenario.run(h, client, directory).catch((err: unknown) => {
      if (err instanceof WorkflowFailedError) throw new Error(`${scenario.name}: the workflow failed: ${(err.cause as Error | undefined)?.message ?? err.message}`);
      throw err;
    });
    clearRecordings(scenario.name);
    for (const workflowId of workflowIds) {
      const runs = await runHistories(h.env.client, workflowId);
      for (const [i, run] of runs.entries()) {
        const file = runs.length === 1 ? `${scenario.name}.json` : `${scenario.name}.run-${i + 1}.json`;
        writeFileSync(join(HISTORIES_DIR, file), `${maskPlainSecrets((await exportHistory(h.env.client, workflowId, run.runId)).json, client.clientSecret)}\n`);
        written.push(`${file} (${run.events} events)`);
      }
    }
    return written;
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const cli = await resolveTemporalCli();
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;
  let cluster: PostgresCluster | undefined;
  if (!process.env.TEST_DATABASE_URL) {
    cluster = await startPostgres();
    process.env.TEST_DATABASE_URL = cluster.url;
  }
  try {
    for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
      const written = await record(scenario);
      console.log(`${scenario.name}: ${scenario.story}\n  ${written.join('\n  ')}`);
    }
  } finally {
    if (cluster) stopPostgres(cluster);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}

/**
 * The plain-input scenario's input is plain on purpose, so its (fake) Client Secret would sit in the
 * file readable: each plain JSON payload holding it gets a mark instead. Replay reads the mark (the
 * workflow refuses a plain input before any secret matters).
 */
function maskPlainSecrets(json: string, secret: string): string {
  const plain = Buffer.from('json/plain').toString('base64');
  const history = JSON.parse(json) as unknown;
  let masked = false;
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const payload = node as { metadata?: { encoding?: string }; data?: string };
    if (payload.metadata?.encoding === plain && typeof payload.data === 'string') {
      const text = Buffer.from(payload.data, 'base64').toString('utf8');
      if (text.includes(secret)) {
        payload.data = Buffer.from(text.split(secret).join('(fake secret, masked in this fixture)')).toString('base64');
        masked = true;
      }
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(history);
  return masked ? JSON.stringify(history, null, 2) : json;
}
