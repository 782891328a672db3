// The test oracle of the per-application files (issue 14), from the documented rules and never from
// the production code: a mapped application's app account gets the users the main file licenses
// to that application, active, with the main file's externalStatus and names and no roles; its
// `lastUsedDate` is the latest successful sign-on (an audit event of a sign-on action type, the
// application as `actors.client`, the user as the USER resource) ever served for that user and
// application; users that app account was sent active last time and no longer licensed are sent
// once as deleted; and its one license is named after the application.
import type { Directory } from '../../sim/directory';
import type { ToriiFile, ToriiLicense, ToriiUser } from './expected';
import { compareText, isLicensable, licenseNames } from './expected-access';
import type { AuditEvent } from '../../sim/pingone-audit';

export type AppAccountUser = Omit<ToriiUser, 'roles'>;
export interface AppAccountFile { users: AppAccountUser[]; licenses: ToriiLicense[] }

export interface ExpectedAppOptions {
  /** Every audit event PingOne served the syncs so far (aged-out ones included: the store keeps them). */
  events: AuditEvent[];
  /** false when the Worker app could not read audit activities: no lastUsedDate at all. */
  withUsage?: boolean;
  previouslySent?: AppAccountUser[];
  actionTypes?: string[];
}

/** The latest successful sign-on per `appId|userId`. */
export function lastSignOns(events: AuditEvent[], actionTypes = ['USER.ACCESS_ALLOWED']): Map<string, string> {
  const latest = new Map<string, string>();
  for (const e of events) {
    if (!actionTypes.includes(e.action.type) || e.result.status !== 'SUCCESS') continue;
    const userId = e.resources.find((r) => r.type === 'USER')?.id ?? e.actors.user?.id;
    const appId = e.actors.client?.id;
    if (!userId || !appId) continue;
    const key = `${appId}|${userId}`;
    const at = new Date(e.recordedAt).toISOString();
    if (!latest.has(key) || (latest.get(key) as string) < at) latest.set(key, at);
  }
  return latest;
}

export function expectedAppAccountFile(dir: Directory, mainFile: ToriiFile, appId: string, opts: ExpectedAppOptions): AppAccountFile {
  const app = dir.applications.find((a) => a.id === appId);
  if (!app || !isLicensable(app)) throw new Error(`application ${appId} gets no license; the oracle has no file for it`);
  const mainLicenseName = licenseNames(dir.applications.filter(isLicensable)).get(appId) as string;
  const license = mainFile.licenses.find((l) => l.name === mainLicenseName);
  const holders = new Set((license?.users ?? []).map((u) => u.email));
  const latest = lastSignOns(opts.events, opts.actionTypes);
  const users: AppAccountUser[] = mainFile.users
    .filter((u) => u.status === 'active' && holders.has(u.email))
    .map((u) => {
      const record: AppAccountUser = { id: u.id, email: u.email, firstName: u.firstName, lastName: u.lastName, status: 'active', externalStatus: u.externalStatus };
      const at = latest.get(`${appId}|${u.id}`);
      if (opts.withUsage !== false && at) record.lastUsedDate = at;
      return record;
    });
  const present = new Set(users.map((u) => u.id));
  const presentEmails = new Set(users.map((u) => u.email.toLowerCase()));
  const deleted: AppAccountUser[] = (opts.previouslySent ?? [])
    .filter((p) => p.status === 'active' && !present.has(p.id) && !presentEmails.has(p.email.toLowerCase()))
    .map((p) => ({ id: p.id, email: p.email, firstName: p.firstName, lastName: p.lastName, status: 'deleted', externalStatus: 'deleted' }));
  return {
    users: [...users, ...deleted].sort((a, b) => compareText(a.id, b.id)),
    licenses: [{ name: app.name, users: [...(license?.users ?? [])].sort((a, b) => compareText(a.email, b.email)) }],
  };
}

export function sortedAppFile(file: AppAccountFile): AppAccountFile {
  return {
    users: [...file.users].sort((a, b) => compareText(a.id, b.id)),
    licenses: file.licenses.map((l) => ({ ...l, users: [...l.users].sort((a, b) => compareText(a.email, b.email)) })),
  };
}
