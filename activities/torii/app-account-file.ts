// Writes one mapped application's Torii file: its licensed users (`status: active`, the main
// file's externalStatus, names, and `lastUsedDate` = the user's last sign-on to that application
// when usage is known), its users sent as deleted once, and one license named after the
// application. Streamed from the store in batches to `<path>.partial`, renamed when whole.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SnapshotKey } from '../store/pages';
import type { Sql } from '../store/sql';
import { appAccountUsersAfter, type AppAccountUserRow, type MappedApplication } from '../store/usage-app-accounts';
import type { ToriiLicenseUser, ToriiUser } from './records';

const BATCH = 5000;

export type AppAccountUser = Omit<ToriiUser, 'roles'>;

export function toAppAccountUser(row: AppAccountUserRow, withUsage: boolean): AppAccountUser {
  const user: AppAccountUser = {
    id: row.user_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    status: row.status,
    externalStatus: row.external_status,
  };
  if (withUsage && row.status === 'active' && row.last_sign_on_at) user.lastUsedDate = new Date(row.last_sign_on_at).toISOString();
  return user;
}

export async function writeAppAccountFile(
  sql: Sql,
  key: SnapshotKey,
  app: MappedApplication,
  path: string,
  withUsage: boolean,
): Promise<{ path: string; bytes: number; users: number; lastUsedDates: number }> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial, { encoding: 'utf8' });
  let bytes = 0;
  const write = async (chunk: string) => {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  let users = 0;
  let lastUsedDates = 0;
  const holders: ToriiLicenseUser[] = [];
  try {
    await write('{"users":[');
    for (let after = ''; ; ) {
      const rows = await appAccountUsersAfter(sql, key, app.appId, after, BATCH);
      if (rows.length === 0) break;
      const records = rows.map((row) => toAppAccountUser(row, withUsage));
      await write(records.map((r) => (users++ ? ',' : '') + JSON.stringify(r)).join(''));
      for (const r of records) {
        if (r.lastUsedDate) lastUsedDates++;
        if (r.status === 'active') holders.push({ email: r.email, licenseStatus: r.externalStatus === 'enabled' ? 'active' : 'inactive' });
      }
      after = rows[rows.length - 1].user_id;
    }
    await write(`],"licenses":[${JSON.stringify({ name: app.name, users: holders })}]}`);
    out.end();
    await once(out, 'finish');
    await rename(partial, path);
    return { path, bytes, users, lastUsedDates };
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}
