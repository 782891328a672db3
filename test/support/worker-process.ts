// Owns the worker as an operating-system process of its own, for the kill tests: the production entry
// point (worker/main.ts, run from source through swc-register.js, no build step) with the harness's
// environment, SIGKILLed at any moment and started again. Its output is appended to a log file, so a
// failing test can show what the worker said.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../dev/dev-server';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../../worker/node-process';

/** What main.ts logs once the worker is connected and polling would start. */
const STARTED = 'pingone-torii-sync worker started';
const START_TIMEOUT_MS = 180_000;

export interface WorkerProcess {
  readonly pid: number;
  /** SIGKILL: no shutdown, nothing flushed, as when a machine dies. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, the worker's own graceful shutdown. Resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * 'source': worker/main.ts through swc, bundling the workflows at start. 'built': what `npm start`
 * runs, dist/worker/main.js with the prebuilt dist/workflow-bundle.js and the same node flags
 * (`npm run build` first).
 */
export type WorkerEntry = 'source' | 'built';

export async function startWorkerProcess(env: Record<string, string>, logFile: string, entry: WorkerEntry = 'source'): Promise<WorkerProcess> {
  const root = repoRoot();
  const args =
    entry === 'built'
      ? [...WORKER_NODE_FLAGS, join(root, 'dist', 'worker', 'main.js')]
      : ['-r', join(root, 'test', 'support', 'swc-register.js'), join(root, 'worker', 'main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...(entry === 'built' ? WORKER_PROCESS_ENV : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`--- worker process ${child.pid} started ${new Date().toISOString()}\n`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`the worker did not start within ${START_TIMEOUT_MS} ms; see ${logFile}`)), START_TIMEOUT_MS);
    const watch = (chunk: Buffer) => {
      log.write(chunk);
      if (seen.length < 1_000_000) seen += chunk.toString('utf8');
      if (!started && seen.includes(STARTED)) {
        started = true;
        clearTimeout(timer);
        // Resolved once the line is in the file: a test reading the log right after start finds it
        // (the stream writes in order, so this callback runs after the chunk above is written).
        log.write('', () => resolve());
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code ?? signal}) before it started; see ${logFile}:\n${seen.slice(-2000)}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    log.write(`--- worker process ${child.pid} ended by ${signal} ${new Date().toISOString()}\n`);
  };
  return { pid: child.pid as number, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
