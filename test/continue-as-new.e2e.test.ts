// Continue-as-new carries a sync whole: on a server that suggests it after a few hundred events, a
// sync of a few thousand users runs as several runs and ends with the same result and the same
// Torii file as the same sync in one run, and every run stays small (events and payloads, measured
// on the histories the server kept).
import { randomUUID } from 'node:crypto';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness } from './support/harness';
import { runHistories, type RunHistory } from './support/run-histories';
import { sortedFile } from './support/torii-file-order';
import { syncWorkflowId, type SyncResult } from '../contract/sync';

// Low enough for three runs or more: one activity follows a listing for several pages, and
// group-scoped listings share activities, so the sync has few events.
const SUGGEST_AFTER_EVENTS = 50;
const MAX_RUN_EVENTS = 10_000;
const MAX_PAYLOAD_BYTES = 64 * 1024;

const directory = generateDirectory({ seed: 31, users: 3000, groups: 30, nestingDepth: 3, applications: 14 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-can-R4t8Wq', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };

interface Outcome { result: SyncResult; file: ToriiFile; runs: RunHistory[] }

async function syncOnServer(extraArgs: string[]): Promise<Outcome> {
  const h = await startHarness({ pingone: { environments: [directory], clients: [client], shortPages: true }, server: { extraArgs } });
  try {
    const id = connectionId('can');
    const result = await h.sync(h.input(id, client, directory));
    return { result, file: h.torii.syncs[0].file as ToriiFile, runs: await runHistories(h.env.client, syncWorkflowId(id)) };
  } finally {
    await h.close();
  }
}

/** What two syncs of one directory must share: everything but their own ids. */
function comparable(result: SyncResult): Partial<SyncResult> {
  const { connectionId: _c, snapshotId: _s, toriiFileId: _t, ...rest } = result;
  // The usage read's window is the moment each sync began.
  if (rest.usage) rest.usage = { ...rest.usage, windowFrom: null, windowTo: null };
  return rest;
}

describe('continue-as-new', () => {
  it('splits a sync into several small runs without changing its outcome', async () => {
    const once = await syncOnServer([]);
    const often = await syncOnServer(['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`]);
    const figures = (o: Outcome) => o.runs.map((r) => ({ events: r.events, largestPayloadBytes: r.largestPayloadBytes }));
    process.stdout.write(`continue-as-new runs: one run ${JSON.stringify(figures(once))}; split ${JSON.stringify(figures(often))}\n`);

    expect(once.runs).toHaveLength(1);
    expect(often.runs.length).toBeGreaterThanOrEqual(3);
    for (const run of [...once.runs, ...often.runs]) {
      expect(run.events).toBeLessThanOrEqual(MAX_RUN_EVENTS);
      expect(run.largestPayloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    // Each split run ends by continuing as new, except the last, which completes.
    const lastEvent = (r: RunHistory) => r.history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes ? 'continued' : r.history.events?.at(-1)?.workflowExecutionCompletedEventAttributes ? 'completed' : 'other';
    expect(often.runs.map(lastEvent)).toEqual([...often.runs.slice(1).map(() => 'continued'), 'completed']);

    const expected = expectedToriiFile(directory);
    expect(sortedFile(often.file)).toEqual(sortedFile(expected.file));
    expect(sortedFile(once.file)).toEqual(sortedFile(expected.file));
    expect(comparable(often.result)).toEqual(comparable(once.result));
    expect(often.result.usersActive).toBe(expected.counts.active);
  });
});
