// The store's faults in a whole sync: the PostgreSQL connection cut while the Torii file's COPY runs
// (a failover, a proxy's cut) fails that build attempt as StoreConnectionLost, Temporal retries it,
// and the sync ends with exactly the expected file, synced once. The worker, and any other sync on
// it, goes on: an unheard loss would have ended this test's process.
import { randomUUID } from 'node:crypto';
import { postgresStore, type Sql } from '../activities/store/sql';
import { syncWorkflowId } from '../contract/sync';
import { generateDirectory } from '../sim/directory';
import type { SimClient } from '../sim/pingone';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import { activityHistory } from './support/activity-attempts';
import { connectionId, startHarness, type Harness } from './support/harness';
import { startPostgresProxy, type PostgresProxy } from './support/postgres-proxy';
import { testDatabaseUrl } from './support/test-database';
import { sortedFile } from './support/torii-file-order';

const directory = generateDirectory({ seed: 83, users: 300, groups: 10, applications: 12 });
const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-store-faults-Vq7d', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
const expected = expectedToriiFile(directory);

describe('store faults', () => {
  let h: Harness;
  let proxy: PostgresProxy;
  let store: Sql;
  const lost: Error[] = [];

  beforeAll(async () => {
    proxy = await startPostgresProxy(testDatabaseUrl());
    store = postgresStore(proxy.url, 5, (err) => lost.push(err));
    h = await startHarness({ pingone: { environments: [directory], clients: [client] }, deps: { sql: store } });
  });
  afterAll(async () => {
    await h?.close();
    await store?.close();
    await proxy?.close();
  });

  it('a connection cut mid-COPY of the Torii file: the build is retried and the file is exact, synced once', async () => {
    // The file's rows are the only COPY a sync runs.
    proxy.cutWhenSent('COPY (');
    const id = connectionId('tcut');
    const result = await h.sync(h.input(id, client, directory));
    expect(proxy.cuts).toBe(1);
    expect(lost.map((e) => e.message).join(' ')).toMatch(/terminated unexpectedly/i);

    const synced = h.torii.syncs.filter((s) => s.fileId === result.toriiFileId);
    expect(synced).toHaveLength(1);
    expect(sortedFile(synced[0].file as ToriiFile)).toEqual(sortedFile(expected.file));

    // The cut cost the build one attempt, failed as retryable, and nothing else.
    const { starts } = await activityHistory(h.env.client, syncWorkflowId(id));
    const retried = starts.filter((s) => s.attempt > 1);
    expect(retried).toEqual([{ activityType: 'buildToriiFile', attempt: 2, lastFailure: { type: 'StoreConnectionLost', nonRetryable: false } }]);
  });
});
