// Reads the history of every run of a workflow (continue-as-new makes several) and measures what
// the issue bounds: events per run and the largest payload anywhere in history.
import type { Client } from '@temporalio/client';

export interface RunHistoryFigures {
  runs: number;
  maxEventsPerRun: number;
  totalEvents: number;
  largestPayloadBytes: number;
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

export async function historyFigures(client: Client, workflowId: string): Promise<RunHistoryFigures> {
  const figures: RunHistoryFigures = { runs: 0, maxEventsPerRun: 0, totalEvents: 0, largestPayloadBytes: 0 };
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    const events = history.events ?? [];
    figures.runs++;
    figures.totalEvents += events.length;
    figures.maxEventsPerRun = Math.max(figures.maxEventsPerRun, events.length);
    figures.largestPayloadBytes = Math.max(figures.largestPayloadBytes, largestPayload(events));
  }
  return figures;
}
