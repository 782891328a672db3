// The Torii custom-integration file's records, built from snapshot rows. Pure.
import type { LicenseUserRow, SentUserRow } from '../store/file-rows';

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

export interface ToriiLicenseUser {
  email: string;
  licenseStatus: 'active' | 'inactive';
}

export function toToriiUser(row: SentUserRow): ToriiUser {
  const user: ToriiUser = {
    id: row.user_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    status: row.status,
    externalStatus: row.external_status,
    roles: row.status === 'deleted' ? [] : row.roles,
  };
  if (row.status === 'active' && row.last_sign_on) user.lastUsedDate = row.last_sign_on;
  return user;
}

/** Disabled and locked users keep their license, as inactive: they cannot use the app today. */
export function toLicenseUser(row: LicenseUserRow): ToriiLicenseUser {
  return { email: row.email, licenseStatus: row.external_status === 'enabled' ? 'active' : 'inactive' };
}
