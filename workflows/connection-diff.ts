// pingOneConnectionDiff: what changed between a connection's syncs, read from the worker's store by
// one activity, so the CLI's `diff` (and a dry run's outcome) needs no database credentials and works
// on the embedded store the worker holds open. No I/O here.
import { proxyActivities } from '@temporalio/workflow';
import type { SyncActivities } from '../activities';
import type { ConnectionDiffAnswer, ConnectionDiffArgs } from '../activities/store/connection-diff';

const { readConnectionDiff } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});

export async function pingOneConnectionDiff(args: ConnectionDiffArgs): Promise<ConnectionDiffAnswer> {
  return readConnectionDiff(args);
}
