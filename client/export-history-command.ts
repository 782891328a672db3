// `pingone-torii-sync export-history <workflowId>`: a run's event history as JSON, the format
// `Worker.runReplayHistory` (historyFromJSON) reads, for replay tests. Payloads stay as the worker
// wrote them, encrypted: replaying needs the same SYNC_ENCRYPTION_KEYS, and the file holds no secret
// in plain text.
import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export async function exportHistory(client: Client, workflowId: string, runId?: string): Promise<{ json: string; events: number }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return { json: historyToJSON(history), events: history.events?.length ?? 0 };
}

/** Writes the history to `file`, or answers it for standard output when no file is given. */
export async function exportHistoryTo(client: Client, workflowId: string, options: { runId?: string; out?: string }): Promise<{ json: string; events: number }> {
  const exported = await exportHistory(client, workflowId, options.runId);
  if (options.out) await writeFile(options.out, exported.json);
  return exported;
}
