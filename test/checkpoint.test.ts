// The checkpoint is versioned data: a version-1 checkpoint (no version field, with `region` and
// `runs`, as every history recorded before the field carries it) reads into the current version;
// a current one reads unchanged; anything else is refused with the field named.
import { CHECKPOINT_VERSION, parseCheckpoint } from '../contract/checkpoint';

const current = {
  version: 2,
  snapshotId: '5b0d7c1e-2f4a-4c3b-9d8e-1a2b3c4d5e6f',
  startedAt: '2026-11-30T10:00:00.000Z',
  regionName: 'North America',
  phase: 'listing',
  listings: [
    {
      ref: { kind: 'users', populationId: 'pop-1', usernamePrefix: 'a' },
      next: 'https://api.pingone.com/v1/environments/e/users?cursor=x',
      done: false,
      pages: 3,
      restarts: 0,
    },
  ],
  concurrency: 16,
  groupCursor: null,
  groupsScheduled: false,
  counts: { pagesFetched: 3, pingOneRequests: 5, users: 300, groups: 0, applications: 0, malformedUsers: 0 },
  warnings: [],
};

describe('parseCheckpoint', () => {
  it('reads a version-1 checkpoint into version 2, dropping the fields nothing read', () => {
    const { version: _v, ...rest } = current;
    const parsed = parseCheckpoint({ ...rest, region: 'NA', runs: 4 });
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.checkpoint).toEqual(current);
    expect(parsed.checkpoint.version).toBe(CHECKPOINT_VERSION);
    expect(parsed.checkpoint).not.toHaveProperty('region');
    expect(parsed.checkpoint).not.toHaveProperty('runs');
  });

  it('reads the current version unchanged', () => {
    const parsed = parseCheckpoint(current);
    expect(parsed).toEqual({ success: true, checkpoint: current });
  });

  it('refuses a version it does not know, naming the field', () => {
    const parsed = parseCheckpoint({ ...current, version: 3 });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(parsed.error.issues.map((i) => i.path.join('.'))).toContain('version');
  });

  it('refuses a version-1 checkpoint without its required fields, and a current one carrying old ones', () => {
    const { version: _v, ...rest } = current;
    expect(parseCheckpoint(rest).success).toBe(false);
    const stale = parseCheckpoint({ ...current, runs: 2 });
    expect(stale.success).toBe(false);
  });
});
