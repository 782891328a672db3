// Connects the CLI (and any backend using this package) to Temporal with the same environment
// variables the worker reads.
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type WorkerConfig } from '../worker/config';

export async function connectClient(config: WorkerConfig = loadConfig()): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
