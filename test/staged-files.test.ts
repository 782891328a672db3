// The worker's folder of Torii files: paths never leave SYNC_FILES_DIR whatever a checkpoint says,
// folders are 0700, a dry run keeps only the newest file per connection, and what a killed worker
// left staged or half-written is swept when a worker starts (but not what a live one is writing).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemError } from '../activities/problem';
import { dryRunFilePath, insideFilesDir, LEFTOVER_AGE_MS, removeOlderDryRuns, stagedUploadPath, sweepLeftovers } from '../activities/staged-files';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('staged Torii files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'staged-files-'));
  });

  it.each([['../escape'], ['../../etc/passwd'], ['a/../../b'], ['/etc/cron.d/x'], ['']])('refuses a path that leaves the folder: %j', (snapshotId) => {
    let refused: unknown;
    try {
      insideFilesDir(dir, 'acme', `${snapshotId}`.length ? `${snapshotId}` : '..');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).problem).toMatchObject({ type: 'StagedPathRefused', retryable: false });
  });

  it('keeps paths inside the folder, in 0700 folders', async () => {
    const id = randomUUID();
    const kept = await dryRunFilePath(dir, 'acme', id);
    const staged = await stagedUploadPath(dir, 'acme', id);
    expect(kept).toBe(join(dir, 'acme', `${id}.json`));
    expect(staged.startsWith(join(dir, '.staging'))).toBe(true);
    expect(await mode(join(dir, 'acme'))).toBe(0o700);
    expect(await mode(join(dir, '.staging'))).toBe(0o700);
    expect(await mode(join(dir, '.staging', 'acme'))).toBe(0o700);
  });

  it("removes a connection's older dry-run files when a new one is kept", async () => {
    const older = await dryRunFilePath(dir, 'acme', randomUUID());
    await writeFile(older, '{}');
    const other = await dryRunFilePath(dir, 'other', randomUUID());
    await writeFile(other, '{}');
    const newest = await dryRunFilePath(dir, 'acme', randomUUID());
    await writeFile(newest, '{}');
    await removeOlderDryRuns(newest);
    expect([existsSync(older), existsSync(newest), existsSync(other)]).toEqual([false, true, true]);
  });

  it('sweeps old staged and partial files at start, and leaves recent ones and kept dry runs', async () => {
    const now = Date.now();
    const old = new Date(now - LEFTOVER_AGE_MS - 60_000);
    const write = async (path: string, at?: Date) => {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, '{}');
      if (at) await utimes(path, at, at);
      return path;
    };
    const staleUpload = await write(join(dir, '.staging', 'acme', 'a.json'), old);
    const stalePartial = await write(join(dir, 'acme', 'b.json.partial'), old);
    const liveUpload = await write(join(dir, '.staging', 'acme', 'c.json'));
    const keptDryRun = await write(join(dir, 'acme', 'd.json'), old);
    const swept = await sweepLeftovers(dir, now);
    expect(swept.sort()).toEqual([stalePartial, staleUpload].sort());
    expect([staleUpload, stalePartial, liveUpload, keptDryRun].map((p) => existsSync(p))).toEqual([false, false, true, true]);
    expect(await mode(dir)).toBe(0o700);
  });
});
