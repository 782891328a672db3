// The benchmark's machinery: PostgreSQL, the simulators with a fixed latency and rate budget, the
// Temporal dev server, and the worker as its own process (`node dist/worker/main.js`, exactly what
// `npm start` runs) so its memory is measured alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../dev/dev-server';
import { startPostgres, stopPostgres, type PostgresCluster } from '../dev/postgres';
import type { Directory } from '../sim/directory';
import type { PingOneSimulator, SimClient } from '../sim/pingone';
import { freshCredentials, startSimulators } from '../sim/stack';
import type { ToriiSimulator } from '../sim/torii';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../worker/node-process';

export interface BenchStack {
  pingone: PingOneSimulator;
  torii: ToriiSimulator;
  client: SimClient;
  toriiKey: string;
  databaseUrl: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startStack(directory: Directory, latencyMs: number, budget: number, auditMaxPageSize?: number): Promise<BenchStack> {
  let cluster: PostgresCluster | undefined;
  const databaseUrl = process.env.DATABASE_URL ?? (cluster = await startPostgres()).url;
  const { client, toriiKey } = freshCredentials(directory, 'bench');
  const simulators = await startSimulators({
    pingone: { environments: [directory], clients: [client], latencyMs, rateLimit: { requestsPerSecond: budget }, frozenDirectory: true, auditMaxPageSize },
    torii: { apiKey: toriiKey, checkFilesUpToBytes: 256 * 1024 * 1024 },
  });
  const { pingone, torii } = simulators;
  const env = {
    DATABASE_URL: databaseUrl,
    ...simulators.workerEnv,
    SYNC_FILES_DIR: await mkdtemp(join(tmpdir(), 'bench-files-')),
    SYNC_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
  };
  return {
    pingone,
    torii,
    client,
    toriiKey,
    databaseUrl,
    env,
    async close() {
      await simulators.close();
      if (cluster) stopPostgres(cluster);
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * The node flags a benchmark's worker process runs with: npm start's (worker/node-process.ts), or
 * BENCH_WORKER_NODE_FLAGS (space-separated) to measure others.
 */
export function benchWorkerNodeFlags(): string[] {
  return (process.env.BENCH_WORKER_NODE_FLAGS ?? WORKER_NODE_FLAGS.join(' ')).split(' ').filter(Boolean);
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  // npm start's node flags and malloc setting, so the benchmark measures what production runs.
  const child = spawn(process.execPath, [...benchWorkerNodeFlags(), join(repoRoot(), 'dist', 'worker', 'main.js')], {
    env: { ...WORKER_PROCESS_ENV, ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // The worker's own log goes to a file for a look after a bad run.
  const logPath = join(tmpdir(), `bench-worker-${child.pid}.log`);
  const log = createWriteStream(logPath);
  console.error(`worker log: ${logPath}`);
  child.stdout?.on('data', (chunk) => {
    if (output.length < 100_000) output += chunk;
    log.write(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    if (output.length < 100_000) output += chunk;
    log.write(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (/pingone-torii-sync worker (on|started)/.test(output)) {
        clearInterval(check);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`the worker exited with ${code} before starting:\n${output}`));
    });
  });
  let peak = 0;
  const peakRssMb = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {
      // The process is gone; keep the last reading.
    }
    return peak;
  };
  return {
    child,
    peakRssMb,
    async stop() {
      peakRssMb();
      // Called again on a failure after the run's own stop, or after the worker died: an exited
      // child sends no second 'exit', and waiting for one hung the benchmark.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
