// The Torii custom-integration file's records, built from snapshot rows: the sync's file and a
// mapped application's file send a user alike (userFields), and hold a license the same way. Pure.
import type { LicenseUserRow, SentUserFields, SentUserRow } from '../store/file-rows';

export interface ToriiUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: 'active' | 'deleted';
  externalStatus: string;
  roles: string[];
  lastUsedDate?: string;
}

/** A mapped application's file lists users without roles. */
export type AppAccountUser = Omit<ToriiUser, 'roles'>;

export interface ToriiLicenseUser {
  email: string;
  licenseStatus: 'active' | 'inactive';
}

function userFields(row: SentUserFields): AppAccountUser {
  return {
    id: row.user_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    status: row.status,
    externalStatus: row.external_status,
  };
}

export function toToriiUser(row: SentUserRow): ToriiUser {
  const user: ToriiUser = { ...userFields(row), roles: row.status === 'deleted' ? [] : row.roles };
  if (row.status === 'active' && row.last_sign_on) user.lastUsedDate = row.last_sign_on;
  return user;
}

/** `lastUsedDate` is the last sign-on to that application, when this sync could read usage. */
export function toAppAccountUser(row: SentUserFields & { last_sign_on_at: Date | null }, withUsage: boolean): AppAccountUser {
  const user = userFields(row);
  if (withUsage && row.status === 'active' && row.last_sign_on_at) user.lastUsedDate = new Date(row.last_sign_on_at).toISOString();
  return user;
}

/** Disabled and locked users keep their license, as inactive: they cannot use the app today. */
export function toLicenseUser(row: Pick<LicenseUserRow, 'email' | 'external_status'>): ToriiLicenseUser {
  return { email: row.email, licenseStatus: row.external_status === 'enabled' ? 'active' : 'inactive' };
}
