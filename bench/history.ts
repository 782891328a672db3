// Reads the history of every run of a workflow (continue-as-new makes several) and measures what
// the issue bounds: events per run and the largest payload anywhere in history.
import type { Client } from '@temporalio/client';

export interface RunHistoryFigures {
  runs: number;
  maxEventsPerRun: number;
  totalEvents: number;
  largestPayloadBytes: number;
  /** Which event holds it, e.g. "activityTaskCompleted (fetchPage)". */
  largestPayloadEvent: string;
  /** Seconds from an activity type's first scheduling to its last completion, across runs. */
  spanByActivity: Record<string, number>;
  /** The same spans as epoch milliseconds, so CPU samples can be split by phase. */
  windowByActivity: Record<string, { first: number; last: number }>;
  /** Per run, page-fetching activities (one page or several): how many, mean ms waiting for a worker, mean ms running. */
  pagesByRun: { pages: number; meanQueuedMs: number; meanRunningMs: number; seconds: number; workflowTasks: number; meanTaskMs: number; meanTaskQueuedMs: number }[];
  /** Every run's workflow and activity events in order, as epoch milliseconds and what they are (`--trace`). */
  timeline: { at: number; event: string }[];
}

function millis(time: unknown): number {
  const t = time as { seconds?: { toNumber?: () => number } | number; nanos?: number } | undefined;
  const seconds = typeof t?.seconds === 'number' ? t.seconds : (t?.seconds?.toNumber?.() ?? 0);
  return seconds * 1000 + (t?.nanos ?? 0) / 1e6;
}

function largestPayload(node: unknown, seen = 0): number {
  if (!node || typeof node !== 'object') return seen;
  const record = node as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) return Math.max(seen, record.data.length);
  let max = seen;
  for (const value of Object.values(record)) {
    if (value && typeof value === 'object') max = Math.max(max, largestPayload(value, max));
  }
  return max;
}

/** The event's kind, and for an activity event the activity type. */
function describeEvent(event: Record<string, unknown>, activityTypeOf: Map<string, string>): string {
  const kind = Object.keys(event).find((key) => key.endsWith('EventAttributes') && event[key]) ?? 'event';
  const attributes = event[kind] as { activityType?: { name?: string }; scheduledEventId?: unknown } | undefined;
  const activity = attributes?.activityType?.name ?? activityTypeOf.get(String(attributes?.scheduledEventId));
  const name = kind.replace(/EventAttributes$/, '');
  return activity ? `${name} (${activity})` : name;
}

/** The figures of no history yet: what a benchmark reports before its first sync's history is read. */
export function noHistoryFigures(): RunHistoryFigures {
  return { runs: 0, maxEventsPerRun: 0, totalEvents: 0, largestPayloadBytes: 0, largestPayloadEvent: '-', spanByActivity: {}, windowByActivity: {}, pagesByRun: [], timeline: [] };
}

export async function historyFigures(client: Client, workflowId: string): Promise<RunHistoryFigures> {
  const figures = noHistoryFigures();
  const spans = new Map<string, { first: number; last: number }>();
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    const events = history.events ?? [];
    figures.runs++;
    figures.totalEvents += events.length;
    figures.maxEventsPerRun = Math.max(figures.maxEventsPerRun, events.length);
    const typeOf = new Map<string, string>();
    const scheduledAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    const pages = { pages: 0, queued: 0, running: 0, first: Infinity, last: 0 };
    const tasks = { count: 0, queued: 0, running: 0, scheduledAt: 0, startedAt: 0 };
    for (const event of events) {
      const described = describeEvent(event as unknown as Record<string, unknown>, typeOf);
      if (/^(activityTask|workflowExecution)/.test(described)) figures.timeline.push({ at: millis(event.eventTime), event: described });
      const payloadBytes = largestPayload(event);
      if (payloadBytes > figures.largestPayloadBytes) {
        figures.largestPayloadBytes = payloadBytes;
        figures.largestPayloadEvent = described;
      }
      if (event.workflowTaskScheduledEventAttributes) tasks.scheduledAt = millis(event.eventTime);
      if (event.workflowTaskStartedEventAttributes) {
        tasks.startedAt = millis(event.eventTime);
        tasks.queued += tasks.startedAt - tasks.scheduledAt;
      }
      if (event.workflowTaskCompletedEventAttributes) {
        tasks.count++;
        tasks.running += millis(event.eventTime) - tasks.startedAt;
      }
      const started = event.activityTaskStartedEventAttributes;
      if (started) startedAt.set(String(started.scheduledEventId), millis(event.eventTime));
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) {
        const type = scheduled.activityType?.name ?? '?';
        typeOf.set(String(event.eventId), type);
        scheduledAt.set(String(event.eventId), millis(event.eventTime));
        const span = spans.get(type) ?? { first: Infinity, last: 0 };
        span.first = Math.min(span.first, millis(event.eventTime));
        spans.set(type, span);
      }
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) {
        const id = String(completed.scheduledEventId);
        const type = typeOf.get(id) ?? '?';
        const span = spans.get(type);
        if (span) span.last = Math.max(span.last, millis(event.eventTime));
        if (type === 'fetchPage' || type === 'fetchPages' || type === 'fetchListingsTogether') {
          const s = scheduledAt.get(id) ?? 0;
          const st = startedAt.get(id) ?? s;
          pages.pages++;
          pages.queued += st - s;
          pages.running += millis(event.eventTime) - st;
          pages.first = Math.min(pages.first, s);
          pages.last = Math.max(pages.last, millis(event.eventTime));
        }
      }
    }
    if (pages.pages) {
      figures.pagesByRun.push({
        pages: pages.pages,
        meanQueuedMs: pages.queued / pages.pages,
        meanRunningMs: pages.running / pages.pages,
        seconds: (pages.last - pages.first) / 1000,
        workflowTasks: tasks.count,
        meanTaskMs: tasks.running / Math.max(1, tasks.count),
        meanTaskQueuedMs: tasks.queued / Math.max(1, tasks.count),
      });
    }
  }
  for (const [type, span] of spans) {
    figures.spanByActivity[type] = Math.max(0, (span.last - span.first) / 1000);
    figures.windowByActivity[type] = { first: span.first, last: span.last };
  }
  return figures;
}
