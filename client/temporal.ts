// Connects the CLI (and any backend using this package) to Temporal with the same environment
// variables the worker reads: the same address, TLS and API key, and the same encryption keys, so
// what a client writes is encrypted and what the worker wrote can be read.
import { Client, Connection } from '@temporalio/client';
import { encryptingDataConverter } from '../contract/codec';
import { loadConfig, type WorkerConfig } from '../contract/config';
import { temporalConnectionOptions } from '../contract/temporal-connection';

export async function connectClient(config: WorkerConfig = loadConfig()): Promise<Client> {
  const dataConverter = encryptingDataConverter(config);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
}
