// Activity interceptors: an activity's log lines name its connection, taken from the `connectionId`
// of its arguments (every activity carries one but syncTorii, whose lines go without), and each
// attempt after the first is counted, so retries show in metrics while Temporal's retry policy does
// the retrying.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { SyncMetrics } from '../contract/metrics';

function connectionIdOf(args: unknown[]): string | undefined {
  const first = args[0] as { connectionId?: unknown } | undefined;
  return first && typeof first === 'object' && typeof first.connectionId === 'string' ? first.connectionId : undefined;
}

export function activityInterceptors(metrics: SyncMetrics): ActivityInterceptorsFactory {
  return (ctx) => {
    let connectionId: string | undefined;
    return {
      inbound: {
        execute(input, next) {
          connectionId = connectionIdOf(input.args as unknown[]);
          if (ctx.info.attempt > 1) metrics.activityRetries.add(1, { activity: ctx.info.activityType });
          return next(input);
        },
      },
      outbound: {
        getLogAttributes(input, next) {
          return next(connectionId ? { ...input, connectionId } : input);
        },
      },
    };
  };
}
