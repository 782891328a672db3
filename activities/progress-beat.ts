// An activity's progress as heartbeat details: the last details an activity beat are what the
// server hands a retried attempt, so every beat of that activity must carry them. The activity
// records its progress here (recordProgress, after each page); the worker's beat (worker/heartbeat.ts)
// sends the latest recorded progress a few times a second at most, so a beat without details never
// erases the progress the activity recorded, and a page costs no encoded heartbeat of its own.
import { Context } from '@temporalio/activity';

interface Progress {
  details: unknown;
  /** Whether a beat has carried these details yet. */
  beaten: boolean;
}

const latest = new WeakMap<Context, Progress>();

/** Records the activity's progress; the worker's next beat carries it. */
export function recordProgress(details: unknown): void {
  latest.set(Context.current(), { details, beaten: false });
}

/** Whether the activity recorded progress that no beat has carried yet. */
export function progressUnbeaten(ctx: Context): boolean {
  return latest.get(ctx)?.beaten === false;
}

/** Beats the activity's last progress, else what its previous attempt recorded. */
export function beatLastProgress(ctx: Context): void {
  const progress = latest.get(ctx);
  if (progress) progress.beaten = true;
  ctx.heartbeat(progress ? progress.details : ctx.info.heartbeatDetails);
}
