// What Torii's backend calls: validate a connection's input and start (or attach to) its sync.
// One workflow per connection: a second start while a sync runs returns the running one.
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  DEFAULT_TASK_QUEUE,
  describeInputProblems,
  SYNC_WORKFLOW_TYPE,
  SyncInputSchema,
  syncWorkflowId,
  type SyncInput,
  type SyncResult,
  type ValidSyncInput,
} from '../contract/sync';
import { syncStartOptions, syncStaticDetails } from '../contract/connection-facts';
import { requireEncryptingClient } from './encrypted-client';

export class InvalidSyncInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`The sync input is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'InvalidSyncInputError';
  }
}

export function validateSyncInput(input: unknown): ValidSyncInput {
  const parsed = SyncInputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidSyncInputError(describeInputProblems(parsed.error));
  return parsed.data;
}

export async function startSync(
  client: Client,
  input: SyncInput,
  taskQueue = process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
): Promise<WorkflowHandle> {
  requireEncryptingClient(client);
  const valid = validateSyncInput(input);
  return client.workflow.start(SYNC_WORKFLOW_TYPE, {
    args: [valid],
    taskQueue,
    workflowId: syncWorkflowId(valid.connectionId),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    // The connection's non-secret facts, readable in the UI and by `watch` without the input.
    ...syncStartOptions(valid),
    staticDetails: syncStaticDetails(valid),
  });
}

export async function runSync(client: Client, input: SyncInput, taskQueue?: string): Promise<SyncResult> {
  const handle = await startSync(client, input, taskQueue);
  return handle.result();
}
