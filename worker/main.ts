// `npm start`: validates the environment, opens and migrates the store, connects to Temporal and
// runs the worker until SIGINT/SIGTERM.
import { NativeConnection } from '@temporalio/worker';
import { encryptingDataConverter } from '../contract/codec';
import { ConfigError, loadConfig } from '../contract/config';
import { installTelemetry, telemetrySettings } from './telemetry';
import { temporalConnectionOptions } from '../contract/temporal-connection';
import { activityDeps, openStore } from './wiring';
import { createSyncWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  // Both refuse a bad or missing setting with a ConfigError before anything is opened.
  const dataConverter = encryptingDataConverter(config);
  const connectionOptions = temporalConnectionOptions(config);
  const settings = telemetrySettings(config);
  const log = installTelemetry(settings);
  const sql = await openStore(config);
  const connection = await NativeConnection.connect(connectionOptions);
  const worker = await createSyncWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: activityDeps(config, sql),
    dataConverter,
  });
  log.info(
    {
      temporalAddress: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      store: config.DATABASE_URL ? 'PostgreSQL' : 'embedded',
      metrics: settings.metricsBindAddress ? `http://${settings.metricsBindAddress}/metrics` : 'off (set METRICS_PORT)',
    },
    'pingone-torii-sync worker started',
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await sql.close();
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
