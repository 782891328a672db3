// The test oracle: the exact Torii file a correct sync uploads for a directory, computed in
// memory by the binding rules (who is sent, how a user record and a license look, how disappeared
// users are deleted). Independent of the production code by design; do not import from it.
import type { Directory, SimUser } from './directory';
import { compareText, effectiveGroupIds, groupCandidates, isLicensable, licenseNames } from './expected-access';

export interface ToriiUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: 'active' | 'deleted';
  externalStatus: 'enabled' | 'disabled' | 'locked' | 'deleted';
  roles: string[];
  lastUsedDate?: string;
}
export interface ToriiLicenseUser { email: string; licenseStatus: 'active' | 'inactive' }
export interface ToriiLicense { name: string; users: ToriiLicenseUser[] }
export interface ToriiFile { users: ToriiUser[]; licenses: ToriiLicense[] }

export interface ExpectedSync {
  file: ToriiFile;
  skipped: { noEmail: number; duplicateEmail: number };
  skippedUserIds: { noEmail: string[]; duplicateEmail: string[] };
  /** One per license left out because its admin-role check would need too many lookups. */
  warnings: number;
  omittedLicenses: string[];
  counts: { sent: number; active: number; disabled: number; locked: number; deleted: number };
}

export interface ExpectedOptions {
  /** The users of the previous successful sync's file; active ones now absent are deleted. */
  previouslySent?: ToriiUser[];
  /** Most role-assignment lookups one admin-only app may cost; default 200. */
  adminLookupLimit?: number;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function expectedToriiFile(dir: Directory, opts: ExpectedOptions = {}): ExpectedSync {
  const { sent, noEmail, duplicateEmail } = chooseSentUsers(dir.users);
  const groupsOf = effectiveGroupIds(dir);
  const groupNames = new Map(dir.groups.map((group) => [group.id, group.name]));

  const records = [...sent.keys()]
    .sort((a, b) => compareText(a.id, b.id))
    .map((user) => userRecord(user, sent.get(user) as string, roleNames(groupsOf.get(user.id), groupNames)));
  const statusById = new Map(records.map((record) => [record.id, record.externalStatus]));

  const limit = opts.adminLookupLimit ?? 200;
  const licensable = dir.applications.filter(isLicensable);
  const names = licenseNames(licensable);
  const licenses: ToriiLicense[] = [];
  const omittedLicenses: string[] = [];
  for (const application of licensable) {
    let holders = groupCandidates(application, dir.users, groupsOf);
    const name = names.get(application.id) as string;
    if (application.accessControl?.role?.type === 'ADMIN_USERS_ONLY') {
      if (holders.length > limit) {
        omittedLicenses.push(name);
        continue;
      }
      holders = holders.filter((user) => dir.adminUserIds.has(user.id));
    }
    const users = holders
      .filter((user) => sent.has(user))
      .map((user) => ({
        email: sent.get(user) as string,
        licenseStatus: statusById.get(user.id) === 'enabled' ? 'active' as const : 'inactive' as const,
      }))
      .sort((a, b) => compareText(a.email, b.email));
    licenses.push({ name, users });
  }
  licenses.sort((a, b) => compareText(a.name, b.name));

  const presentIds = new Set(dir.users.map((user) => user.id));
  const deleted: ToriiUser[] = (opts.previouslySent ?? [])
    .filter((previous) => previous.status === 'active' && !presentIds.has(previous.id))
    .sort((a, b) => compareText(a.id, b.id))
    .map((previous) => ({
      id: previous.id, email: previous.email, firstName: previous.firstName, lastName: previous.lastName,
      status: 'deleted', externalStatus: 'deleted', roles: [],
    }));

  const count = (status: ToriiUser['externalStatus']) => records.filter((record) => record.externalStatus === status).length;
  return {
    file: { users: [...records, ...deleted], licenses },
    skipped: { noEmail: noEmail.length, duplicateEmail: duplicateEmail.length },
    skippedUserIds: { noEmail, duplicateEmail },
    warnings: omittedLicenses.length,
    omittedLicenses,
    counts: { sent: records.length, active: count('enabled'), disabled: count('disabled'), locked: count('locked'), deleted: deleted.length },
  };
}

// Email, else an email-shaped username; on a case-insensitive clash the smallest id wins.
function chooseSentUsers(users: SimUser[]): { sent: Map<SimUser, string>; noEmail: string[]; duplicateEmail: string[] } {
  const noEmail: string[] = [];
  const duplicateEmail: string[] = [];
  const winners = new Map<string, SimUser>();
  const emailOf = new Map<SimUser, string>();
  for (const user of [...users].sort((a, b) => compareText(a.id, b.id))) {
    const email = user.email ?? (EMAIL_SHAPE.test(user.username) ? user.username : undefined);
    if (email === undefined) {
      noEmail.push(user.id);
      continue;
    }
    const key = email.toLowerCase();
    if (winners.has(key)) {
      duplicateEmail.push(user.id);
      continue;
    }
    winners.set(key, user);
    emailOf.set(user, email);
  }
  return { sent: emailOf, noEmail, duplicateEmail };
}

function userRecord(user: SimUser, email: string, roles: string[]): ToriiUser {
  const record: ToriiUser = {
    id: user.id,
    email,
    firstName: user.name.given ?? '',
    lastName: user.name.family ?? '',
    status: 'active',
    externalStatus: user.enabled === false ? 'disabled' : user.account.status === 'LOCKED' ? 'locked' : 'enabled',
    roles,
  };
  if (user.lastSignOn?.at !== undefined) record.lastUsedDate = user.lastSignOn.at;
  return record;
}

function roleNames(groupIds: Set<string> | undefined, groupNames: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const id of groupIds ?? []) {
    const name = groupNames.get(id);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort(compareText);
}
