// Who is sent, on real PostgreSQL, through the store's activities as the workflow calls them:
// planAccess writes the sent users beside the access, and finalizing after it leaves those rows as
// they are; a plan recorded before planAccess wrote them (a sync in flight across a deploy) has
// finalizing write them. Either way they are the oracle's users, deletions included.
import { createStoreActivities, type StoreActivities } from '../activities/store/activities';
import type { SnapshotKey } from '../activities/store/pages';
import { migrate } from '../activities/store/schema';
import { postgresStore, type Sql } from '../activities/store/sql';
import { seedSnapshot } from '../dev/seed-snapshot';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiUser } from './oracle/expected';

const directory = generateDirectory({ seed: 57, users: 600, groups: 12, applications: 10 });
/** The current listing: every tenth user of the last published one is gone. */
const current: Directory = { ...directory, users: directory.users.filter((_, i) => i % 10 !== 3) };

interface SentRow { user_id: string; email: string; status: string; external_status: string; xmin: string }
type Sent = Pick<ToriiUser, 'id' | 'email' | 'status' | 'externalStatus'>;
const byId = (a: Sent, b: Sent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('the sent users', () => {
  let sql: Sql;
  let store: StoreActivities;
  const connectionId = `sent-users-${Date.now().toString(36)}`;
  const previous: SnapshotKey = { connectionId, snapshotId: 'published' };
  let expected: Sent[];

  const sentRows = async (key: SnapshotKey) =>
    (
      await sql.query<SentRow>(
        'SELECT user_id, email, status, external_status, xmin::text AS xmin FROM snapshot_sent_users WHERE connection_id = $1 AND snapshot_id = $2 ORDER BY user_id',
        [key.connectionId, key.snapshotId],
      )
    ).rows;
  const asSent = (rows: SentRow[]): Sent[] => rows.map((r) => ({ id: r.user_id, email: r.email, status: r.status as Sent['status'], externalStatus: r.external_status as Sent['externalStatus'] })).sort(byId);

  beforeAll(async () => {
    sql = postgresStore(process.env.TEST_DATABASE_URL as string, 4);
    await migrate(sql);
    store = createStoreActivities({ sql, adminLookupLimit: 1000, chainSplitAbove: 10_000 });
    await seedSnapshot(sql, previous, directory, directory.users);
    const plan = await store.planAccess(previous);
    await store.finalizeSnapshot({ ...previous, omittedAppIds: plan.omittedAppIds, sentUsersWritten: plan.sentUsersWritten });
    await store.closeSnapshot({ ...previous, status: 'published', fileId: 1, summary: {} });
    const before = expectedToriiFile(directory).file.users;
    expected = expectedToriiFile(current, { previouslySent: before }).file.users.map(({ id, email, status, externalStatus }) => ({ id, email, status, externalStatus })).sort(byId);
  });
  afterAll(() => sql?.close());

  it('are written by planAccess, and finalizing after it leaves its rows as they are', async () => {
    const key: SnapshotKey = { connectionId, snapshotId: 'planned' };
    await seedSnapshot(sql, key, current, current.users);
    const plan = await store.planAccess(key);
    expect(plan.sentUsersWritten).toBe(true);
    const planned = await sentRows(key);
    expect(asSent(planned)).toEqual(expected);
    expect(expected.filter((u) => u.status === 'deleted').length).toBeGreaterThan(0);

    await store.finalizeSnapshot({ ...key, omittedAppIds: plan.omittedAppIds, sentUsersWritten: true });
    // The same rows, not a second write of them: each row keeps the transaction that inserted it.
    expect(await sentRows(key)).toEqual(planned);
  });

  it('are written by finalizing when the plan does not say planAccess wrote them', async () => {
    const key: SnapshotKey = { connectionId, snapshotId: 'recorded-before' };
    await seedSnapshot(sql, key, current, current.users);
    const plan = await store.planAccess(key);
    // A plan recorded before planAccess wrote the sent users, against rows its worker never wrote.
    await sql.query('DELETE FROM snapshot_sent_users WHERE connection_id = $1 AND snapshot_id = $2', [key.connectionId, key.snapshotId]);
    const finalized = await store.finalizeSnapshot({ ...key, omittedAppIds: plan.omittedAppIds });
    expect(asSent(await sentRows(key))).toEqual(expected);
    expect(finalized.usersDeleted).toBe(expected.filter((u) => u.status === 'deleted').length);
  });
});
