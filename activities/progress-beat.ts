// An activity's progress as heartbeat details: the last details an activity beat are what the
// server hands a retried attempt, so every beat of that activity must carry them. The activity beats
// through beatProgress; the worker's liveness beat (worker/heartbeat.ts) repeats lastProgress, so a
// beat without details never erases the progress the activity recorded.
import { Context } from '@temporalio/activity';

const latest = new WeakMap<Context, unknown>();

/** Records the activity's progress and beats it. */
export function beatProgress(details: unknown): void {
  const ctx = Context.current();
  latest.set(ctx, details);
  ctx.heartbeat(details);
}

/** The details to beat for this activity: its last progress, else what its previous attempt recorded. */
export function lastProgress(ctx: Context): unknown {
  return latest.has(ctx) ? latest.get(ctx) : ctx.info.heartbeatDetails;
}
