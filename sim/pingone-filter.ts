// The subset of PingOne's SCIM-like user filter the simulator understands:
//   memberOfGroups[id eq "<gid>"]                      (alone; DIRECT members only)
//   population.id eq "<pid>" | username sw "<prefix>"  (alone or joined by `and`)
// Anything else is rejected as PingOne rejects a bad filter, so a client cannot rely on more.
import type { Directory, SimUser } from './directory';

export interface UserFilter { memberOfGroupId?: string; populationId?: string; usernamePrefix?: string }

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const MEMBER_OF = new RegExp(`^memberOfGroups\\[\\s*id\\s+eq\\s+${QUOTED}\\s*\\]$`, 'i');
const POPULATION = new RegExp(`^population\\.id\\s+eq\\s+${QUOTED}$`, 'i');
const USERNAME_SW = new RegExp(`^username\\s+sw\\s+${QUOTED}$`, 'i');
// `and` outside quoted values.
const AND = /\s+and\s+(?=(?:[^"]*"[^"]*")*[^"]*$)/i;

export function parseUserFilter(text: string): UserFilter | { error: string } {
  const terms = text.trim().split(AND);
  const filter: UserFilter = {};
  for (const term of terms) {
    const member = MEMBER_OF.exec(term);
    const population = POPULATION.exec(term);
    const username = USERNAME_SW.exec(term);
    if (member && terms.length === 1) filter.memberOfGroupId = unescape(member[1]);
    else if (population && filter.populationId === undefined) filter.populationId = unescape(population[1]);
    else if (username && filter.usernamePrefix === undefined) filter.usernamePrefix = unescape(username[1]);
    else return { error: `Unsupported filter expression: ${term}` };
  }
  return filter;
}

export function userMatches(user: SimUser, filter: UserFilter, dir: Directory): boolean {
  if (filter.memberOfGroupId !== undefined && !dir.members.get(filter.memberOfGroupId)?.has(user.id)) return false;
  if (filter.populationId !== undefined && user.population.id !== filter.populationId) return false;
  // Usernames are case-insensitive in PingOne, so is `sw` on them.
  if (filter.usernamePrefix !== undefined && !lowerUsername(user).startsWith(filter.usernamePrefix.toLowerCase())) return false;
  return true;
}

// A prefix chain filters a whole population on every page: lower-casing 60,000 usernames per request
// was most of the simulator's time in a benchmark. Remembered per user, re-derived when a test
// renames one.
const lowered = new WeakMap<SimUser, { username: string; lower: string }>();
function lowerUsername(user: SimUser): string {
  const known = lowered.get(user);
  if (known?.username === user.username) return known.lower;
  const lower = user.username.toLowerCase();
  lowered.set(user, { username: user.username, lower });
  return lower;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
