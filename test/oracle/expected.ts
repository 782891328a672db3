// The test oracle: the exact Torii file a correct sync uploads for a directory, computed in
// memory from the documented rules (PingOne's docs for access, README for this product's own
// choices; sources in expected-access.ts and beside each rule here). Independent of the production
// code by design: it imports nothing of it and copies none of its constants.
import type { Directory, SimUser } from '../../sim/directory';
import { compareText, effectiveGroupIds, groupCandidates, isAdminUser, licenseNames, noLicenseReason, type NoLicenseReason } from './expected-access';

export interface ToriiUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: 'active' | 'deleted';
  externalStatus: 'enabled' | 'disabled' | 'locked' | 'verification-required' | 'deleted';
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
  /**
   * README: one warning per admin-only app left out by the lookup limit, one per reason other
   * applications got no license (a malformed record is one), one per licensed app whose group rule
   * lists no group.
   */
  warnings: number;
  omittedLicenses: string[];
  /** Application ids given no license, by reason (the admin lookup limit included). */
  skippedApplications: Record<NoLicenseReason | 'adminLookupLimit', string[]>;
  counts: { sent: number; active: number; disabled: number; locked: number; verificationRequired: number; deleted: number };
}

export interface ExpectedOptions {
  /** The users of the previous successful sync's file; active ones now absent are deleted. */
  previouslySent?: ToriiUser[];
  /** Most role-assignment lookups one admin-only app may cost; default 200. */
  adminLookupLimit?: number;
}

/**
 * Whether a username can stand in for a missing email (README: "an email-shaped username"). Torii's
 * custom-integration schema types `email` as `format: email`: a local part and a domain of at least
 * two dot-separated, non-empty labels (RFC 5321 §4.1.2), nothing blank anywhere.
 */
function isEmailShaped(text: string): boolean {
  const parts = text.split('@');
  if (parts.length !== 2 || /\s/.test(text)) return false;
  const [local, domain] = parts;
  const labels = domain.split('.');
  return local.length > 0 && labels.length >= 2 && labels.every((label) => label.length > 0);
}

export function expectedToriiFile(dir: Directory, opts: ExpectedOptions = {}): ExpectedSync {
  const { sent, noEmail, duplicateEmail } = chooseSentUsers(dir.users);
  const groupsOf = effectiveGroupIds(dir);
  const groupNames = new Map(dir.groups.map((group) => [group.id, group.name]));

  const records = [...sent.keys()]
    .sort((a, b) => compareText(a.id, b.id))
    .map((user) => userRecord(user, sent.get(user) as string, roleNames(groupsOf.get(user.id), groupNames)));
  const statusById = new Map(records.map((record) => [record.id, record.externalStatus]));

  // The admin-role check costs a lookup per candidate: past the limit the app is left out [readme].
  const limit = opts.adminLookupLimit ?? 200;
  const skippedApplications: ExpectedSync['skippedApplications'] = { malformedRecord: [], disabled: [], notLicensedType: [], unknownType: [], adminLookupLimit: [] };
  const included: { application: Directory['applications'][number]; holders: SimUser[] }[] = [];
  for (const application of [...dir.applications].sort((a, b) => compareText(a.id, b.id))) {
    const reason = noLicenseReason(application);
    if (reason) {
      skippedApplications[reason].push(application.id);
      continue;
    }
    let holders = groupCandidates(application, dir.users, groupsOf);
    if (application.accessControl?.role?.type === 'ADMIN_USERS_ONLY') {
      if (holders.length > limit) {
        skippedApplications.adminLookupLimit.push(application.id);
        continue;
      }
      holders = holders.filter((user) => isAdminUser(dir, user.id));
    }
    included.push({ application, holders });
  }
  const names = licenseNames(included.map((entry) => entry.application));
  const omittedLicenses = skippedApplications.adminLookupLimit.map((id) => dir.applications.find((a) => a.id === id)?.name as string);
  const licenses: ToriiLicense[] = included.map(({ application, holders }) => ({
    name: names.get(application.id) as string,
    // README: enabled users hold a license as active; disabled, locked and unverified ones as inactive.
    users: holders
      .filter((user) => sent.has(user))
      .map((user) => ({
        email: sent.get(user) as string,
        licenseStatus: statusById.get(user.id) === 'enabled' ? 'active' as const : 'inactive' as const,
      }))
      .sort((a, b) => compareText(a.email, b.email)),
  }));
  licenses.sort((a, b) => compareText(a.name, b.name));
  const admittingNobody = included.filter(({ application }) => application.accessControl?.group?.groups.length === 0);

  // A user the last file sent active and gone now is sent once as deleted [readme], unless a user
  // sent now has the same address (re-created under a new id): Torii keys users by email, and one
  // file cannot say an address is both present and deleted.
  const presentIds = new Set(dir.users.map((user) => user.id));
  const sentAddresses = new Set([...sent.values()].map(addressKey));
  const deleted: ToriiUser[] = (opts.previouslySent ?? [])
    .filter((previous) => previous.status === 'active' && !presentIds.has(previous.id) && !sentAddresses.has(addressKey(previous.email)))
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
    warnings: omittedLicenses.length + (['malformedRecord', 'disabled', 'notLicensedType', 'unknownType'] as const).filter((r) => skippedApplications[r].length > 0).length + admittingNobody.length,
    omittedLicenses,
    skippedApplications,
    counts: {
      sent: records.length, active: count('enabled'), disabled: count('disabled'), locked: count('locked'),
      verificationRequired: count('verification-required'), deleted: deleted.length,
    },
  };
}

/**
 * Two addresses are one when they differ only in the case of ASCII letters [readme]: `A@X.COM` is
 * `a@x.com`, while `Å` and `å` stay apart (no document says how Torii folds non-ASCII case).
 */
function addressKey(address: string): string {
  return address.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

// README: a user goes by email, else an email-shaped username, else is skipped as noEmail; of users
// with one address, the one with the smallest id is sent and the others are skipped as duplicateEmail.
function chooseSentUsers(users: SimUser[]): { sent: Map<SimUser, string>; noEmail: string[]; duplicateEmail: string[] } {
  const noEmail: string[] = [];
  const duplicateEmail: string[] = [];
  const winners = new Map<string, SimUser>();
  const emailOf = new Map<SimUser, string>();
  for (const user of [...users].sort((a, b) => compareText(a.id, b.id))) {
    const email = user.email !== undefined && user.email !== '' ? user.email : isEmailShaped(user.username) ? user.username : undefined;
    if (email === undefined) {
      noEmail.push(user.id);
      continue;
    }
    const key = addressKey(email);
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
    externalStatus: externalStatus(user),
    roles,
  };
  if (user.lastSignOn?.at !== undefined) record.lastUsedDate = user.lastSignOn.at;
  return record;
}

/**
 * README: externalStatus says whether the user can sign on today. `enabled: false` is an admin's
 * decision that no sign-on passes (PingOne "Users": a disabled user cannot authenticate), and it
 * outlasts a lockout, so it wins over `account.status: LOCKED` (locked out until unlocked); a user
 * whose `lifecycle.status` is VERIFICATION_REQUIRED has yet to verify the email address (OpenAPI
 * EnumUserLifecycleStatus).
 */
function externalStatus(user: SimUser): ToriiUser['externalStatus'] {
  if (user.enabled === false) return 'disabled';
  if (user.account.status === 'LOCKED') return 'locked';
  if (user.lifecycle.status === 'VERIFICATION_REQUIRED') return 'verification-required';
  return 'enabled';
}

function roleNames(groupIds: Set<string> | undefined, groupNames: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const id of groupIds ?? []) {
    const name = groupNames.get(id);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort(compareText);
}
