// Every activity heartbeats while it runs, so a worker that dies mid-activity (killed, out of
// memory, its host gone) is noticed within the activity's heartbeatTimeout and the activity is
// retried at once on another worker, instead of after its startToCloseTimeout (minutes). The beat
// says "this process is alive", not "this activity progresses": a hung request is still bounded by
// the request timeout and startToCloseTimeout. Each beat carries the activity's last progress
// (activities/progress-beat.ts): a beat without details would erase what a retry resumes from.
//
// Every beat is encoded (the codec's AES-GCM) and handed to the SDK's core, which sends at most one
// per maxHeartbeatThrottleInterval (worker.ts) to the server. So progress is beaten when it has
// changed, at most every PROGRESS_EVERY_MS (not once per page: a page's own beat was a good part of
// the worker's CPU per page), and otherwise once a second for liveness. A failing attempt beats its
// last progress before it fails, so the retry resumes after the last page the attempt finished.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { beatLastProgress, progressUnbeaten } from '../activities/progress-beat';

const BEAT_EVERY_MS = 1000;
/**
 * The core's throttle (maxHeartbeatThrottleInterval, worker.ts): the core sends the server at most
 * one beat per 500 ms, the latest, so beating more often only encoded beats the server never saw.
 */
const PROGRESS_EVERY_MS = 500;

export const heartbeatWhileRunning: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      let beatAt = Date.now();
      const beat = setInterval(() => {
        if (!progressUnbeaten(ctx) && Date.now() - beatAt < BEAT_EVERY_MS) return;
        beatAt = Date.now();
        beatLastProgress(ctx);
      }, PROGRESS_EVERY_MS);
      try {
        return await next(input);
      } catch (err) {
        if (progressUnbeaten(ctx)) beatLastProgress(ctx);
        throw err;
      } finally {
        clearInterval(beat);
      }
    },
  },
});
