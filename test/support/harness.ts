// One sync stack for a test file: a dev server, PingOne and Torii simulators on loopback, the
// real PostgreSQL store, and a worker wired to them exactly as `npm start` wires itself (only the
// environment differs). Tests start syncs through the same client code Torii's backend uses.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../worker/activities';
import { postgresStore, type Sql } from '../../activities/store/sql';
import { migrate } from '../../activities/store/schema';
import { startSync } from '../../client/start-sync';
import { encryptingDataConverter } from '../../contract/codec';
import { loadConfig, type WorkerConfig } from '../../contract/config';
import { parseEncryptionKeys } from '../../contract/encryption-keys';
import { installTelemetry, type TelemetrySettings } from '../../worker/telemetry';
import { activityDeps } from '../../worker/wiring';
import { createSyncWorker } from '../../worker/worker';
import type { SyncInput, SyncResult } from '../../contract/sync';
import type { Directory } from '../../sim/directory';
import type { PingOneSimulator, PingOneSimulatorOptions, SimClient } from '../../sim/pingone';
import { startSimulators } from '../../sim/stack';
import type { ToriiSimulator, ToriiSimulatorOptions } from '../../sim/torii';
import { startTestServer, uniqueTaskQueue } from './temporal';
import { installTestRuntime } from './test-logs';
import { testDatabaseUrl } from './test-database';

export const TORII_KEY = 'torii-fake-key-7Qm2Zp9Lw4';
/** A fixed, obviously fake key, so histories recorded by tests can be decoded later (replay tests). */
export const TEST_ENCRYPTION_KEYS = `test-k1:${Buffer.alloc(32, 'test-only-history-key').toString('base64')}`;

export interface Harness {
  env: TestWorkflowEnvironment;
  pingone: PingOneSimulator;
  torii: ToriiSimulator;
  sql: Sql;
  config: WorkerConfig;
  /** The encrypting data converter the worker and `env.client` use. */
  dataConverter: DataConverter;
  taskQueue: string;
  /** The worker's whole environment (store, simulators, Temporal, task queue), for a worker in its own process. */
  workerEnv: Record<string, string>;
  /** Runs a sync to its end through the client; rejects with the workflow's failure. */
  sync(input: SyncInput): Promise<SyncResult>;
  input(connectionId: string, client: SimClient, directory: Directory, extra?: Partial<SyncInput>): SyncInput;
  close(): Promise<void>;
}

export interface HarnessOptions {
  pingone: PingOneSimulatorOptions;
  torii?: Partial<ToriiSimulatorOptions>;
  env?: Record<string, string>;
  deps?: Partial<ActivityDeps>;
  server?: Parameters<typeof startTestServer>[0];
  /** Installs the worker's own telemetry (JSON logs, Prometheus) instead of the quiet test runtime. */
  telemetry?: TelemetrySettings;
  /** false: no worker in this process; the test runs one elsewhere from `workerEnv` (test/support/worker-process.ts). */
  inProcessWorker?: boolean;
  /**
   * 'embedded': `workerEnv` leaves DATABASE_URL unset, so a worker process runs on the default store
   * (PGlite in a fresh folder), as `npm start` does. Needs inProcessWorker: false: PGlite loads its
   * WebAssembly through a dynamic import, which jest's module sandbox refuses. Default: the test PostgreSQL.
   */
  store?: 'postgres' | 'embedded';
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  if (opts.telemetry) installTelemetry(opts.telemetry);
  else installTestRuntime();
  const dataConverter = encryptingDataConverter({ SYNC_ENCRYPTION_KEYS: parseEncryptionKeys(opts.env?.SYNC_ENCRYPTION_KEYS ?? TEST_ENCRYPTION_KEYS).keys });
  const env = await startTestServer({ client: { dataConverter }, ...opts.server });
  const simulators = await startSimulators({ pingone: opts.pingone, torii: { apiKey: TORII_KEY, ...opts.torii } });
  const { pingone, torii } = simulators;
  const databaseUrl = testDatabaseUrl();
  const storeEnv: Record<string, string> =
    opts.store === 'embedded' ? { EMBEDDED_DATABASE_DIR: await mkdtemp(join(tmpdir(), 'sync-pglite-')) } : { DATABASE_URL: databaseUrl };
  const workerEnv: Record<string, string> = {
    ...storeEnv,
    ...simulators.workerEnv,
    SYNC_FILES_DIR: await mkdtemp(join(tmpdir(), 'sync-files-')),
    HTTP_TIMEOUT_MS: '5000',
    SYNC_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    ...opts.env,
  };
  const config = loadConfig(workerEnv);
  if (opts.store === 'embedded' && opts.inProcessWorker !== false) throw new Error("store: 'embedded' runs only in a worker process (inProcessWorker: false)");
  const sql = opts.store === 'embedded' ? storeOfTheWorkerProcess() : postgresStore(databaseUrl, 5);
  if (opts.store !== 'embedded') await migrate(sql);
  const taskQueue = uniqueTaskQueue('sync');
  Object.assign(workerEnv, { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', TEMPORAL_TASK_QUEUE: taskQueue });
  const worker: Worker | undefined =
    opts.inProcessWorker === false
      ? undefined
      : await createSyncWorker({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue,
          deps: activityDeps(config, sql, opts.deps),
          dataConverter,
        });
  const running = worker?.run();
  return {
    env,
    pingone,
    torii,
    sql,
    config,
    dataConverter,
    taskQueue,
    workerEnv,
    async sync(input) {
      const handle = await startSync(env.client, input, taskQueue);
      return handle.result();
    },
    input(connectionId, client, directory, extra = {}) {
      return {
        connectionId,
        pingOne: { environmentId: directory.environmentId, clientId: client.clientId, clientSecret: client.clientSecret },
        torii: { appAccountId: 4242 },
        ...extra,
      };
    },
    async close() {
      worker?.shutdown();
      await running;
      await Promise.all([simulators.close(), sql.close()]);
      await env.teardown();
    },
  };
}

/** The embedded store is the worker process's alone (PGlite has one owner): the test cannot read it. */
function storeOfTheWorkerProcess(): Sql {
  const refuse = () => Promise.reject(new Error('the embedded store belongs to the worker process; this harness cannot query it'));
  return {
    query: refuse,
    exec: refuse,
    transaction: refuse,
    copyLines: () => ({ [Symbol.asyncIterator]: () => ({ next: refuse }) }),
    close: async () => undefined,
  };
}

/** A fresh connection id, so tests sharing one database never see each other's snapshots. */
export function connectionId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
