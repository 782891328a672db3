// `npm run demo`: a whole sync on this machine with nothing to set up. Seeds the PingOne and Torii
// simulators, starts an embedded Temporal dev server with its UI decoding history through the
// demo's codec server (credentials masked), the worker on the embedded store (or DATABASE_URL when
// set), and one sync; prints a summary, the UI address, and as its last line on standard output the
// result as one JSON object. With `--runs 2` or more it changes the simulated directory between
// syncs (users deleted, disabled and added, under the deletion guard's limits) and prints each
// sync's diff, read from the worker as `pingone-torii-sync diff` reads it. Ctrl-C at any point
// stops it and everything it started.
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { AesGcmPayloadCodec, encryptingDataConverter } from '../contract/codec';
import { loadConfig } from '../contract/config';
import { activityDeps, openStore } from '../worker/wiring';
import { createSyncWorker } from '../worker/worker';
import { addUsers, deleteUsers, generateDirectory, type Directory } from '../sim/directory';
import { freshCredentials, startSimulators } from '../sim/stack';
import { DELETION_GUARD_DEFAULTS } from '../contract/deletion-guard';
import { summary } from '../client/cli';
import { startCodecServer } from '../client/codec-server';
import { devServerUiUrl, freePort, startDevServer } from './dev-server';
import { connectionDiff, printDiff } from '../client/diff-command';
import { startSync } from '../client/start-sync';
import { terminalFor } from '../client/terminal';

interface DemoFlags {
  users: string;
  runs: string;
  keepRunning?: boolean;
}

const positive = (flag: string, raw: string) => {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number, got ${raw}`);
  return n;
};

/**
 * What changes in the directory between two demo syncs: a few users deleted and disabled, some
 * added. At most the guard's `maxDeletedUsers` are deleted, so no sync is held for approval.
 */
function changeDirectory(directory: Directory, run: number): string {
  const present = directory.users.filter((u) => u.enabled && u.email && u.account.status === 'OK');
  const deleted = deleteUsers(directory, present.slice(0, Math.min(DELETION_GUARD_DEFAULTS.maxDeletedUsers, Math.ceil(present.length / 200))).map((u) => u.id));
  const disabled = present.slice(-3);
  for (const user of disabled) user.enabled = false;
  const added = addUsers(directory, Math.max(3, Math.round(present.length / 100)), run).length;
  return `Changed the PingOne directory: ${deleted} users deleted, ${disabled.length} disabled, ${added} added`;
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
const interrupted = () => new Promise<'interrupted'>((resolve) => process.once('SIGINT', () => resolve('interrupted')).once('SIGTERM', () => resolve('interrupted')));

async function demo(opts: DemoFlags): Promise<void> {
  // The demo owns Ctrl-C. The SDK's own handler only drained the worker: the demo then failed to
  // stop it again ("Not running. Current state: DRAINING") and exited without tearing down its dev
  // server, which outlived it; during a sync (one held for approval, say) it waited for good.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const stop = interrupted();
  const users = positive('--users', opts.users);
  const runs = positive('--runs', opts.runs);
  const directory = generateDirectory({ seed: 1, users, groups: Math.max(12, Math.round(users / 125)), applications: 16, nonAsciiShare: 0.1 });
  const { client, toriiKey } = freshCredentials(directory, 'demo');
  const simulators = await startSimulators({ pingone: { environments: [directory], clients: [client] }, torii: { apiKey: toriiKey } });
  const { torii } = simulators;
  console.log(`Seeded ${users} PingOne users, ${directory.groups.length} groups, ${directory.applications.length} applications`);
  // History is encrypted in the demo too; without SYNC_ENCRYPTION_KEYS a key lives only as long as
  // the demo (and its in-memory dev server) does.
  const encryptionKeys = process.env.SYNC_ENCRYPTION_KEYS || `demo:${randomBytes(32).toString('base64')}`;
  const keyConfig = loadConfig({ SYNC_ENCRYPTION_KEYS: encryptionKeys });
  const dataConverter = encryptingDataConverter(keyConfig);
  // The dev server's UI can only be given a codec endpoint (no credentials), so the endpoint itself
  // carries a session of the demo's codec server; CORS lets only this UI's origin call it.
  const uiPort = await freePort();
  const codecServer = await startCodecServer({
    codec: new AesGcmPayloadCodec(keyConfig.SYNC_ENCRYPTION_KEYS ?? []),
    token: randomBytes(32).toString('base64url'),
    corsOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    host: '127.0.0.1',
    port: 0,
  });
  console.log('Starting the embedded Temporal dev server...');
  const env = await startDevServer({ ui: true, uiPort, uiCodecEndpoint: codecServer.sessionEndpoint(), log: (line) => console.log(line), client: { dataConverter } });
  const config = loadConfig({
    ...process.env,
    SYNC_ENCRYPTION_KEYS: encryptionKeys,
    ...simulators.workerEnv,
    EMBEDDED_DATABASE_DIR: process.env.EMBEDDED_DATABASE_DIR ?? 'var/demo/pglite',
    SYNC_FILES_DIR: process.env.SYNC_FILES_DIR ?? 'var/demo/files',
  });
  const sql = await openStore(config);
  const worker = await createSyncWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue: config.TEMPORAL_TASK_QUEUE, deps: activityDeps(config, sql), dataConverter });
  const running = worker.run();
  try {
    let result;
    for (let run = 1; run <= runs; run++) {
      if (run > 1) console.log(changeDirectory(directory, run));
      const started = Date.now();
      const handle = await startSync(env.client, {
        connectionId: 'demo',
        pingOne: { environmentId: directory.environmentId, clientId: client.clientId, clientSecret: client.clientSecret },
        torii: { appAccountId: 1001 },
      }, config.TEMPORAL_TASK_QUEUE);
      console.log(`Sync ${handle.workflowId} started${runs > 1 ? ` (run ${run} of ${runs})` : ''}; store: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded (${config.EMBEDDED_DATABASE_DIR})`}`);
      const waiting = new AbortController();
      const outcome = env.client.withAbortSignal(waiting.signal, () => handle.result());
      const ended = await Promise.race([outcome, stop]);
      if (ended === 'interrupted') {
        // The result's long poll is called off, or it retries on the connection closed below.
        outcome.catch(() => undefined);
        waiting.abort();
        console.error(`Interrupted: stopping the demo; sync ${handle.workflowId} ends with the dev server.`);
        process.exitCode = 130;
        return;
      }
      result = ended;
      console.log(summary(result));
      console.log(`  took ${((Date.now() - started) / 1000).toFixed(1)} s; Torii received ${torii.syncs.length} file(s)`);
      if (run > 1) {
        console.log('What changed in Torii (as `pingone-torii-sync diff demo` prints it):');
        printDiff(terminalFor(process.stdout), await connectionDiff(env.client, config.TEMPORAL_TASK_QUEUE, 'demo'), { limit: 10 });
      }
      console.log(`Temporal UI: ${devServerUiUrl(env)}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`);
    }
    console.log(`  (decoded by the demo's codec server at ${codecServer.url}; credentials show as a mask)`);
    console.log(JSON.stringify(result));
    if (opts.keepRunning) {
      // On standard error, so the result stays the last line of standard output.
      console.error('Keeping everything running; press Ctrl-C to stop.');
      await stop;
    }
  } finally {
    // Whatever happened above, the dev server is torn down last, so it never outlives the demo.
    try {
      worker.shutdown();
      await running;
      await Promise.all([sql.close(), simulators.close(), codecServer.close()]);
    } finally {
      await env.teardown();
    }
  }
}

new Command('demo')
  .option('--users <n>', 'PingOne users to seed', '5000')
  .option('--runs <n>', 'syncs to run, the directory changed before each after the first (2 shows a diff with deletions)', '1')
  .option('--keep-running', 'keep the dev server, its UI and the codec server up after the syncs')
  .action(demo)
  .parseAsync()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
