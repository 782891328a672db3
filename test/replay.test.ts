// Replays every recorded history (test/replay/histories, written by `npm run record-histories`)
// against today's workflow code: a change that would make a running workflow nondeterministic fails
// here, before it is deployed. A history altered on purpose proves the replayer does notice.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { encryptingDataConverter } from '../contract/codec';
import { parseEncryptionKeys } from '../contract/encryption-keys';
import { workflowCode } from '../worker/workflow-code';
import { HISTORIES_DIR } from './replay/record-histories';
import { TEST_ENCRYPTION_KEYS } from './support/harness';
import { installTestRuntime } from './support/test-logs';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
const read = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
const replayOptions = () => ({
  ...workflowCode(),
  // Recorded payloads are encrypted with the tests' fixed fake key, as the codec wrote them.
  dataConverter: encryptingDataConverter({ SYNC_ENCRYPTION_KEYS: parseEncryptionKeys(TEST_ENCRYPTION_KEYS).keys }),
});

describe('replaying recorded histories', () => {
  const results = new Map<string, ReplayResult>();

  beforeAll(async () => {
    installTestRuntime();
    const histories = files.map((file) => ({ workflowId: file, history: read(file) }));
    // One replay worker (one workflow bundle) for all of them.
    for await (const result of Worker.runReplayHistories(replayOptions(), histories)) results.set(result.workflowId, result);
  });

  it('has the representative histories', () => {
    const scenarios = ['full-sync', 'full-sync.before-deletion-guard', 'full-sync.before-usage-read', 'faults-and-retries', 'deletion-guard-approved', 'deletion-guard-timed-out', 'usage-app-held-approved', 'connection-test', 'connection-test.before-verify-audit-activities', 'continue-as-new.run-1', 'continue-as-new.run-2', 'unencrypted-input', 'unencrypted-input.before-refuse-unencrypted-input', 'high-concurrency', 'high-concurrency.before-listing-lanes-capped', 'scheduled-sync', 'full-sync.before-build-then-upload', 'full-sync.before-pages-per-activity', 'full-sync.before-group-listings-together', 'full-sync.before-group-listings-fill-lanes'];
    for (const scenario of scenarios) {
      expect(files).toContain(`${scenario}.json`);
    }
  });

  it.each(files)('%s replays deterministically', (file) => {
    const result = results.get(file);
    expect(result).toBeDefined();
    expect(result?.error?.message).toBeUndefined();
  });

  it('keeps a full sync recorded before the deletion guard, whose activities only patched() reconciles with today\'s', () => {
    const scheduled = (file: string) => (read(file).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    const afterFinalize = (file: string) => scheduled(file)[scheduled(file).indexOf('finalizeSnapshot') + 1];
    // Today's code asks for the guard's baseline where the old run went straight on to publish: without
    // patched('deletion-guard') the old history would replay as nondeterministic.
    expect(afterFinalize('full-sync.before-deletion-guard.json')).toBe('publishSnapshot');
    expect(afterFinalize('full-sync.json')).toBe('countPreviousUsers');
    expect(results.get('full-sync.before-deletion-guard.json')?.error).toBeUndefined();
  });

  it('keeps a plain-input sync recorded before the refusal on its old course, and records the refusal behind its patch', () => {
    const events = (file: string) => read(file).events ?? [];
    const before = events('unencrypted-input.before-refuse-unencrypted-input.json');
    const after = events('unencrypted-input.json');
    // The old run read PingOne and completed; replayed today it still does, without the refusal's marker.
    expect(before.some((e) => e.activityTaskScheduledEventAttributes)).toBe(true);
    expect(before.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    expect(results.get('unencrypted-input.before-refuse-unencrypted-input.json')?.error).toBeUndefined();
    // Today's run: the patch marker, no activity, the workflow failed.
    expect(after.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
    expect(after.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    expect(after.at(-1)?.workflowExecutionFailedEventAttributes).toBeTruthy();
  });

  it('notices a history the code no longer matches', async () => {
    const history = read('full-sync.before-deletion-guard.json');
    const scheduled = history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishSnapshot');
    const attributes = scheduled?.activityTaskScheduledEventAttributes;
    if (!attributes?.activityType) throw new Error('the recorded full sync schedules no publishSnapshot');
    attributes.activityType.name = 'publishSnapshotElsewhere';
    await expect(Worker.runReplayHistory(replayOptions(), history, 'altered-full-sync')).rejects.toThrow(/[Nn]ondetermin/);
  });
});
