// What one connection's input or servers can reach: a next link leading outside the sync's own
// environment is never followed (the page is fetched again), a checkpoint to resume from is
// validated like the input (a path traversal in it is refused before anything runs) and its links
// are held to the same rule, a presigned upload URL to loopback is refused without the file being
// sent, what the storage host answers is never quoted back, and the files a sync leaves are 0600 in
// 0700 folders, one dry run's per connection, nothing staged after an upload.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SYNC_WORKFLOW_TYPE, syncWorkflowId } from '../contract/sync';
import type { SyncCheckpoint } from '../contract/checkpoint';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

const directory = generateDirectory({ seed: 131, users: 120, groups: 6, applications: 8 });
const neighbour = generateDirectory({ seed: 132, users: 20, groups: 2, applications: 2 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-isolation-Qw8Er4', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
const neighbourClient: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-neighbour-Ty5Ui2', environmentId: neighbour.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
const sims = { environments: [directory, neighbour], clients: [client, neighbourClient] };

/** The workflow's failure, read through the encrypting client. */
async function failureOf(h: Harness, run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause as ApplicationFailure;
}

const checkpoint = (overrides: Partial<SyncCheckpoint>): SyncCheckpoint => ({
  version: 2,
  snapshotId: randomUUID(),
  startedAt: new Date().toISOString(),
  regionName: 'North America',
  phase: 'listing',
  listings: [],
  concurrency: 2,
  groupCursor: null,
  groupsScheduled: false,
  counts: { pagesFetched: 0, pingOneRequests: 0, users: 0, groups: 0, applications: 0, malformedUsers: 0 },
  warnings: [],
  ...overrides,
});

describe('what a connection can reach', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ pingone: sims, deps: { toriiDirectUploadLimit: 1 } });
  });
  afterAll(() => h?.close());
  afterEach(() => {
    h.pingone.faults.clear();
    h.torii.faults.clear();
  });

  const neighbourRequests = () => h.pingone.requests.filter((r) => r.path.includes(neighbour.environmentId)).length;

  it("never follows a next link outside the sync's own environment; the page is fetched again", async () => {
    const before = neighbourRequests();
    const from = h.pingone.requests.length;
    const elsewhere = [
      `${h.pingone.apiUrl}/environments/${neighbour.environmentId}/users?cursor=stolen`,
      // The same, dressed as a path under this environment.
      `${h.pingone.apiUrl}/environments/${directory.environmentId}/%2e%2e/${neighbour.environmentId}/users?cursor=stolen`,
    ];
    for (const href of elsewhere) {
      h.pingone.faults.add({ kind: 'users', respond: { edit: (body) => ({ ...(body as object), _links: { next: { href } } }) } });
    }
    const id = connectionId('foreign-link');
    const result = await h.sync(h.input(id, client, directory));
    expect(h.pingone.faults.pending).toBe(0);
    expect(neighbourRequests()).toBe(before);
    const edited = h.pingone.requests.slice(from).filter((r) => r.fault === 'edit');
    expect(edited).toHaveLength(2);
    for (const r of edited) expect(h.pingone.requests.slice(from).filter((o) => o.path === r.path && o.query === r.query).length).toBeGreaterThanOrEqual(2);
    const expected = expectedToriiFile(directory);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(result.usersActive).toBe(expected.counts.active);
  });

  it('refuses a checkpoint whose snapshot id would lead out of SYNC_FILES_DIR, before any activity', async () => {
    const id = connectionId('traversal');
    const resume = checkpoint({ snapshotId: '../../../tmp/pingone-torii-sync-escape' });
    const handle = await h.env.client.workflow.start(SYNC_WORKFLOW_TYPE, { args: [h.input(id, client, directory), resume], taskQueue: h.taskQueue, workflowId: syncWorkflowId(id) });
    const failure = await failureOf(h, handle.result());
    expect(failure.type).toBe('InvalidCheckpoint');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/^The checkpoint to resume from is invalid: snapshotId: must be a UUID/);
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    expect(existsSync('/tmp/pingone-torii-sync-escape.json')).toBe(false);
  });

  it("refuses to follow a checkpoint's link outside the environment, at once", async () => {
    const before = neighbourRequests();
    const id = connectionId('foreign-checkpoint');
    const resume = checkpoint({
      listings: [{ ref: { kind: 'users' }, next: `${h.pingone.apiUrl}/environments/${neighbour.environmentId}/users?cursor=x`, done: false, pages: 1, restarts: 0 }],
    });
    const handle = await h.env.client.workflow.start(SYNC_WORKFLOW_TYPE, { args: [h.input(id, client, directory), resume], taskQueue: h.taskQueue, workflowId: syncWorkflowId(id) });
    const failure = await failureOf(h, handle.result());
    expect(failure.type).toBe('PingOneMalformedResponse');
    expect(failure.message).toContain(`leads outside environment ${directory.environmentId}`);
    expect(neighbourRequests()).toBe(before);
  });

  it('never quotes what the presigned storage host answered', async () => {
    const marker = 'storage-says-Zx9Kq2-secret-looking';
    h.torii.faults.add({ kind: 'presignedPut', respond: { status: 400, body: { message: marker, error: marker } } });
    const failure = await failureOf(h, h.sync(h.input(connectionId('storage-400'), client, directory)));
    expect(failure.type).toBe('ToriiRequestFailed');
    expect(failure.message).toContain('presigned-put');
    expect(JSON.stringify(failure)).not.toContain(marker);
  });

  it('keeps a dry run as 0600 in 0700 folders, only the newest per connection; an upload leaves nothing staged', async () => {
    const id = connectionId('dry-files');
    const first = await h.sync(h.input(id, client, directory, { options: { dryRun: true } }));
    const second = await h.sync(h.input(id, client, directory, { options: { dryRun: true } }));
    const [older, newer] = [first.filePath as string, second.filePath as string];
    expect(existsSync(older)).toBe(false);
    expect((await stat(newer)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(newer))).mode & 0o777).toBe(0o700);
    expect((await stat(h.workerEnv.SYNC_FILES_DIR)).mode & 0o777).toBe(0o700);

    await h.sync(h.input(connectionId('staged'), client, directory));
    const staging = join(h.workerEnv.SYNC_FILES_DIR, '.staging');
    const leftovers = existsSync(staging) ? (await readdir(staging, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()) : [];
    expect(leftovers).toEqual([]);
  });
});

describe('a presigned upload URL on loopback', () => {
  let h: Harness;
  beforeAll(async () => {
    // Without the tests' one exemption (TORII_UPLOAD_ALLOWED_HOSTS), as in production: the simulator presigns to itself on loopback.
    h = await startHarness({ pingone: sims, deps: { toriiDirectUploadLimit: 1 }, env: { TORII_UPLOAD_ALLOWED_HOSTS: '' } });
  });
  afterAll(() => h?.close());

  it('is refused, non-retryable, and the file is not sent', async () => {
    const failure = await failureOf(h, h.sync(h.input(connectionId('loopback-upload'), client, directory)));
    expect(failure.type).toBe('ToriiUploadUrlRefused');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/must be https to a public host name/);
    expect(h.torii.requests.filter((r) => r.kind === 'uploadUrl').length).toBe(1);
    expect(h.torii.requests.filter((r) => r.kind === 'presignedPut')).toEqual([]);
  });
});
