// A schedule's action. Temporal appends the scheduled time to every workflow id a schedule starts,
// so a schedule starting pingOneSync itself would break "one sync per connection": a sync started
// by hand and a scheduled one could run side by side on one store snapshot. Instead the schedule
// starts this workflow, which starts pingOneSync as its child under the connection's own id,
// `pingone-sync/<connectionId>`: if a sync of the connection is already running, this run says so
// and ends; otherwise it waits for the sync and ends as it ends, so the schedule's pause-on-failure
// sees a failed sync as a failure.
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { describeInputProblems, SYNC_WORKFLOW_TYPE, SyncInputSchema, syncWorkflowId, type SyncInput, type SyncResult } from '../contract/sync';
import { syncStartOptions } from '../contract/connection-facts';
import { rethrowAsSyncFailure } from './failure-cause';
import { unencryptedInputFailure } from './unencrypted-input';

export type ScheduledSyncOutcome =
  | { ran: true; workflowId: string; result: SyncResult }
  | { ran: false; workflowId: string; reason: string };

export async function scheduledPingOneSync(rawInput: SyncInput): Promise<ScheduledSyncOutcome> {
  const unencrypted = unencryptedInputFailure(rawInput, 'sync');
  if (unencrypted) throw unencrypted;
  const parsed = SyncInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`The scheduled sync's input is invalid: ${describeInputProblems(parsed.error).join('; ')}`, 'InvalidSyncInput');
  }
  const input = parsed.data;
  const workflowId = syncWorkflowId(input.connectionId);
  try {
    const sync = await startChild(SYNC_WORKFLOW_TYPE, {
      workflowId,
      args: [input],
      ...syncStartOptions(input),
      // Stopping the scheduled run asks the sync to stop too, instead of leaving it orphaned.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
    return { ran: true, workflowId, result: (await sync.result()) as SyncResult };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { ran: false, workflowId, reason: `A sync of ${input.connectionId} was already running (${workflowId}); this scheduled run left it alone.` };
    }
    rethrowAsSyncFailure(err);
  }
}
