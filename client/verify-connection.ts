// What Torii's backend calls when a customer clicks Connect: validate the connection's PingOne part
// and run pingOneVerifyConnection, which answers a list of checks. A new test of a connection
// replaces a running one: the customer may have fixed something since.
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, describeInputProblems } from '../contract/sync';
import { VERIFY_WORKFLOW_TYPE, VerifyInputSchema, verifyWorkflowId, type ValidVerifyInput, type VerifyInput, type VerifyResult } from '../contract/verify';
import { requireEncryptingClient } from './encrypted-client';

export class InvalidVerifyInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`The connection test input is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'InvalidVerifyInputError';
  }
}

export function validateVerifyInput(input: unknown): ValidVerifyInput {
  const parsed = VerifyInputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidVerifyInputError(describeInputProblems(parsed.error));
  return parsed.data;
}

export async function startVerify(
  client: Client,
  input: VerifyInput,
  taskQueue = process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
): Promise<WorkflowHandle> {
  requireEncryptingClient(client);
  const valid = validateVerifyInput(input);
  return client.workflow.start(VERIFY_WORKFLOW_TYPE, {
    args: [valid],
    taskQueue,
    workflowId: verifyWorkflowId(valid.connectionId),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.TERMINATE_EXISTING,
  });
}

export async function verifyConnection(client: Client, input: VerifyInput, taskQueue?: string): Promise<VerifyResult> {
  const handle = await startVerify(client, input, taskQueue);
  return handle.result();
}

/** The result as a person reads it: one line per check, the fix under each failed one. */
export function describeVerifyResult(result: VerifyResult): string {
  const passed = result.checks.filter((c) => c.status === 'ok').length;
  const lines = [`connection ${result.connectionId}: ${passed} of ${result.checks.length} checks passed${result.region ? ` (PingOne region ${result.region})` : ''}`];
  for (const check of result.checks) {
    lines.push(`  ${check.status === 'ok' ? 'ok    ' : 'FAILED'} ${check.name}: ${check.cause}`);
    if (check.status === 'failed') lines.push(`         fix: ${check.fix}${check.correlationId ? ` (correlation id ${check.correlationId})` : ''}`);
  }
  return lines.join('\n');
}
