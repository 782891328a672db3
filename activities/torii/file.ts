// Writes a finalized snapshot as Torii's custom-integration JSON file, streamed from the store as
// record lines straight to disk: memory stays flat however large the directory.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  eachEveryoneLicenseUserLines,
  eachListedLicenseLines,
  eachSentUserLines,
  LICENSE_START_LINE,
  licenses,
  type LicenseRow,
  type OnLines,
} from '../store/file-rows';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { FOLDER_MODE } from '../staged-files';
import { FileWriter } from './file-bytes';

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const LICENSE_START = LICENSE_START_LINE.charCodeAt(0);
/** A record's newline followed by a license's start line: where a license's records end. */
const NEWLINE_LICENSE_START = Buffer.from(`\n${LICENSE_START_LINE}`);

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

/**
 * `"licenses":[…]}` in license name order; answers how many. The listed licenses' users come in one
 * stream (store/file-rows.ts eachListedLicenseLines); the licenses open to every user are put in
 * their places between them from `everyonePart`, which holds their users, read once.
 */
async function writeLicenses(sql: Sql, key: SnapshotKey, everyonePart: string, out: FileWriter): Promise<number> {
  const all = await licenses(sql, key);
  if (all.some((license) => license.open_to_every_user)) {
    await writePart(everyonePart, (part) => writeRecordLines(part, (onLines) => eachEveryoneLicenseUserLines(sql, key, onLines)));
  }
  const licensesOut = await LicensesWriter.start(out, all, everyonePart);
  await eachListedLicenseLines(sql, key, (lines) => licensesOut.take(lines));
  return licensesOut.end();
}

/**
 * Writes `"licenses":[…]}` from the listed licenses' stream, taken in chunks cut anywhere: each
 * LICENSE_START_LINE starts the next listed license of `all` (in its order), after the licenses open
 * to every user before it; the lines after it are its users' records, each newline written as the
 * comma before the next (writeRecordLines). A stream that does not match `all` is an error: the
 * file would give someone a license they do not have.
 */
export class LicensesWriter {
  private written = 0;
  /** Records written into the license being written (its users' list is open), or null between licenses. */
  private records: number | null = null;
  private atLineStart = true;
  private inStartLine = false;

  private constructor(
    private readonly out: FileWriter,
    private readonly all: LicenseRow[],
    private readonly everyonePart: string,
  ) {}

  static async start(out: FileWriter, all: LicenseRow[], everyonePart: string): Promise<LicensesWriter> {
    await out.write('"licenses":[');
    return new LicensesWriter(out, all, everyonePart);
  }

  async take(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      if (this.inStartLine) {
        if (chunk[at] !== NEWLINE) throw new Error('The store sent a Torii file license start line with text after it.');
        this.inStartLine = false;
        this.atLineStart = true;
        at++;
        await this.writeOpenLicenses();
        if (this.written === this.all.length) throw new Error('The store streamed more listed licenses than the snapshot has.');
        await this.startLicense(this.all[this.written]);
      } else if (this.atLineStart && chunk[at] === LICENSE_START) {
        this.inStartLine = true;
        this.atLineStart = false;
        at++;
      } else {
        if (this.records === null) throw new Error('The store sent a Torii file license record before its license.');
        // Records up to the next start line in this chunk, at once.
        const startLine = chunk.indexOf(NEWLINE_LICENSE_START, at);
        const end = startLine === -1 ? chunk.length : startLine + 1;
        this.records += await this.out.writeReplacing(chunk.subarray(at, end), NEWLINE, COMMA);
        this.atLineStart = chunk[end - 1] === NEWLINE;
        at = end;
      }
    }
  }

  /** Writes the licenses open to every user after the last listed one and closes the list; answers how many licenses were written. */
  async end(): Promise<number> {
    if (this.inStartLine || !this.atLineStart) throw new Error('The store sent a Torii file license line without its closing newline.');
    await this.writeOpenLicenses();
    if (this.written !== this.all.length) throw new Error('The store streamed fewer listed licenses than the snapshot has.');
    await this.closeLicense();
    await this.out.write(']}');
    return this.written;
  }

  /** The licenses open to every user from here to the next listed one, each with every sent user. */
  private async writeOpenLicenses(): Promise<void> {
    while (this.written < this.all.length && this.all[this.written].open_to_every_user) {
      await this.startLicense(this.all[this.written]);
      await this.out.append(this.everyonePart);
    }
  }

  private async startLicense(license: LicenseRow): Promise<void> {
    await this.closeLicense();
    await this.out.write(`${this.written++ ? ',' : ''}{"name":${JSON.stringify(license.license_name)},"users":[`);
    this.records = 0;
  }

  private async closeLicense(): Promise<void> {
    if (this.records === null) return;
    endRecords(this.out, this.records);
    await this.out.write(']}');
    this.records = null;
  }
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
  endRecords(out, records);
  return records;
}

/** Takes back the comma the last of `records` records' newline was written as (none when there were none). */
function endRecords(out: FileWriter, records: number): void {
  if (records > 0 && !out.unwriteLast(COMMA)) throw new Error('The store sent a Torii file record without its closing newline.');
}
