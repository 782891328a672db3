// What Torii's custom-integration sync accepts as a file, per the published schema (not the
// broken example). Messages name the offending path the way Joi does, so a failing test says
// exactly which record was wrong.

export type SyncFileCheck = { file: unknown } | { error: string };

const USER_STATUSES = ['active', 'deleted'];
const LICENSE_STATUSES = ['active', 'inactive', 'deleted'];

export function checkSyncFile(bytes: Buffer): SyncFileCheck {
  let file: unknown;
  try {
    file = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { error: 'File is not valid JSON' };
  }
  if (!isRecord(file)) return { error: 'File must be a JSON object' };
  const users = file.users;
  if (!Array.isArray(users) || users.length === 0) return { error: '"users" must be a non-empty array' };
  for (const [i, user] of users.entries()) {
    const problem = userProblem(user, `users[${i}]`);
    if (problem) return { error: problem };
  }
  if (file.licenses !== undefined) {
    if (!Array.isArray(file.licenses)) return { error: '"licenses" must be an array' };
    for (const [i, license] of file.licenses.entries()) {
      const problem = licenseProblem(license, `licenses[${i}]`);
      if (problem) return { error: problem };
    }
  }
  return { file };
}

function userProblem(user: unknown, at: string): string | undefined {
  if (!isRecord(user)) return `"${at}" must be an object`;
  if (typeof user.email !== 'string' || user.email === '') return `"${at}.email" is required`;
  if (user.status !== undefined && !USER_STATUSES.includes(user.status as string)) {
    return `"${at}.status" must be one of [${USER_STATUSES.join(', ')}]`;
  }
  for (const key of ['id', 'firstName', 'lastName', 'externalStatus']) {
    if (user[key] !== undefined && typeof user[key] !== 'string') return `"${at}.${key}" must be a string`;
  }
  if (user.roles !== undefined && !(Array.isArray(user.roles) && user.roles.every((role) => typeof role === 'string'))) {
    return `"${at}.roles" must be an array of strings`;
  }
  if (user.lastUsedDate !== undefined && (typeof user.lastUsedDate !== 'string' || Number.isNaN(Date.parse(user.lastUsedDate)))) {
    return `"${at}.lastUsedDate" must be a valid date`;
  }
  return undefined;
}

function licenseProblem(license: unknown, at: string): string | undefined {
  if (!isRecord(license)) return `"${at}" must be an object`;
  if (typeof license.name !== 'string' || license.name === '') return `"${at}.name" is required`;
  for (const key of ['unassignedAmount', 'pricePerUser']) {
    if (license[key] !== undefined && typeof license[key] !== 'number') return `"${at}.${key}" must be a number`;
  }
  if (license.users === undefined) return undefined;
  if (!Array.isArray(license.users)) return `"${at}.users" must be an array`;
  for (const [i, holder] of license.users.entries()) {
    if (!isRecord(holder)) return `"${at}.users[${i}]" must be an object`;
    if (typeof holder.email !== 'string' || holder.email === '') return `"${at}.users[${i}].email" is required`;
    if (holder.licenseStatus !== undefined && !LICENSE_STATUSES.includes(holder.licenseStatus as string)) {
      return `"${at}.users[${i}].licenseStatus" must be one of [${LICENSE_STATUSES.join(', ')}]`;
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
