// Every patched() in workflows/ must be pinned by recorded histories, both ways: removing the patch
// and keeping only its new branch must break a history recorded before the change (a running old
// sync would go nondeterministic), and keeping only the old branch must break a history that took
// the new one. A patch that no recorded history tells apart from its removal fails here, so a new
// patched() cannot land without the histories (README, "Changing workflow code safely").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker, type ReplayResult } from '@temporalio/worker';
import { encryptingDataConverter, FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from '../contract/codec';
import { parseEncryptionKeys } from '../contract/encryption-keys';
import { HISTORIES_DIR } from './replay/record-histories';
import { TEST_ENCRYPTION_KEYS } from './support/harness';
import { installTestRuntime } from './support/test-logs';

const WORKFLOWS_DIR = join(__dirname, '..', 'workflows');

/**
 * Branches replay cannot tell apart, each with why and what holds it instead. A branch that only adds
 * listing lanes replays on a history recorded with fewer: the extra activities it schedules early are
 * matched to the same activities the history scheduled in a later workflow task (same type, same
 * sequence). Fewer lanes than recorded is caught (an event with no command). (Uncapped lanes were
 * such a branch until group-scoped listings could hold every lane, patched('group-listings-fill-lanes'):
 * now the high-concurrency history tells 64 lanes from its 48.) The test checks each
 * entry is still true, so an entry cannot outlive its reason.
 */
const INDISTINGUISHABLE: Record<string, { oldBranchAlone?: string; newBranchAlone?: string }> = {
  'listing-lanes-twice-concurrency': {
    newBranchAlone: 'twice the concurrency (16 lanes) replays on the history recorded with concurrency + 2 (10); the lane count is held by the high-concurrency history (64 lanes) and chains.e2e',
  },
};

/** The ids of every patched('…') call in the workflow sources, read from the text (not from the code under test). */
function patchIds(): string[] {
  const ids = new Set<string>();
  for (const file of readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.ts'))) {
    for (const match of readFileSync(join(WORKFLOWS_DIR, file), 'utf8').matchAll(/\bpatched\(\s*'([^']+)'\s*\)/g)) ids.add(match[1]);
  }
  return [...ids].sort();
}

interface Recorded {
  file: string;
  history: ReturnType<typeof historyFromJSON>;
  /** Patch ids whose marker the history carries: the run took their new branch. */
  markers: Set<string>;
}

function recorded(): Recorded[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
      const markers = new Set<string>();
      for (const event of json.events ?? []) {
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName !== 'core_patch') continue;
        // A patch marker's data is plain JSON (never encrypted): {"id": "<patch id>", "deprecated": false}.
        const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
        markers.add(JSON.parse(Buffer.from(data, 'base64').toString('utf8')).id);
      }
      return { file, history: historyFromJSON(json), markers };
    });
}

const ids = patchIds();
const histories = recorded();
/** One replay per (history, patch) pair that can tell the patch's branches apart. */
const forcedReplays = ids.flatMap((id) =>
  histories.map((h) => ({ id, file: h.file, history: h.history, force: !h.markers.has(id), workflowId: `${h.file}#force:${id}=${!h.markers.has(id)}` })),
);

describe('every patched() is pinned by recorded histories', () => {
  const results = new Map<string, ReplayResult>();

  beforeAll(async () => {
    installTestRuntime();
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      // As the shipped bundle (worker/workflow-code.ts): the payload converter tells the workflow an
      // input arrived unencrypted, so without it refuse-unencrypted-input never runs.
      payloadConverterPath: PAYLOAD_CONVERTER_PATH,
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: new DefaultLogger('ERROR'),
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as object), '@temporalio/workflow$': join(__dirname, 'replay', 'forced-patches.js') } },
      }),
    });
    const options = {
      workflowBundle: { code },
      dataConverter: encryptingDataConverter({ SYNC_ENCRYPTION_KEYS: parseEncryptionKeys(TEST_ENCRYPTION_KEYS).keys }),
    };
    const unforced = histories.map((h) => ({ workflowId: h.file, history: h.history }));
    for await (const result of Worker.runReplayHistories(options, [...unforced, ...forcedReplays])) results.set(result.workflowId, result);
  }, 300_000);

  it('finds the patches in the workflow sources', () => {
    expect(ids).toEqual(expect.arrayContaining(['deletion-guard', 'listing-lanes-capped']));
  });

  it('replays every history unforced through the forcing bundle (the substitution alone breaks nothing)', () => {
    for (const h of histories) expect({ file: h.file, error: results.get(h.file)?.error?.message }).toEqual({ file: h.file, error: undefined });
  });

  const brokenBy = (id: string, force: boolean) => forcedReplays.filter((r) => r.id === id && r.force === force && results.get(r.workflowId)?.error);

  it.each(ids)('%s: a recorded history takes the new branch; keeping only the old branch breaks it (or INDISTINGUISHABLE says why not)', (id) => {
    expect(histories.filter((h) => h.markers.has(id)).length).toBeGreaterThan(0);
    const broken = brokenBy(id, false);
    if (INDISTINGUISHABLE[id]?.oldBranchAlone) return expect({ id, broken: broken.map((r) => r.file) }).toEqual({ id, broken: [] });
    expect({ id, historiesBrokenByTheOldBranchAlone: broken.map((r) => r.file) }).toEqual({ id, historiesBrokenByTheOldBranchAlone: expect.arrayContaining([expect.any(String)]) });
    for (const r of broken) expect(results.get(r.workflowId)?.error?.message).toMatch(/[Nn]ondetermin/);
  });

  it.each(ids)('%s: a history recorded before it takes the old branch; keeping only the new branch breaks it (or INDISTINGUISHABLE says why not)', (id) => {
    const broken = brokenBy(id, true);
    if (INDISTINGUISHABLE[id]?.newBranchAlone) return expect({ id, broken: broken.map((r) => r.file) }).toEqual({ id, broken: [] });
    expect({ id, historiesBrokenByTheNewBranchAlone: broken.map((r) => r.file) }).toEqual({ id, historiesBrokenByTheNewBranchAlone: expect.arrayContaining([expect.any(String)]) });
    for (const r of broken) expect(results.get(r.workflowId)?.error?.message).toMatch(/[Nn]ondetermin/);
  });

  it('names every .before-<id> history after a patch it was recorded without', () => {
    for (const h of histories.filter((x) => x.file.includes('.before-'))) {
      const id = /\.before-(.+)\.json$/.exec(h.file)?.[1] ?? '';
      expect({ file: h.file, patchInCode: ids.includes(id), carriesItsMarker: h.markers.has(id) }).toEqual({ file: h.file, patchInCode: true, carriesItsMarker: false });
    }
  });
});
