// The fault matrix, Torii's side: 429 and 5xx are waited out by Temporal's retry policy, a 409 while
// another sync of the account runs is retried until Torii is free, an expired presigned URL is
// replaced by a new one inside the upload, and a rejected file fails the sync at once with Torii's
// own words. Every sync that ends ends with exactly the expected file, synced once.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { startSync } from '../client/start-sync';
import { syncWorkflowId } from '../contract/sync';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { expiredPresignedUrl, toriiError } from '../sim/torii-files';
import { eventually } from './support/eventually';
import { activityHistory } from './support/activity-attempts';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

const directory = generateDirectory({ seed: 81, users: 300, groups: 10, applications: 12 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-torii-faults-Lp4s', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
const expected = expectedToriiFile(directory);

function expectExactLastSync(h: Harness, fileId: number | null): void {
  const synced = h.torii.syncs.filter((s) => s.fileId === fileId);
  expect(synced).toHaveLength(1);
  expect(sortedFile(synced[0].file as ToriiFile)).toEqual(sortedFile(expected.file));
}

describe('Torii faults, direct upload', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ pingone: { environments: [directory], clients: [client] } });
  });
  afterAll(() => h?.close());
  afterEach(() => {
    h.torii.faults.clear();
  });
  const requestsSince = (from: number) => h.torii.requests.slice(from);

  it('429 on the upload, with Retry-After', async () => {
    const from = h.torii.requests.length;
    h.torii.faults.add({ kind: 'upload', respond: { status: 429, headers: { 'Retry-After': '1' }, body: { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded' } } });
    const result = await h.sync(h.input(connectionId('t429'), client, directory));
    expectExactLastSync(h, result.toriiFileId);
    expect(requestsSince(from).filter((r) => r.kind === 'upload').map((r) => r.status)).toEqual([429, 201]);
  });

  it('502 on the upload and 503 on the sync call', async () => {
    const from = h.torii.requests.length;
    h.torii.faults.add({ kind: 'upload', respond: { status: 502, body: 'Bad Gateway' } });
    h.torii.faults.add({ kind: 'sync', respond: { status: 503, body: 'Service Unavailable' } });
    const result = await h.sync(h.input(connectionId('t5xx'), client, directory));
    expectExactLastSync(h, result.toriiFileId);
    expect(requestsSince(from).filter((r) => r.kind === 'upload').map((r) => r.status)).toEqual([502, 201]);
    expect(requestsSince(from).filter((r) => r.kind === 'sync').map((r) => r.status)).toEqual([503, 200]);
  });

  it('409 while another sync of the account runs, until Torii is free', async () => {
    const from = h.torii.requests.length;
    // Two connections of one app account sync side by side; Torii takes one sync at a time, and
    // stays busy with the first until the test sees the second refused.
    const release = h.torii.holdBusyAfterNextSync();
    const both = Promise.all([
      h.sync(h.input(connectionId('tbusy-a'), client, directory)),
      h.sync(h.input(connectionId('tbusy-b'), client, directory)),
    ]);
    await eventually('the second sync call refused with 409', async () => requestsSince(from), (rs) => rs.some((r) => r.kind === 'sync' && r.status === 409));
    release();
    const [first, second] = await both;
    expectExactLastSync(h, first.toriiFileId);
    expectExactLastSync(h, second.toriiFileId);
    const statuses = requestsSince(from).filter((r) => r.kind === 'sync').map((r) => r.status);
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(1, -1).length).toBeGreaterThanOrEqual(1);
    expect(new Set(statuses.slice(1, -1))).toEqual(new Set([409]));
  });

  it('a sync call rejecting the file fails at once with Torii’s message', async () => {
    const from = h.torii.requests.length;
    const syncsBefore = h.torii.syncs.length;
    h.torii.faults.add({ kind: 'sync', respond: toriiError(400, '"users[7].email" must be a valid email') });
    const handle = await startSync(h.env.client, h.input(connectionId('trejected'), client, directory), h.taskQueue);
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('ToriiRejectedFile');
    expect(cause.message).toContain('Torii rejected the file: "users[7].email" must be a valid email.');
    // Non-retryable: one sync call, no second try.
    expect(requestsSince(from).filter((r) => r.kind === 'sync')).toHaveLength(1);
    expect(h.torii.syncs.length).toBe(syncsBefore);
  });
});

describe('Torii faults, presigned upload', () => {
  let h: Harness;

  beforeAll(async () => {
    // Every file goes through the presigned URL, as a file over Torii's 3 MB would.
    h = await startHarness({ pingone: { environments: [directory], clients: [client] }, deps: { toriiDirectUploadLimit: 1024 } });
  });
  afterAll(() => h?.close());

  it('an expired presigned URL is replaced by a new one', async () => {
    const from = h.torii.requests.length;
    // The first PUT is refused as the object store refuses an expired URL (not by racing a short TTL).
    h.torii.faults.add({ kind: 'presignedPut', respond: expiredPresignedUrl() });
    const result = await h.sync(h.input(connectionId('texpired'), client, directory));
    expectExactLastSync(h, result.toriiFileId);
    expect(h.torii.syncs.at(-1)?.via).toBe('presigned');
    const steps = h.torii.requests.slice(from).map((r) => `${r.kind} ${r.status}`);
    expect(steps.filter((s) => !s.startsWith('sync'))).toEqual(['uploadUrl 200', 'presignedPut 403', 'uploadUrl 200', 'presignedPut 200', 'fileRegister 200']);
  });

  it('a third refused presigned URL ends the upload attempt: retried by the activity (ToriiUploadUrlExpired, retryable), three URLs an attempt', async () => {
    const from = h.torii.requests.length;
    // Refused as expired three times in a row: the upload activity gives up its attempt after three URLs.
    h.torii.faults.add({ kind: 'presignedPut', times: 3, respond: expiredPresignedUrl() });
    const id = connectionId('tpresignlimit');
    const result = await h.sync(h.input(id, client, directory));
    expectExactLastSync(h, result.toriiFileId);
    const steps = h.torii.requests.slice(from).map((r) => `${r.kind} ${r.status}`).filter((s) => !s.startsWith('sync'));
    expect(steps).toEqual(['uploadUrl 200', 'presignedPut 403', 'uploadUrl 200', 'presignedPut 403', 'uploadUrl 200', 'presignedPut 403', 'uploadUrl 200', 'presignedPut 200', 'fileRegister 200']);
    const { starts } = await activityHistory(h.env.client, syncWorkflowId(id));
    expect(starts.filter((s) => s.lastFailure)).toEqual([{ activityType: 'uploadToriiFile', attempt: 2, lastFailure: { type: 'ToriiUploadUrlExpired', nonRetryable: false } }]);
    // The retried upload sent the file built once: the build ran one attempt.
    expect(starts.filter((s) => s.activityType === 'buildToriiFile').map((s) => s.attempt)).toEqual([1]);
  });
});
