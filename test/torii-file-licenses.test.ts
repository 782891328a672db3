// The Torii file's licenses on real PostgreSQL, whichever kinds a snapshot has: licenses behind
// groups (each license's holders read from the store), licenses open to every user (copied from
// their users read once), both, or neither. Each file must parse as JSON and hold exactly the
// oracle's users and licenses (test/oracle: PingOne's documented access rules), nobody's license
// twice and no license missing where one kind borders the other.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreActivities, type StoreActivities } from '../activities/store/activities';
import type { SnapshotKey } from '../activities/store/pages';
import { migrate } from '../activities/store/schema';
import { postgresStore, type Sql } from '../activities/store/sql';
import { writeToriiFile } from '../activities/torii/file';
import { seedSnapshot } from '../dev/seed-snapshot';
import { generateDirectory, type Directory, type SimApplication } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import { sortedFile } from './support/torii-file-order';

const base = generateDirectory({ seed: 61, users: 400, groups: 10, applications: 24 });

/** Admin-only apps need PingOne's role assignments (readAdminRoles), which a store-only test does not read. */
const withoutAdminOnly = (apps: SimApplication[]) => apps.filter((app) => !app.accessControl?.role);
/** Open to every user: no group rule (PingOne grants an app without accessControl.group to everyone). */
const open = (app: SimApplication) => !app.accessControl?.group;

const shapes: [string, (apps: SimApplication[]) => SimApplication[]][] = [
  ['licenses behind groups and licenses open to every user', (apps) => apps],
  ['only licenses open to every user', (apps) => apps.filter(open)],
  ['only licenses behind groups, one of them admitting nobody', (apps) => apps.filter((app) => !open(app))],
  ['no license at all', (apps) => apps.filter((app) => app.type === 'WORKER' || app.type === 'SERVICE')],
];

describe('the Torii file\'s licenses', () => {
  let sql: Sql;
  let store: StoreActivities;
  let dir: string;

  beforeAll(async () => {
    sql = postgresStore(process.env.TEST_DATABASE_URL as string, 4);
    await migrate(sql);
    store = createStoreActivities({ sql, adminLookupLimit: 1000, chainSplitAbove: 10_000 });
    dir = await mkdtemp(join(tmpdir(), 'torii-file-licenses-'));
  });
  afterAll(async () => {
    await sql?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(shapes)('%s', async (name, pick) => {
    const directory: Directory = { ...base, applications: pick(withoutAdminOnly(base.applications)) };
    const key: SnapshotKey = { connectionId: `file-licenses-${shapes.findIndex(([n]) => n === name)}-${Date.now().toString(36)}`, snapshotId: 'current' };
    await seedSnapshot(sql, key, directory, directory.users);
    const plan = await store.planAccess(key);
    await store.finalizeSnapshot({ ...key, omittedAppIds: plan.omittedAppIds, sentUsersWritten: plan.sentUsersWritten });

    const written = await writeToriiFile(sql, key, join(dir, `${key.connectionId}.json`));
    const file = JSON.parse(await readFile(written.path, 'utf8')) as ToriiFile;
    const expected = expectedToriiFile(directory).file;
    expect(sortedFile(file)).toEqual(sortedFile(expected));
    expect(written.licenses).toBe(expected.licenses.length);
    expect(new Set(file.licenses.map((l) => l.name)).size).toBe(file.licenses.length);
  });

  it('covers each shape it claims', () => {
    const expectedOf = (pick: (apps: SimApplication[]) => SimApplication[]) => expectedToriiFile({ ...base, applications: pick(withoutAdminOnly(base.applications)) }).file;
    const [both, openOnly, listedOnly, none] = shapes.map(([, pick]) => expectedOf(pick));
    expect(both.licenses.length).toBeGreaterThan(openOnly.licenses.length);
    expect(openOnly.licenses.length).toBeGreaterThan(1);
    expect(listedOnly.licenses.length).toBeGreaterThan(1);
    expect(listedOnly.licenses.some((l) => l.users.length === 0)).toBe(true);
    expect(none.licenses).toHaveLength(0);
  });
});
