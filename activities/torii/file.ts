// Writes a finalized snapshot as Torii's custom-integration JSON file, streamed from the store in
// batches straight to disk: memory stays flat however large the directory.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { licenseUsersAfter, licenses, sentUsersAfter } from '../store/file-rows';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { toLicenseUser, toToriiUser } from './records';

const BATCH = 1000;

export interface WrittenFile {
  path: string;
  bytes: number;
  users: number;
  licenses: number;
}

/** Writes to `<path>.partial` and renames at the end, so a file at `path` is always whole. */
export async function writeToriiFile(sql: Sql, key: SnapshotKey, path: string): Promise<WrittenFile> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial, { encoding: 'utf8' });
  let bytes = 0;
  const write = async (chunk: string) => {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  let users = 0;
  let licenseCount = 0;
  try {
    await write('{"users":[');
    for (let after = ''; ; ) {
      const rows = await sentUsersAfter(sql, key, after, BATCH);
      if (rows.length === 0) break;
      await write(rows.map((row) => (users++ ? ',' : '') + JSON.stringify(toToriiUser(row))).join(''));
      after = rows[rows.length - 1].user_id;
    }
    await write('],"licenses":[');
    for (const license of await licenses(sql, key)) {
      await write(`${licenseCount++ ? ',' : ''}{"name":${JSON.stringify(license.license_name)},"users":[`);
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
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
  await rename(partial, path);
  return { path, bytes, users, licenses: licenseCount };
}
