// Owns reading from a workflow's history how its activities fared: each start's attempt number and
// the failure that made it necessary, and each final failure. Failure types and retryability are
// plain in history (only messages and stacks are encrypted), so a test can assert the classified
// failure, its retryability and how many attempts it cost, without trusting the code's own counts.
import type { Client } from '@temporalio/client';

export interface AttemptRecord {
  activityType: string;
  attempt: number;
  /** On a start after a failed attempt: that attempt's failure. */
  lastFailure?: { type?: string; nonRetryable: boolean };
}

export interface FailedActivity { activityType: string; attempt: number; type?: string; nonRetryable: boolean }

export interface ActivityHistory { starts: AttemptRecord[]; failed: FailedActivity[] }

export async function activityHistory(client: Client, workflowId: string): Promise<ActivityHistory> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  const attemptOf = new Map<string, number>();
  const starts: AttemptRecord[] = [];
  const failed: FailedActivity[] = [];
  for (const event of events) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(id, scheduled.activityType?.name ?? '');
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const activityType = typeOf.get(String(started.scheduledEventId)) ?? '';
      attemptOf.set(String(started.scheduledEventId), started.attempt ?? 1);
      const info = started.lastFailure?.applicationFailureInfo;
      starts.push({
        activityType,
        attempt: started.attempt ?? 1,
        lastFailure: started.lastFailure ? { type: info?.type ?? undefined, nonRetryable: info?.nonRetryable ?? false } : undefined,
      });
    }
    const failure = event.activityTaskFailedEventAttributes;
    if (failure) {
      const info = failure.failure?.applicationFailureInfo;
      failed.push({
        activityType: typeOf.get(String(failure.scheduledEventId)) ?? '',
        attempt: attemptOf.get(String(failure.scheduledEventId)) ?? 1,
        type: info?.type ?? undefined,
        nonRetryable: info?.nonRetryable ?? false,
      });
    }
  }
  return { starts, failed };
}
