// Owns reading a workflow's whole chain of runs back from the server: every run's history (each run
// after a continue-as-new is its own history), and the two figures that keep a run healthy, its
// event count and its largest payload as stored (encrypted).
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

export interface RunHistory {
  runId: string;
  history: History;
  events: number;
  /** Bytes of the largest single payload in the run (data and metadata, as the server stores it). */
  largestPayloadBytes: number;
}

/** Every run of `workflowId`, first to last, found by walking back from the latest run. */
export async function runHistories(client: Client, workflowId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift({ runId, history, events: events.length, largestPayloadBytes: largestPayload(history) });
    // A run started by continue-as-new names the run before it.
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
  }
  return runs;
}

function largestPayload(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (ArrayBuffer.isView(value)) return 0;
  const record = value as Record<string, unknown>;
  let largest = 0;
  if (record.data instanceof Uint8Array && 'metadata' in record) {
    const metadata = (record.metadata ?? {}) as Record<string, Uint8Array>;
    largest = record.data.length + Object.entries(metadata).reduce((n, [k, v]) => n + k.length + (v?.length ?? 0), 0);
  }
  for (const child of Array.isArray(value) ? value : Object.values(record)) largest = Math.max(largest, largestPayload(child));
  return largest;
}
