// Creates the Temporal worker that runs pingOneSync and its activities on a task queue, after sweeping
// the files folder of what a killed worker left behind.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { redactingActivityInterceptors } from '../activities/redacting-interceptor';
import { sweepLeftovers } from '../activities/staged-files';
import { activityInterceptors } from './activity-interceptors';
import { heartbeatWhileRunning } from './heartbeat';
import { workflowCode } from './workflow-code';

export interface SyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Required: history is always encrypted (contract/codec.ts encryptingDataConverter). */
  dataConverter: DataConverter;
}

export async function createSyncWorker(options: SyncWorkerOptions): Promise<Worker> {
  // What a killed worker left half-written or staged in SYNC_FILES_DIR goes before this one starts.
  await sweepLeftovers(options.deps.filesDir);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowCode(),
    activities: createActivities(options.deps),
    dataConverter: options.dataConverter,
    // A page-fetching activity records its progress after every page, beaten within 500 ms (heartbeat.ts);
    // a killed worker loses what it beat since the last beat that reached the server, so beats go out
    // at least every half second instead of every 8 s (80% of the heartbeat timeout).
    maxHeartbeatThrottleInterval: '500ms',
    interceptors: {
      activity: [redactingActivityInterceptors, activityInterceptors(options.deps.metrics), heartbeatWhileRunning],
      // Workflow interceptors (log-attributes names the connection on every workflow log line)
      // come with the workflow code: see workflow-code.ts.
      workflowModules: workflowCode().interceptors?.workflowModules,
    },
  });
}
