// The worker as it ships, not as the tests usually run it: `npm start`'s process (dist/worker/main.js
// with its node flags) on the prebuilt workflow bundle that `npm run build` writes
// (dist/workflow-bundle.js, with the failure converter and the log interceptor baked in) and the
// embedded default store (PGlite), where the rest of the suite bundles the workflows from source
// and uses the test PostgreSQL. A representative subset: a whole sync and a second one with
// deletions, both exact; a failure encrypted in history and readable by the client; workflow log
// lines naming their connection.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { syncWorkflowId } from '../contract/sync';
import { deleteUsers, generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, type Harness } from './support/harness';
import { currentTestLogFile } from './support/test-logs';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';
import { sortedFile } from './support/torii-file-order';

const ROOT = join(__dirname, '..');
const SHIPPED_BUNDLE = join(ROOT, 'dist', 'workflow-bundle.js');

/** `npm run build` again when any source is newer than the bundle it wrote (CI builds before the tests). */
function buildIfStale(): void {
  const sources = ['workflows', 'worker', 'activities', 'activities/pingone', 'activities/store', 'activities/torii'].flatMap((dir) =>
    readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => join(ROOT, dir, f)),
  );
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (!existsSync(SHIPPED_BUNDLE) || statSync(SHIPPED_BUNDLE).mtimeMs < newest) {
    try {
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      throw new Error(`npm run build failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  }
}

const directory = generateDirectory({ seed: 83, users: 300, groups: 10, applications: 10, disabledShare: 0.1, lockedShare: 0.05, noEmailShare: 0.05, nonAsciiShare: 0.3 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-shipped-Qe4nV8', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };

describe('the worker as shipped: prebuilt workflow bundle, embedded store', () => {
  let h: Harness;
  let worker: WorkerProcess | undefined;
  let logFile: string;

  beforeAll(async () => {
    buildIfStale();
    logFile = currentTestLogFile();
    h = await startHarness({ pingone: { environments: [directory], clients: [client], shortPages: true }, store: 'embedded', inProcessWorker: false });
    worker = await startWorkerProcess(h.workerEnv, logFile, 'built');
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('runs on PGlite, not on the test PostgreSQL', () => {
    expect(h.workerEnv.DATABASE_URL).toBeUndefined();
    expect(existsSync(join(h.workerEnv.EMBEDDED_DATABASE_DIR, 'PG_VERSION'))).toBe(true);
    const started = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('pingone-torii-sync worker started'));
    expect(JSON.parse(started ?? '{}')).toMatchObject({ store: 'embedded', taskQueue: h.taskQueue });
  });

  it('sends the directory exactly, then the deleted users once', async () => {
    const id = connectionId('shipped');
    const first = await h.sync(h.input(id, client, directory));
    const expected1 = expectedToriiFile(directory);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected1.file));
    expect(first).toMatchObject({ usersActive: expected1.counts.active, usersDisabled: expected1.counts.disabled, usersLocked: expected1.counts.locked, usersDeleted: 0 });

    deleteUsers(directory, directory.users.filter((_, i) => i % 50 === 0).map((u) => u.id));
    const second = await h.sync(h.input(id, client, directory));
    const expected2 = expectedToriiFile(directory, { previouslySent: expected1.file.users });
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected2.file));
    expect(second.usersDeleted).toBe(expected2.counts.deleted);
    expect(second.usersDeleted).toBeGreaterThan(0);
  });

  it('fails with the cause, encrypted in history by the bundle\'s failure converter, readable by the client', async () => {
    const id = connectionId('shipped-fail');
    const input = h.input(id, { ...client, clientSecret: 'sim-secret-wrong-Zb3mK1' }, directory);
    const failure = await h.sync(input).then(() => undefined, (err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('PingOneInvalidClient');
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);

    const history = await h.env.client.workflow.getHandle(syncWorkflowId(id)).fetchHistory();
    const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes?.failure;
    // Without the converter in the bundle the message and stack would be plain text here.
    expect(failed?.message).toBe('Encoded failure');
    expect(Buffer.from(failed?.encodedAttributes?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(JSON.stringify(history)).not.toContain('did not accept the Client ID');
  });

  it('names the connection on every workflow log line (the bundle\'s log interceptor)', async () => {
    const id = connectionId('shipped-logs');
    await h.sync(h.input(id, client, directory));
    // The worker's JSON lines; a workflow's lines carry its workflowId, an activity's its activity type.
    const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const workflowLines = lines.filter((l) => l.workflowId === syncWorkflowId(id) && l.activityType === undefined);
    expect(workflowLines.length).toBeGreaterThan(0);
    for (const line of workflowLines) expect(line).toMatchObject({ connectionId: id });
  });
});
