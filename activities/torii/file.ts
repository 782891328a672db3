// Writes a finalized snapshot as Torii's custom-integration JSON file, streamed from the store in
// batches straight to disk: memory stays flat however large the directory.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { licenseUsersAfter, licenses, sentUsersAfter } from '../store/file-rows';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { FILE_MODE, FOLDER_MODE } from '../staged-files';
import { toLicenseUser, toToriiUser } from './records';

/** Rows per query (1,000 before): fewer round trips; what it and the two parts gained is measured at writeToriiFile. */
const BATCH = 5000;

export interface WrittenFile {
  path: string;
  bytes: number;
  users: number;
  licenses: number;
}

/**
 * Writes to `<path>.partial` and renames at the end, so a file at `path` is always whole. The users
 * and the licenses are read at once on two store connections, into two parts joined at the end:
 * the store's queries are most of the file's time (75% of a 1,000,000-user file written in one part),
 * and two run on two cores. With BATCH at 5,000 that file took 35.3 s instead of 64.4 s (BENCHMARKS.md).
 */
export async function writeToriiFile(sql: Sql, key: SnapshotKey, path: string): Promise<WrittenFile> {
  await mkdir(dirname(path), { recursive: true, mode: FOLDER_MODE });
  const partial = `${path}.partial`;
  const licensesPart = `${path}.licenses.partial`;
  try {
    const [users, licensed] = await Promise.all([
      writePart(partial, (write) => writeUsers(sql, key, write)),
      writePart(licensesPart, (write) => writeLicenses(sql, key, write)),
    ]);
    await pipeline(createReadStream(licensesPart), createWriteStream(partial, { flags: 'a', mode: FILE_MODE }));
    await rename(partial, path);
    return { path, bytes: users.bytes + licensed.bytes, users: users.count, licenses: licensed.count };
  } finally {
    await rm(licensesPart, { force: true });
    await rm(partial, { force: true });
  }
}

export type Write = (chunk: string) => Promise<void>;

/** Streams `fill`'s chunks to `path`, owner only; answers the bytes written and what `fill` counted. */
export async function writePart(path: string, fill: (write: Write) => Promise<number>): Promise<{ bytes: number; count: number }> {
  // Owner only, from the first byte: the file holds a directory of people.
  const out = createWriteStream(path, { encoding: 'utf8', mode: FILE_MODE });
  let bytes = 0;
  const write: Write = async (chunk) => {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    const count = await fill(write);
    out.end();
    await once(out, 'finish');
    return { bytes, count };
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/** `{"users":[…],` */
async function writeUsers(sql: Sql, key: SnapshotKey, write: Write): Promise<number> {
  let users = 0;
  await write('{"users":[');
  for (let after = ''; ; ) {
    const rows = await sentUsersAfter(sql, key, after, BATCH);
    if (rows.length === 0) break;
    await write(rows.map((row) => (users++ ? ',' : '') + JSON.stringify(toToriiUser(row))).join(''));
    after = rows[rows.length - 1].user_id;
  }
  await write('],');
  return users;
}

/** `"licenses":[…]}` */
async function writeLicenses(sql: Sql, key: SnapshotKey, write: Write): Promise<number> {
  let count = 0;
  await write('"licenses":[');
  for (const license of await licenses(sql, key)) {
    await write(`${count++ ? ',' : ''}{"name":${JSON.stringify(license.license_name)},"users":[`);
    let first = true;
    for (let after = ''; ; ) {
      const rows = await licenseUsersAfter(sql, key, license, after, BATCH);
      if (rows.length === 0) break;
      await write(rows.map((row) => (first ? ((first = false), '') : ',') + JSON.stringify(toLicenseUser(row))).join(''));
      after = rows[rows.length - 1].user_id;
    }
    await write(']}');
  }
  await write(']}');
  return count;
}
