// What went wrong, in the customer's words: every failure an activity reports is a Problem with a
// cause and a fix, turned into exactly one Temporal ApplicationFailure. Temporal's retry policy is
// the only retry layer, so `retryable` and `retryAfterMs` here decide what happens next.
import { ApplicationFailure } from '@temporalio/common';
import { redact } from '../contract/redact';

export interface Problem {
  /** Stable failure type, e.g. `PingOneInvalidClient`; operators filter on it. */
  type: string;
  /** One sentence: what happened. */
  cause: string;
  /** One sentence: what to do about it. */
  fix: string;
  retryable: boolean;
  /** Server-requested wait before the next attempt (Retry-After). */
  retryAfterMs?: number;
  /** PingOne's error id or token Correlation ID, for support tickets. */
  correlationId?: string;
  status?: number;
}

export function problemMessage(problem: Problem): string {
  const ref = problem.correlationId ? ` (correlation id ${problem.correlationId})` : '';
  return redact(`${problem.cause} ${problem.fix}${ref}`);
}

/** Raised inside activities; the activity boundary converts it with `toFailure`. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problemMessage(problem));
    this.name = problem.type;
  }
}

export function toFailure(problem: Problem): ApplicationFailure {
  return ApplicationFailure.create({
    type: problem.type,
    message: problemMessage(problem),
    nonRetryable: !problem.retryable,
    nextRetryDelay: problem.retryAfterMs,
    details: [
      {
        cause: redact(problem.cause),
        fix: redact(problem.fix),
        correlationId: problem.correlationId ?? null,
        status: problem.status ?? null,
      },
    ],
  });
}

/**
 * Wraps an activity body so that every error leaves as a redacted ApplicationFailure: Problems keep
 * their classification; anything unexpected is retryable with its message redacted (got errors carry
 * request options, headers included, so nothing of the original object travels on).
 */
export async function reportingProblems<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ProblemError) throw toFailure(err.problem);
    if (err instanceof ApplicationFailure) throw err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw ApplicationFailure.create({ type: 'UnexpectedError', message: redact(message), nonRetryable: false });
  }
}
