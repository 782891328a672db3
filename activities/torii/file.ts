// Writes a finalized snapshot as Torii's custom-integration JSON file, streamed from the store in
// batches straight to disk: memory stays flat however large the directory.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { eachLicenseUserBatch, eachSentUserBatch, licenses, type LicenseRow, type RecordRow } from '../store/file-rows';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { FILE_MODE, FOLDER_MODE } from '../staged-files';

/** Records per fetch from the store's cursor: each batch is one write. */
const BATCH = 1000;

export interface WrittenFile {
  path: string;
  bytes: number;
  users: number;
  licenses: number;
}

/**
 * Writes to `<path>.partial` and renames at the end, so a file at `path` is always whole. The users
 * and the licenses are read at once on two store connections, into two parts joined at the end:
 * the store's queries are most of the file's time, and two run on two cores. The users of a license
 * open to every user are the same list for each such license: it is read once into a third part
 * and copied into each (8 licenses of 95,625 users each at 100,000 users, 88% of the license rows).
 */
export async function writeToriiFile(sql: Sql, key: SnapshotKey, path: string): Promise<WrittenFile> {
  await mkdir(dirname(path), { recursive: true, mode: FOLDER_MODE });
  const partial = `${path}.partial`;
  const licensesPart = `${path}.licenses.partial`;
  const everyonePart = `${path}.everyone.partial`;
  try {
    const [users, licensed] = await Promise.all([
      writePart(partial, (write) => writeUsers(sql, key, write)),
      writePart(licensesPart, (write) => writeLicenses(sql, key, everyonePart, write)),
    ]);
    await pipeline(createReadStream(licensesPart), createWriteStream(partial, { flags: 'a', mode: FILE_MODE }));
    await rename(partial, path);
    return { path, bytes: users.bytes + licensed.bytes, users: users.count, licenses: licensed.count };
  } finally {
    await rm(everyonePart, { force: true });
    await rm(licensesPart, { force: true });
    await rm(partial, { force: true });
  }
}

export type Write = (chunk: string | Buffer) => Promise<void>;

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
  await eachSentUserBatch(sql, key, BATCH, async (rows) => {
    await write((users ? ',' : '') + joined(rows));
    users += rows.length;
  });
  await write('],');
  return users;
}

/** `"licenses":[…]}`; `everyonePart` holds the users of the licenses open to every user, read once. */
async function writeLicenses(sql: Sql, key: SnapshotKey, everyonePart: string, write: Write): Promise<number> {
  const all = await licenses(sql, key);
  const open = all.find((license) => license.open_to_every_user);
  if (open) await writePart(everyonePart, (part) => writeLicenseUsers(sql, key, open, part));
  let count = 0;
  await write('"licenses":[');
  for (const license of all) {
    await write(`${count++ ? ',' : ''}{"name":${JSON.stringify(license.license_name)},"users":[`);
    if (license.open_to_every_user) for await (const chunk of createReadStream(everyonePart)) await write(chunk as Buffer);
    else await writeLicenseUsers(sql, key, license, write);
    await write(']}');
  }
  await write(']}');
  return count;
}

/** A license's users, comma-separated; answers how many. */
async function writeLicenseUsers(sql: Sql, key: SnapshotKey, license: LicenseRow, write: Write): Promise<number> {
  let users = 0;
  await eachLicenseUserBatch(sql, key, license, BATCH, async (rows) => {
    await write((users ? ',' : '') + joined(rows));
    users += rows.length;
  });
  return users;
}

/** The store writes each record's JSON text (store/file-rows.ts): a batch is those joined by commas. */
function joined(rows: RecordRow[]): string {
  return rows.map((row) => row.record).join(',');
}
