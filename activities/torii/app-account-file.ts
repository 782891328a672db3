// Writes one mapped application's Torii file: its licensed users (`status: active`, the main
// file's externalStatus, names, and `lastUsedDate` = the user's last sign-on to that application
// when usage is known), its users sent as deleted once, and one license named after the
// application. Streamed from the store in batches to `<path>.partial` (owner only, as the sync's
// file: torii/file.ts writePart), renamed when whole.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FOLDER_MODE } from '../staged-files';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { appAccountUsersAfter, type MappedApplication } from '../store/usage-app-accounts';
import { writePart } from './file';
import { toAppAccountUser, toLicenseUser, type ToriiLicenseUser } from './records';

const BATCH = 5000;

export async function writeAppAccountFile(
  sql: Sql,
  key: SnapshotKey,
  app: MappedApplication,
  path: string,
  withUsage: boolean,
): Promise<{ path: string; bytes: number; users: number; lastUsedDates: number }> {
  await mkdir(dirname(path), { recursive: true, mode: FOLDER_MODE });
  const partial = `${path}.partial`;
  let lastUsedDates = 0;
  try {
    const written = await writePart(partial, async (out) => {
      let users = 0;
      const holders: ToriiLicenseUser[] = [];
      await out.write('{"users":[');
      for (let after = ''; ; ) {
        const rows = await appAccountUsersAfter(sql, key, app.appId, after, BATCH);
        if (rows.length === 0) break;
        const records = rows.map((row) => toAppAccountUser(row, withUsage));
        for (const record of records) await out.write((users++ ? ',' : '') + JSON.stringify(record));
        lastUsedDates += records.filter((r) => r.lastUsedDate).length;
        for (const row of rows) if (row.status === 'active') holders.push(toLicenseUser(row));
        after = rows[rows.length - 1].user_id;
      }
      await out.write(`],"licenses":[${JSON.stringify({ name: app.name, users: holders })}]}`);
      return users;
    });
    await rename(partial, path);
    return { path, bytes: written.bytes, users: written.count, lastUsedDates };
  } finally {
    await rm(partial, { force: true });
  }
}
