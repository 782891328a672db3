// The keys that encrypt workflow history, as the operator writes them: SYNC_ENCRYPTION_KEYS is a
// comma-separated list of `keyId:base64Key` (32 bytes each). The first key encrypts; every key
// decrypts, so a key rotates by putting the new one first and keeping the old ones until no history
// needs them. Messages name key ids and positions, never key material.

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export const GENERATE_KEY_HINT = 'generate a key with `openssl rand -base64 32`';
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The keys of a SYNC_ENCRYPTION_KEYS value, or one sentence per problem. */
export function parseEncryptionKeys(raw: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  const entries = raw.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const material = colon > 0 ? entry.slice(colon + 1) : '';
    if (!id || !material) {
      problems.push(`entry ${index + 1} must be keyId:base64Key, like k1:<32 bytes in base64>; ${GENERATE_KEY_HINT}`);
      return;
    }
    if (!KEY_ID.test(id)) {
      problems.push(`entry ${index + 1}: the key id must be 1–64 letters, digits, ".", "_" or "-"`);
      return;
    }
    const key = Buffer.from(material, 'base64');
    if (!BASE64.test(material) || key.length !== 32) {
      problems.push(`key "${id}" must be 32 bytes in base64 (44 characters ending in =); ${GENERATE_KEY_HINT}`);
      return;
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`key id "${id}" appears twice; give each key its own id`);
      return;
    }
    keys.push({ id, key });
  });
  return { keys, problems };
}
