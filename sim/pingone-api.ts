// The simulated management API under /v1/environments/:envId: who may read what (token,
// environment reach, population scope, denied resources), then the read routes a sync uses.
import type { Directory, SimGroup, SimUser } from './directory';
import { answerAudit } from './pingone-audit';
import { insufficientPermissions, invalidData, invalidToken, notFound, unknownEnvironment } from './pingone-errors';
import { parseUserFilter, userMatches, type UserFilter } from './pingone-filter';
import { CursorBook, PagingSettings, halPage, pageRequest } from './pingone-paging';
import type { SimClient, TokenIssuer } from './pingone-token';
import { BUILT_IN_ROLES } from './pingone-roles';
import { RawJson, type SimReply, type SimRequest } from './server';

export type PingOneKind =
  | 'token' | 'users' | 'members' | 'groups' | 'groupParents' | 'applications'
  | 'populations' | 'environment' | 'roleAssignments' | 'roles' | 'activities' | 'other';

export interface ManagementSettings extends PagingSettings {
  environments: Directory[];
  unknownEnvironmentStatus: 400 | 401 | 403 | 404;
  /** `limit` on audit activities is clamped to this; default maxPageSize. */
  auditMaxPageSize?: number;
  /** See PingOneSimulatorOptions.frozenDirectory. */
  frozenDirectory: boolean;
}

export interface ManagementContext { origin: string; settings: ManagementSettings; tokens: TokenIssuer; cursors: CursorBook }

const RESOURCE_OF: Partial<Record<PingOneKind, 'users' | 'applications' | 'groups' | 'populations'>> = {
  users: 'users', members: 'users', roleAssignments: 'users',
  groups: 'groups', groupParents: 'groups', applications: 'applications', populations: 'populations',
};

/** `GET /v1/roles`: PingOne's built-in roles, organization level (no environment in the path). */
export function answerRoles(req: SimRequest, ctx: ManagementContext): SimReply {
  if (!ctx.tokens.verify(req.headers.authorization)) return invalidToken();
  if (req.method !== 'GET') return notFound('resource');
  const start = pageRequest(req, ctx.cursors, ctx.settings, 100);
  if ('error' in start) return start.error;
  return halPage({ origin: ctx.origin, req, collection: 'roles', items: BUILT_IN_ROLES, start, cursors: ctx.cursors, settings: ctx.settings });
}

export function answerManagement(req: SimRequest, kind: PingOneKind, ctx: ManagementContext): SimReply {
  const grant = ctx.tokens.verify(req.headers.authorization);
  if (!grant) return invalidToken();
  const segments = req.path.split('/').slice(3); // after ['', 'v1', 'environments']
  const dir = ctx.settings.environments.find((candidate) => candidate.environmentId === segments[0]);
  if (!dir) return unknownEnvironment(ctx.settings.unknownEnvironmentStatus);
  const client = grant.client;
  if (!(client.readableEnvironmentIds ?? [client.environmentId]).includes(dir.environmentId)) return insufficientPermissions('environment');
  const resource = RESOURCE_OF[kind];
  if (resource && client.deniedResources?.includes(resource)) return insufficientPermissions(resource);
  if (segments[1] === 'activities' && segments.length === 2 && req.method === 'GET') return answerAudit(req, dir, client, ctx);
  if (req.method !== 'GET') return notFound('resource');

  const list = <T>(collection: string, items: T[], defaultLimit = 100): SimReply => {
    const start = pageRequest(req, ctx.cursors, ctx.settings, defaultLimit);
    if ('error' in start) return start.error;
    return halPage({ origin: ctx.origin, req, collection, items, start, cursors: ctx.cursors, settings: ctx.settings });
  };
  const [, collection, id, sub] = segments;
  const undocumented = undocumentedParameter(req, collection, id, sub);
  if (undocumented) return invalidData('INVALID_VALUE', undocumented, `The request parameter ${undocumented} is not supported on this resource.`);

  if (collection === undefined) {
    return json({ id: dir.environmentId, name: `Sim ${dir.environmentId.slice(0, 8)}`, region: 'NA', type: 'PRODUCTION', organization: { id: dir.organizationId } });
  }
  if (collection === 'users' && id === undefined) {
    const start = pageRequest(req, ctx.cursors, ctx.settings, 100);
    if ('error' in start) return start.error;
    const filter = start.filter === undefined ? {} : parseUserFilter(start.filter);
    if ('error' in filter) return invalidData('INVALID_FILTER', 'filter', filter.error);
    const matching = matchingUsers(dir, client, filter, start.filter, ctx.settings.frozenDirectory);
    return halPage({
      origin: ctx.origin, req, collection: 'users', items: matching, start, cursors: ctx.cursors, settings: ctx.settings,
      present: (user) => (ctx.settings.frozenDirectory ? frozenUserView(user, dir) : userView(user, dir)),
    });
  }
  if (collection === 'users') {
    const user = visibleUser(dir, client, id as string, ctx.settings.frozenDirectory);
    if (!user) return notFound('user');
    if (sub === undefined) return json(userView(user, dir));
    if (sub === 'roleAssignments') return list('roleAssignments', roleAssignments(user, dir));
  }
  if (collection === 'groups') {
    const groups = byId(dir.groups);
    if (id === undefined) return list('groups', groups.map((group) => groupView(group, dir)));
    const group = groups.find((candidate) => candidate.id === id);
    if (!group) return notFound('group');
    if (sub === undefined) return json(groupView(group, dir));
    if (sub === 'memberOfGroups') return list('groupMemberships', parentsOf(group, dir));
  }
  if (collection === 'populations' && id === undefined) {
    // A population-scoped role still lists every population with its userCount; only the users of
    // the other populations stay hidden (whether PingOne hides the populations too is unconfirmed).
    const populations = byId(dir.populations);
    return list('populations', populations.map((population) => ({
      ...population,
      userCount: dir.users.filter((user) => user.population.id === population.id).length,
      environment: { id: dir.environmentId },
    })));
  }
  if (collection === 'applications' && id === undefined) {
    return list('applications', byId(dir.applications).map((application) => ({ ...application, environment: { id: dir.environmentId } })));
  }
  return notFound('resource');
}

/**
 * The query parameters each read route takes in PingOne's OpenAPI: users, groups and populations
 * take `filter`, `limit` and `cursor`; applications, a user's role assignments and a group's parent
 * groups (readGroupNesting) take none. A next link carries this simulator's own `limit` and
 * `cursor` and is followed verbatim; a first request with anything else is refused, so a client
 * sending a parameter the spec does not list fails here.
 */
function undocumentedParameter(req: SimRequest, collection?: string, id?: string, sub?: string): string | undefined {
  const paged = ['users', 'groups', 'populations'].includes(collection ?? '') && id === undefined;
  const allowed = paged ? ['filter', 'limit', 'cursor'] : req.params.has('cursor') ? ['limit', 'cursor', 'filter'] : [];
  if (collection === undefined || (id !== undefined && sub === undefined)) return undefined;
  return [...req.params.keys()].find((name) => !allowed.includes(name));
}

// Sorting 100k users for every page would dominate large runs; re-sort only when the list changed.
// The same goes for the population index, so a benchmark measures the client, not this simulator.
// Prefix chains likewise: each of a large population's 36 chains filtered all of its users once
// (its first page), lower-casing every username; a frozen directory's users are indexed by
// population and by their username's first lower-case character, a superset the filter narrows.
const sortedUsers = new WeakMap<
  SimUser[],
  { length: number; sorted: SimUser[]; byId: Map<string, SimUser>; byPopulation: Map<string, SimUser[]>; byInitial: Map<string, SimUser[]> }
>();

/** The index key of users in `populationId` (undefined: any) whose lower-cased username starts with `initial`. */
function initialKey(populationId: string | undefined, initial: string): string {
  return `${populationId ?? '*'}|${initial}`;
}

/**
 * A directory's users sorted and indexed, built on first use and again when the list changed. A
 * frozen directory's is built when the simulator starts (sim/pingone.ts): sorting a million users
 * took 6.5 s, which the first request (a sync's environment read) waited out and a benchmark
 * counted as the sync's.
 */
function userIndex(dir: Directory) {
  let cached = sortedUsers.get(dir.users);
  if (!cached || cached.length !== dir.users.length) {
    const sorted = byId(dir.users);
    const byPopulation = new Map<string, SimUser[]>();
    const byInitial = new Map<string, SimUser[]>();
    const add = (index: Map<string, SimUser[]>, key: string, user: SimUser) => {
      const list = index.get(key) ?? [];
      list.push(user);
      index.set(key, list);
    };
    for (const user of sorted) {
      add(byPopulation, user.population.id, user);
      const initial = user.username.toLowerCase().charAt(0);
      add(byInitial, initialKey(undefined, initial), user);
      add(byInitial, initialKey(user.population.id, initial), user);
    }
    cached = { length: dir.users.length, sorted, byId: new Map(sorted.map((user) => [user.id, user])), byPopulation, byInitial };
    sortedUsers.set(dir.users, cached);
  }
  return cached;
}

/**
 * The user with this id, if the client's role sees it. A frozen directory looks it up in the index
 * (a scan of 1,000,000 users for each of a sync's role-assignment reads was the simulator's time, not
 * PingOne's); one a test edits mid-run is scanned, as before.
 */
function visibleUser(dir: Directory, client: SimClient, id: string, frozen: boolean): SimUser | undefined {
  if (!frozen) return candidates(dir, client, {}).find((candidate) => candidate.id === id);
  const user = userIndex(dir).byId.get(id);
  return user && seenBy(client, user) ? user : undefined;
}

// Filtering a 60,000-user population for every page of a listing was most of a benchmark's simulator
// time, on the cores the worker under test needs; a frozen directory filters once per filter.
const frozenMatches = new WeakMap<Directory, Map<string, SimUser[]>>();

function matchingUsers(dir: Directory, client: SimClient, filter: UserFilter, filterText: string | undefined, frozen: boolean): SimUser[] {
  const compute = () => candidates(dir, client, filter, frozen).filter((user) => userMatches(user, filter, dir));
  if (!frozen) return compute();
  const memo = frozenMatches.get(dir) ?? new Map<string, SimUser[]>();
  frozenMatches.set(dir, memo);
  const key = `${client.clientId}|${filterText ?? ''}`;
  let users = memo.get(key);
  if (!users) memo.set(key, (users = compute()));
  return users;
}

/** A superset of the users a filter matches, found without walking the whole directory. */
function candidates(dir: Directory, client: SimClient, filter: UserFilter, frozen = false): SimUser[] {
  const index = userIndex(dir);
  let users: SimUser[];
  if (filter.memberOfGroupId !== undefined) {
    const ids = [...(dir.members.get(filter.memberOfGroupId) ?? [])];
    users = byId(ids.map((id) => index.byId.get(id)).filter((user): user is SimUser => user !== undefined));
  } else if (filter.usernamePrefix && frozen) {
    // Only a frozen directory: a test renaming a user mid-sync would leave the index stale.
    users = index.byInitial.get(initialKey(filter.populationId, filter.usernamePrefix.toLowerCase().charAt(0))) ?? [];
  } else if (filter.populationId !== undefined) {
    users = index.byPopulation.get(filter.populationId) ?? [];
  } else {
    users = index.sorted;
  }
  return client.populationIds ? users.filter((user) => seenBy(client, user)) : users;
}

/** Whether the client's role reaches the user: a role scoped to populations sees their users only. */
function seenBy(client: SimClient, user: SimUser): boolean {
  return !client.populationIds || client.populationIds.includes(user.population.id);
}

// A frozen directory is not re-read: each user is serialized once, before the first request
// (prepareFrozenDirectory) or on the first page that holds it.
const frozenViews = new WeakMap<SimUser, RawJson>();

/**
 * A frozen directory's index and every user's JSON, made before its first request as PingOne's
 * directory is there before a sync asks: serialized during the sync, they were ~1.5 CPU-s at
 * 100,000 users on the cores the worker under test needs, most of it in the first seconds, when
 * only users are listed.
 */
export function prepareFrozenDirectory(dir: Directory): void {
  for (const user of userIndex(dir).sorted) frozenUserView(user, dir);
}
function frozenUserView(user: SimUser, dir: Directory): RawJson {
  let view = frozenViews.get(user);
  if (!view) frozenViews.set(user, (view = new RawJson(JSON.stringify(userView(user, dir)))));
  return view;
}

// Extra fields a real user carries, so clients that parse strictly fail here rather than in production.
function userView(user: SimUser, dir: Directory): Record<string, unknown> {
  return {
    ...user,
    environment: { id: dir.environmentId },
    identityProvider: { type: 'PING_ONE' },
    mfaEnabled: false,
    ...(user.email === undefined ? {} : { emailVerified: true }),
  };
}

function groupView(group: SimGroup, dir: Directory): Record<string, unknown> {
  const { parentIds: _parents, ...rest } = group;
  return { ...rest, environment: { id: dir.environmentId } };
}

function parentsOf(group: SimGroup, dir: Directory): { id: string; name: string; type: 'DIRECT' }[] {
  return dir.groups
    .filter((candidate) => group.parentIds.includes(candidate.id))
    .map((parent) => ({ id: parent.id, name: parent.name, type: 'DIRECT' }));
}

function roleAssignments(user: SimUser, dir: Directory): unknown[] {
  return dir.roleAssignments.get(user.id) ?? [];
}

function byId<T extends { id: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function json(body: unknown): SimReply {
  return { status: 200, body };
}
