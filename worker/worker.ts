// Creates the Temporal worker that runs pingOneSync and its activities on a task queue.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { redactingActivityInterceptors } from '../activities/redacting-interceptor';
import { activityInterceptors } from './activity-interceptors';

export interface SyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Required: history is always encrypted (worker/codec.ts encryptingDataConverter). */
  dataConverter: DataConverter;
}

export function createSyncWorker(options: SyncWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(options.deps),
    dataConverter: options.dataConverter,
    interceptors: {
      activity: [redactingActivityInterceptors, activityInterceptors(options.deps.metrics)],
      // Names the connection on every workflow log line.
      workflowModules: [require.resolve('../workflows/log-attributes')],
    },
  });
}
