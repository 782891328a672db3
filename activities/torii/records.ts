// A mapped application's Torii file's records, built from snapshot rows. Pure. The sync's own file
// has the same records (with roles) written as JSON text by the store (store/file-rows.ts).
import type { SentUserFields } from '../store/file-rows';

/** A mapped application's file lists users as the sync's file does, without roles. */
export interface AppAccountUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: 'active' | 'deleted';
  externalStatus: string;
  lastUsedDate?: string;
}

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

/** `lastUsedDate` is the last sign-on to that application, when this sync could read usage. */
export function toAppAccountUser(row: SentUserFields & { last_sign_on_at: Date | null }, withUsage: boolean): AppAccountUser {
  const user = userFields(row);
  if (withUsage && row.status === 'active' && row.last_sign_on_at) user.lastUsedDate = new Date(row.last_sign_on_at).toISOString();
  return user;
}

/** Disabled and locked users keep their license, as inactive: they cannot use the app today. */
export function toLicenseUser(row: Pick<SentUserFields, 'email' | 'external_status'>): ToriiLicenseUser {
  return { email: row.email, licenseStatus: row.external_status === 'enabled' ? 'active' : 'inactive' };
}
