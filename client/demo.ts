// `npm run demo`: a whole sync on this machine with nothing to set up. Seeds the PingOne and Torii
// simulators, starts an embedded Temporal dev server (with its UI), the worker on the embedded store
// (or DATABASE_URL when set), and one sync; prints a summary, the UI address, and as its last line
// the result as one JSON object.
import { randomBytes, randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { encryptingDataConverter } from '../contract/codec';
import { loadConfig } from '../worker/config';
import { activityDeps, openStore } from '../worker/wiring';
import { createSyncWorker } from '../worker/worker';
import { generateDirectory } from '../test/sim/directory';
import { startPingOneSimulator } from '../test/sim/pingone';
import { startToriiSimulator } from '../test/sim/torii';
import { summary } from './cli';
import { devServerUiUrl, startDevServer } from './dev-server';
import { startSync } from './start-sync';

async function demo(opts: { users: string; keepRunning?: boolean }): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const users = Number(opts.users);
  if (!Number.isSafeInteger(users) || users < 1) throw new Error(`--users must be a positive whole number, got ${opts.users}`);
  const directory = generateDirectory({ seed: 1, users, groups: Math.max(12, Math.round(users / 125)), applications: 16, nonAsciiShare: 0.1 });
  const client = { clientId: randomUUID(), clientSecret: `demo-${randomUUID()}`, environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' as const };
  const toriiKey = `demo-torii-${randomUUID()}`;
  const pingone = await startPingOneSimulator({ environments: [directory], clients: [client] });
  const torii = await startToriiSimulator({ apiKey: toriiKey });
  console.log(`Seeded ${users} PingOne users, ${directory.groups.length} groups, ${directory.applications.length} applications`);
  console.log('Starting the embedded Temporal dev server...');
  // History is encrypted in the demo too; without SYNC_ENCRYPTION_KEYS a key lives only as long as
  // the demo (and its in-memory dev server) does.
  const encryptionKeys = process.env.SYNC_ENCRYPTION_KEYS || `demo:${randomBytes(32).toString('base64')}`;
  const dataConverter = encryptingDataConverter(loadConfig({ SYNC_ENCRYPTION_KEYS: encryptionKeys }));
  const env = await startDevServer({ ui: true, log: (line) => console.log(line), client: { dataConverter } });
  const config = loadConfig({
    ...process.env,
    SYNC_ENCRYPTION_KEYS: encryptionKeys,
    TORII_API_KEY: toriiKey,
    TORII_API_URL: torii.apiUrl,
    PINGONE_AUTH_URL: pingone.authUrl,
    PINGONE_API_URL: pingone.apiUrl,
    PINGONE_ALLOWED_HOSTS: new URL(pingone.origin).host,
    // The Torii simulator presigns uploads to itself, on loopback.
    TORII_UPLOAD_ALLOWED_HOSTS: new URL(torii.origin).host,
    EMBEDDED_DATABASE_DIR: process.env.EMBEDDED_DATABASE_DIR ?? 'var/demo/pglite',
    SYNC_FILES_DIR: process.env.SYNC_FILES_DIR ?? 'var/demo/files',
  });
  const sql = await openStore(config);
  const worker = await createSyncWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue: config.TEMPORAL_TASK_QUEUE, deps: activityDeps(config, sql), dataConverter });
  const running = worker.run();
  try {
    const started = Date.now();
    const handle = await startSync(env.client, {
      connectionId: 'demo',
      pingOne: { environmentId: directory.environmentId, clientId: client.clientId, clientSecret: client.clientSecret },
      torii: { appAccountId: 1001 },
    }, config.TEMPORAL_TASK_QUEUE);
    console.log(`Sync ${handle.workflowId} started; store: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded (${config.EMBEDDED_DATABASE_DIR})`}`);
    const result = await handle.result();
    console.log(summary(result));
    console.log(`  took ${((Date.now() - started) / 1000).toFixed(1)} s; Torii received ${torii.syncs.length} file(s)`);
    console.log(`Temporal UI: ${devServerUiUrl(env)}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`);
    if (opts.keepRunning) {
      console.log('Keeping everything running; press Ctrl-C to stop.');
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
    console.log(JSON.stringify(result));
  } finally {
    worker.shutdown();
    await running;
    await Promise.all([sql.close(), pingone.close(), torii.close()]);
    await env.teardown();
  }
}

new Command('demo')
  .option('--users <n>', 'PingOne users to seed', '5000')
  .option('--keep-running', 'keep the dev server and its UI up after the sync')
  .action(demo)
  .parseAsync()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
