// Writes a finalized snapshot as Torii's custom-integration JSON file, streamed from the store as
// record lines straight to disk: memory stays flat however large the directory.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { eachLicenseUserLines, eachSentUserLines, licenses, type LicenseRow, type OnLines } from '../store/file-rows';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { FOLDER_MODE } from '../staged-files';
import { FileWriter } from './file-bytes';

const NEWLINE = 0x0a;
const COMMA = 0x2c;

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
  await out.write('{"users":[');
  const users = await writeRecordLines(out, (onLines) => eachSentUserLines(sql, key, onLines));
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
function writeLicenseUsers(sql: Sql, key: SnapshotKey, license: LicenseRow, out: FileWriter): Promise<number> {
  return writeRecordLines(out, (onLines) => eachLicenseUserLines(sql, key, license, onLines));
}

/**
 * Writes the records `read` streams as lines, comma-separated; answers how many. A record's JSON
 * text holds no raw newline (to_json escapes every control character), so each newline ends a
 * record: it is written as the comma before the next, and the last one is taken back.
 */
async function writeRecordLines(out: FileWriter, read: (onLines: OnLines) => Promise<void>): Promise<number> {
  let records = 0;
  await read(async (lines) => {
    records += await out.writeReplacing(lines, NEWLINE, COMMA);
  });
  if (records > 0 && !out.unwriteLast(COMMA)) throw new Error('The store sent a Torii file record without its closing newline.');
  return records;
}
