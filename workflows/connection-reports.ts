// The CLI's reads of the worker's store as short workflows: what changed between a connection's
// syncs (`diff`, a dry run's outcome) and who uses what (`usage`). Each is one activity reading the
// store, so the CLI needs no database credentials and works on the embedded store the worker holds
// open (client/worker-read.ts starts them). No I/O here.
import { storeReads } from './activity-options';
import type { ConnectionDiffAnswer, ConnectionDiffArgs } from '../contract/reports';
import type { ConnectionUsageArgs, UsageReport } from '../contract/reports';

const { readConnectionDiff, readConnectionUsage } = storeReads;

export async function pingOneConnectionDiff(args: ConnectionDiffArgs): Promise<ConnectionDiffAnswer> {
  return readConnectionDiff(args);
}

/** Null when the connection has no published snapshot in the store. */
export async function pingOneConnectionUsage(args: ConnectionUsageArgs): Promise<UsageReport | null> {
  return readConnectionUsage(args);
}
