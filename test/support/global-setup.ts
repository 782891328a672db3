// Owns jest's one-time setup: the test database and the Temporal CLI path shared by every test file.
import { resolveTemporalCli } from '../../dev/dev-server';
import { startPostgres, type PostgresCluster } from '../../dev/postgres';

// globalSetup and globalTeardown run in the same process, so globalThis carries the cluster across.
export interface SupportState {
  postgres?: PostgresCluster;
}
export const STATE_KEY = '__pingoneToriiTestSupport';

export default async function globalSetup(): Promise<void> {
  const state: SupportState = {};
  (globalThis as Record<string, unknown>)[STATE_KEY] = state;

  // Resolved once here (a build can take minutes); test files start their own dev servers from this path.
  const cli = await resolveTemporalCli((line) => process.stderr.write(`[global-setup] ${line}\n`));
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;

  if (!process.env.TEST_DATABASE_URL) {
    const started = Date.now();
    const cluster = await startPostgres();
    // Stopped by globalTeardown, or by dev/postgres's own hooks if jest ends before it (a crash, a kill).
    state.postgres = cluster;
    process.env.TEST_DATABASE_URL = cluster.url;
    process.env.TEST_DATABASE_LOCALE = cluster.locale;
    if (process.env.DEBUG_TEST_SUPPORT) {
      process.stderr.write(`[global-setup] postgres on port ${cluster.port} in ${Date.now() - started}ms\n`);
    }
  }
}
