// The one place a workflow reads why an activity (or the child sync) failed: Temporal wraps the
// ApplicationFailure the activity threw, whose type, message and details are the Problem's words.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** The ApplicationFailure inside a failed activity or child workflow; undefined for any other error. */
export function failureCause(err: unknown): ApplicationFailure | undefined {
  return (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

/** The Problem type a failed activity ended with, e.g. `PingOneCursorExpired`. */
export function causeType(err: unknown): string | undefined {
  return failureCause(err)?.type ?? undefined;
}

/** Ends the workflow with the activity's own cause and fix, so a failed sync reads like its cause. */
export function rethrowAsSyncFailure(err: unknown): never {
  const cause = failureCause(err);
  if (cause) throw ApplicationFailure.create({ type: cause.type ?? 'SyncFailed', message: cause.message, details: cause.details as unknown[], nonRetryable: true });
  throw err;
}
