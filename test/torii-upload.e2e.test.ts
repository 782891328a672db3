// Building the Torii file and uploading it are two activities: a failed upload keeps the staged
// file, so its retry on the same host sends that file without reading the store again; an upload
// attempt on a host without the staged file (workers share the store, not a disk) builds it again
// from the store. The file Torii syncs is the expected one either way, and the upload metric names
// how the sink really sent it. Activities run against the real store and the Torii simulator.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../worker/activities';
import type { Sql } from '../activities/store/sql';
import type { SyncMetrics } from '../contract/metrics';
import type { ToriiTarget } from '../contract/sync';
import { activityDeps } from '../worker/wiring';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

const directory = generateDirectory({ seed: 82, users: 120, groups: 6, applications: 8 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-torii-upload-Qe7v', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
const expected = expectedToriiFile(directory);
const torii: ToriiTarget = { appAccountId: 4242 };

/** The store, counting the queries sent through it: an upload that sends its staged file sends none. */
function countingStore(sql: Sql): Sql & { queries: number } {
  const counted = {
    queries: 0,
    query: ((text, params) => {
      counted.queries++;
      return sql.query(text, params);
    }) as Sql['query'],
    exec: (text: string) => {
      counted.queries++;
      return sql.exec(text);
    },
    transaction: <T>(body: (inner: Sql) => Promise<T>) => {
      counted.queries++;
      return sql.transaction(body);
    },
    copyLines: (text: string, params: string[]) => {
      counted.queries++;
      return sql.copyLines(text, params);
    },
    close: () => Promise.resolve(),
  };
  return counted;
}

/** One worker host: its own files folder, the shared store, and the `via` of every upload it counted. */
async function workerHost(h: Harness, deps: Parameters<typeof activityDeps>[2] = {}) {
  const store = countingStore(h.sql);
  const via: unknown[] = [];
  const base = activityDeps(h.config, store, deps);
  const metrics: SyncMetrics = { ...base.metrics, toriiUploads: { ...base.metrics.toriiUploads, add: (_n: number, tags?: Record<string, unknown>) => void via.push(tags?.via) } as SyncMetrics['toriiUploads'] };
  const filesDir = await mkdtemp(join(tmpdir(), 'sync-files-host-'));
  return { store, via, filesDir, activities: createActivities({ ...base, metrics, filesDir }) };
}

const stagedFiles = async (filesDir: string) => (await readdir(join(filesDir, '.staging'), { recursive: true })).filter((f) => f.endsWith('.json'));

describe('building and uploading the Torii file apart', () => {
  let h: Harness;
  let key: { connectionId: string; snapshotId: string };

  beforeAll(async () => {
    h = await startHarness({ pingone: { environments: [directory], clients: [client] } });
    // A published sync leaves a finalized snapshot in the store, from which the file is built again.
    const id = connectionId('tupload');
    const result = await h.sync(h.input(id, client, directory));
    key = { connectionId: id, snapshotId: result.snapshotId };
  });
  afterAll(() => h?.close());
  afterEach(() => h.torii.faults.clear());

  async function expectSynced(host: Awaited<ReturnType<typeof workerHost>>, fileId: number): Promise<void> {
    await host.activities.syncTorii({ torii, fileId });
    const synced = h.torii.syncs.filter((s) => s.fileId === fileId);
    expect(synced).toHaveLength(1);
    expect(sortedFile(synced[0].file as ToriiFile)).toEqual(sortedFile(expected.file));
  }

  it('a failed upload keeps the staged file, and its retry sends it without building it again', async () => {
    const host = await workerHost(h);
    const built = await host.activities.buildToriiFile({ ...key, dryRun: false });
    expect(built.filePath).toBeNull();
    expect(await stagedFiles(host.filesDir)).toHaveLength(1);

    h.torii.faults.add({ kind: 'upload', respond: { status: 502, body: 'Bad Gateway' } });
    const queriesBefore = host.store.queries;
    const failed = await host.activities.uploadToriiFile({ ...key, torii, bytes: built.bytes }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(ApplicationFailure);
    expect((failed as ApplicationFailure).nonRetryable).toBe(false);
    expect(await stagedFiles(host.filesDir)).toHaveLength(1);

    const { fileId } = await host.activities.uploadToriiFile({ ...key, torii, bytes: built.bytes });
    expect(host.store.queries).toBe(queriesBefore);
    expect(await stagedFiles(host.filesDir)).toHaveLength(0);
    expect(host.via).toEqual(['direct']);
    await expectSynced(host, fileId);
  });

  it('an upload on a host without the staged file builds it again from the store', async () => {
    const builder = await workerHost(h);
    const uploader = await workerHost(h);
    const built = await builder.activities.buildToriiFile({ ...key, dryRun: false });
    const { fileId } = await uploader.activities.uploadToriiFile({ ...key, torii, bytes: built.bytes });
    expect(uploader.store.queries).toBeGreaterThan(0);
    expect(await stagedFiles(uploader.filesDir)).toHaveLength(0);
    await expectSynced(uploader, fileId);
  });

  it('a staged file of another size than the build answered is built again', async () => {
    const host = await workerHost(h);
    const built = await host.activities.buildToriiFile({ ...key, dryRun: false });
    const [staged] = await stagedFiles(host.filesDir);
    await truncate(join(host.filesDir, '.staging', staged), Math.floor(built.bytes / 2));
    const queriesBefore = host.store.queries;
    const { fileId } = await host.activities.uploadToriiFile({ ...key, torii, bytes: built.bytes });
    expect(host.store.queries).toBeGreaterThan(queriesBefore);
    await expectSynced(host, fileId);
  });

  it('the upload metric names how the sink sent the file: presigned above the configured limit', async () => {
    const host = await workerHost(h, { toriiDirectUploadLimit: 1024 });
    const built = await host.activities.buildToriiFile({ ...key, dryRun: false });
    expect(built.bytes).toBeGreaterThan(1024);
    const { fileId } = await host.activities.uploadToriiFile({ ...key, torii, bytes: built.bytes });
    expect(host.via).toEqual(['presigned']);
    await expectSynced(host, fileId);
    expect(h.torii.syncs.at(-1)?.via).toBe('presigned');
  });

  it('a dry run keeps its file and stages nothing', async () => {
    const host = await workerHost(h);
    const built = await host.activities.buildToriiFile({ ...key, dryRun: true });
    expect(built.filePath).toBe(join(host.filesDir, key.connectionId, `${key.snapshotId}.json`));
    expect(existsSync(built.filePath as string)).toBe(true);
    expect(existsSync(join(host.filesDir, '.staging'))).toBe(false);
  });
});
