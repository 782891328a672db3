// Owns the stack of the kill tests: a harness whose worker runs as its own process (worker-process.ts)
// on a server that suggests continue-as-new early, so kills land across runs, and the worker's
// restart after each kill.
import type { PingOneSimulatorOptions } from '../../sim/pingone';
import { startHarness, type Harness } from './harness';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

export interface KillableWorker {
  h: Harness;
  /** The running worker process's id, for a SIGKILL at the test's chosen moment. */
  readonly pid: number;
  /**
   * SIGKILLs the worker at once if it still runs, then starts a new one; resolves once that one runs.
   * `whileNoneRuns` runs between the two, once the old process is gone: what the server holds then
   * (an activity's last beat) no worker can change.
   */
  restart(whileNoneRuns?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startKillableWorker(opts: {
  pingone: PingOneSimulatorOptions;
  /** The history length at which the server suggests continue-as-new. */
  suggestContinueAsNew: number;
  env: Record<string, string>;
  /** Every worker process's output, appended. */
  logFile: string;
}): Promise<KillableWorker> {
  const h = await startHarness({
    pingone: opts.pingone,
    server: { extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${opts.suggestContinueAsNew}`] },
    env: opts.env,
    inProcessWorker: false,
  });
  let worker: WorkerProcess;
  try {
    worker = await startWorkerProcess(h.workerEnv, opts.logFile);
  } catch (err) {
    await h.close();
    throw err;
  }
  return {
    h,
    get pid() {
      return worker.pid;
    },
    async restart(whileNoneRuns) {
      await worker.kill();
      await whileNoneRuns?.();
      worker = await startWorkerProcess(h.workerEnv, opts.logFile);
    },
    async close() {
      await worker.stop();
      await h.close();
    },
  };
}
