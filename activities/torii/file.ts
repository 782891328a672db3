// Writes a finalized snapshot as Torii's custom-integration JSON file, streamed from the store in
// batches straight to disk: memory stays flat however large the directory.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { eachLicenseUserBatch, eachSentUserBatch, licenses, type LicenseRow, type RecordRow } from '../store/file-rows';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { FOLDER_MODE } from '../staged-files';
import { FileWriter } from './file-bytes';

/** Records per fetch from the store's cursor. */
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
      writePart(partial, (out) => writeUsers(sql, key, out)),
      writePart(licensesPart, (out) => writeLicenses(sql, key, everyonePart, out)),
    ]);
    await writePart(partial, (out) => out.append(licensesPart).then(() => 0), 'append');
    await rename(partial, path);
    return { path, bytes: users.bytes + licensed.bytes, users: users.count, licenses: licensed.count };
  } finally {
    await rm(everyonePart, { force: true });
    await rm(licensesPart, { force: true });
    await rm(partial, { force: true });
  }
}

/**
 * Writes `fill`'s text and parts to `path` (owner only; emptied first unless `append`) through one
 * reused buffer (file-bytes.ts); answers the bytes written and what `fill` counted.
 */
export async function writePart(path: string, fill: (out: FileWriter) => Promise<number>, mode: 'create' | 'append' = 'create'): Promise<{ bytes: number; count: number }> {
  const out = await FileWriter.open(path, mode);
  try {
    const count = await fill(out);
    await out.close();
    return { bytes: out.bytes, count };
  } catch (err) {
    await out.abandon();
    throw err;
  }
}

/** `{"users":[…],` */
async function writeUsers(sql: Sql, key: SnapshotKey, out: FileWriter): Promise<number> {
  let users = 0;
  await out.write('{"users":[');
  await eachSentUserBatch(sql, key, BATCH, async (rows) => {
    users = await writeRecords(out, rows, users);
  });
  await out.write('],');
  return users;
}

/** `"licenses":[…]}`; `everyonePart` holds the users of the licenses open to every user, read once. */
async function writeLicenses(sql: Sql, key: SnapshotKey, everyonePart: string, out: FileWriter): Promise<number> {
  const all = await licenses(sql, key);
  const open = all.find((license) => license.open_to_every_user);
  if (open) await writePart(everyonePart, (part) => writeLicenseUsers(sql, key, open, part));
  let count = 0;
  await out.write('"licenses":[');
  for (const license of all) {
    await out.write(`${count++ ? ',' : ''}{"name":${JSON.stringify(license.license_name)},"users":[`);
    if (license.open_to_every_user) await out.append(everyonePart);
    else await writeLicenseUsers(sql, key, license, out);
    await out.write(']}');
  }
  await out.write(']}');
  return count;
}

/** A license's users, comma-separated; answers how many. The store writes each record's JSON text (store/file-rows.ts). */
async function writeLicenseUsers(sql: Sql, key: SnapshotKey, license: LicenseRow, out: FileWriter): Promise<number> {
  let users = 0;
  await eachLicenseUserBatch(sql, key, license, BATCH, async (rows) => {
    users = await writeRecords(out, rows, users);
  });
  return users;
}

/** Appends the rows' records comma-separated, after the `written` records before them; answers how many there are now. */
async function writeRecords(out: FileWriter, rows: RecordRow[], written: number): Promise<number> {
  for (const row of rows) {
    if (written++) await out.write(',');
    await out.write(row.record);
  }
  return written;
}
