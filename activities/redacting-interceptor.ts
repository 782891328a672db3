// The last line of defence for secrets leaving an activity: whatever an activity throws (a classified
// Problem, a database error, a got error whose options carry Authorization headers and form fields)
// leaves with its message redacted and without the original object, before the worker logs it or
// Temporal records it. Classification stays in problem.ts; this only masks.
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptors, Next } from '@temporalio/worker';
import { redact } from '../contract/redact';

export class RedactingActivityInbound implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw redactedFailure(err);
    }
  }
}

export function redactingActivityInterceptors(): ActivityInterceptors {
  return { inbound: new RedactingActivityInbound() };
}

/** The error with every message redacted; Temporal's own failures (cancellation) keep their class. */
export function redactedFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: err.type ?? undefined,
      message: redact(err.message),
      nonRetryable: err.nonRetryable ?? false,
      nextRetryDelay: err.nextRetryDelay ?? undefined,
      details: err.details ?? undefined,
      category: err.category ?? undefined,
    });
  }
  if (err instanceof TemporalFailure) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'CompleteAsyncError')) return err;
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: name, message: redact(message), nonRetryable: false });
}
