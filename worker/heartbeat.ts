// Every activity heartbeats while it runs, so a worker that dies mid-activity (killed, out of
// memory, its host gone) is noticed within the activity's heartbeatTimeout and the activity is
// retried at once on another worker, instead of after its startToCloseTimeout (minutes). The beat
// says "this process is alive", not "this activity progresses": a hung request is still bounded by
// the request timeout and startToCloseTimeout. The SDK throttles what reaches the server (to 80% of
// the heartbeatTimeout, at most the worker's maxHeartbeatThrottleInterval), so beating every second
// costs no more than beating exactly in time. Each beat repeats the activity's last progress
// (activities/progress-beat.ts): a beat without details would erase what a retry resumes from.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { lastProgress } from '../activities/progress-beat';

const BEAT_EVERY_MS = 1000;

export const heartbeatWhileRunning: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      ctx.heartbeat(lastProgress(ctx));
      const beat = setInterval(() => ctx.heartbeat(lastProgress(ctx)), BEAT_EVERY_MS);
      try {
        return await next(input);
      } finally {
        clearInterval(beat);
      }
    },
  },
});
