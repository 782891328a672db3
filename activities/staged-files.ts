// The worker's folder of Torii files (SYNC_FILES_DIR): a dry run's file is kept at
// `<dir>/<connectionId>/<snapshotId>.json` (only the newest per connection), a file on its way to
// Torii is staged under `<dir>/.staging/` and removed once uploaded. The files hold a directory of
// people, so they are 0600 in 0700 folders, and every path is resolved and checked to stay inside
// the folder whatever a checkpoint says. Leftovers of a worker that was killed mid-write or
// mid-upload are swept when a worker starts.
import { chmod, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ProblemError } from './problem';

export const FILE_MODE = 0o600;
export const FOLDER_MODE = 0o700;
/** Connection ids start with a letter or digit, so no connection's folder is this one. */
const STAGING = '.staging';
/**
 * Older than the build or upload activity may run (their start-to-close timeout), a staged or
 * partial file belongs to no live worker, even one sharing the folder: the upload touches its staged
 * file when it starts, so a file waiting for a retried upload is swept only when no attempt runs.
 */
export const LEFTOVER_AGE_MS = 15 * 60_000;


/**
 * `dir/...parts`, each part one plain path segment, resolved and refused unless it stays strictly
 * inside `dir`: a checkpoint's snapshot id cannot reach another connection's folder, let alone out.
 */
export function insideFilesDir(dir: string, ...parts: string[]): string {
  const root = resolve(dir);
  const path = resolve(root, ...parts);
  const rel = relative(root, path);
  const plainSegments = parts.every((part) => part !== '' && part !== '.' && part !== '..' && !/[/\\\0]/.test(part));
  if (!plainSegments || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ProblemError({
      type: 'StagedPathRefused',
      cause: 'The Torii file of this sync would be written outside SYNC_FILES_DIR (its snapshot id or connection id leads out of it); nothing was written.',
      fix: 'Start the sync again without a checkpoint to resume from; report it to support if it happens again.',
      retryable: false,
    });
  }
  return path;
}

/** Creates the folders below `dir` down to `folder` as 0700, tightening existing ones. */
async function ensureFolder(dir: string, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  const root = resolve(dir);
  for (let current = folder; current !== root && current.startsWith(`${root}/`); current = resolve(current, '..')) await chmod(current, FOLDER_MODE);
}

export async function dryRunFilePath(dir: string, connectionId: string, snapshotId: string): Promise<string> {
  const path = insideFilesDir(dir, connectionId, `${snapshotId}.json`);
  await ensureFolder(dir, resolve(path, '..'));
  return path;
}

export async function stagedUploadPath(dir: string, connectionId: string, snapshotId: string): Promise<string> {
  const path = insideFilesDir(dir, STAGING, connectionId, `${snapshotId}.json`);
  await ensureFolder(dir, resolve(path, '..'));
  return path;
}

/**
 * Whether `path` holds the staged file of `bytes` bytes a build on this host left; if so its time is
 * set to now, so a starting worker's sweep leaves it to the upload that is about to read it.
 */
export async function stagedFileReady(path: string, bytes: number): Promise<boolean> {
  const found = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (found?.size !== bytes) return false;
  const now = new Date();
  await utimes(path, now, now);
  return true;
}

/** After a dry run kept `kept`: the connection's older dry-run files go. */
export async function removeOlderDryRuns(kept: string): Promise<void> {
  const folder = resolve(kept, '..');
  for (const entry of await readdir(folder)) {
    const path = join(folder, entry);
    if (path !== kept) await rm(path, { force: true, recursive: true });
  }
}

/** At worker start: staged uploads and half-written files no live worker can still be using. */
export async function sweepLeftovers(dir: string, now = Date.now()): Promise<string[]> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true, mode: FOLDER_MODE });
  // The folder is the sync's own; a shared sticky one (SYNC_FILES_DIR=/tmp) is left as it is.
  if (((await stat(root)).mode & 0o1000) === 0) await chmod(root, FOLDER_MODE);
  const swept: string[] = [];
  const old = async (path: string) => now - (await stat(path)).mtimeMs > LEFTOVER_AGE_MS;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = join(root, entry.name);
    const staging = entry.name === STAGING;
    const walk = async (current: string): Promise<void> => {
      for (const inner of await readdir(current, { withFileTypes: true })) {
        const path = join(current, inner.name);
        if (inner.isDirectory()) await walk(path);
        else if ((staging || inner.name.endsWith('.partial')) && (await old(path))) {
          await rm(path, { force: true });
          swept.push(path);
        }
      }
    };
    await walk(folder);
  }
  return swept;
}
