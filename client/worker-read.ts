// Reads of the worker's store for the CLI (`diff`, a dry run's diff, `usage`): each starts a short
// workflow whose one activity reads the store, so operators need no database credentials and the
// embedded store the worker holds open answers too. One mechanism for every such read.
import { randomUUID } from 'node:crypto';
import { TimeoutFailure, WorkflowFailedError, type Client } from '@temporalio/client';

export class NoWorkerAnsweredError extends Error {
  constructor(taskQueue: string, seconds: number, what: string) {
    super(`No worker answered on task queue ${taskQueue} within ${seconds} s: ${what} is read from the worker's store, so start the worker (or set TEMPORAL_TASK_QUEUE to the one it polls).`);
    this.name = 'NoWorkerAnsweredError';
  }
}

export const ANSWER_SECONDS = 60;

/**
 * Runs `workflowType` with `args` under `<idPrefix>/<connectionId>/<uuid>`; no answer in time is
 * NoWorkerAnsweredError naming `what` was asked ("the diff", "usage").
 */
export async function askWorker<A, R>(
  client: Client,
  taskQueue: string,
  read: { workflowType: string; idPrefix: string; what: string },
  args: A & { connectionId: string },
  answerSeconds = ANSWER_SECONDS,
): Promise<R> {
  try {
    return await client.workflow.execute<(a: A) => Promise<R>>(read.workflowType, {
      taskQueue,
      workflowId: `${read.idPrefix}/${args.connectionId}/${randomUUID()}`,
      args: [args],
      workflowExecutionTimeout: `${answerSeconds}s`,
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure) throw new NoWorkerAnsweredError(taskQueue, answerSeconds, read.what);
    throw err;
  }
}
