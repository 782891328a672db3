// The PostgreSQL pool survives a connection's death (the server restarted it, a proxy cut it) idle
// in the pool, between a transaction's statements and in the middle of a COPY: the error reaches the
// store's listener instead of ending the worker (and every sync on it), the work on that connection
// fails so its activity can retry, and the next query runs on a fresh connection.
import { Client } from 'pg';
import { postgresStore, type Sql } from '../activities/store/sql';
import { startPostgresProxy } from './support/postgres-proxy';
import { testDatabaseUrl } from './support/test-database';

/** A store of one connection whose losses are collected, and an admin connection to end its backend. */
async function storeWithAdmin(): Promise<{ sql: Sql; lost: Error[]; terminate: (pid: number) => Promise<void>; close: () => Promise<void> }> {
  const lost: Error[] = [];
  const sql = postgresStore(testDatabaseUrl(), 1, (err) => lost.push(err));
  const admin = new Client({ connectionString: testDatabaseUrl() });
  await admin.connect();
  return {
    sql,
    lost,
    terminate: async (pid) => void (await admin.query('SELECT pg_terminate_backend($1)', [pid])),
    close: async () => {
      await admin.end();
      await sql.close();
    },
  };
}

const waitFor = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('the PostgreSQL pool', () => {
  it('drops an idle connection that was terminated, without crashing, and goes on', async () => {
    const url = testDatabaseUrl();
    let idleError!: (err: Error) => void;
    const failed = new Promise<Error>((resolve) => (idleError = resolve));
    const sql = postgresStore(url, 1, idleError);
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      const [{ pid }] = (await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      // The pooled connection is idle now; the server ends it.
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      expect((await failed).message).toMatch(/terminat/i);
      const { rows } = await sql.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await sql.close();
    }
  });

  it('fails a transaction whose connection was terminated between its statements, without crashing, and goes on', async () => {
    const store = await storeWithAdmin();
    try {
      const transaction = store.sql.transaction(async (tx) => {
        const [{ pid }] = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
        // The connection is checked out and between statements: no query of its own hears the loss.
        await store.terminate(pid);
        await waitFor(() => store.lost.length > 0);
        await tx.query('SELECT 1');
      });
      // Said in words, retryable: pg's own is "Client has encountered a connection error and is not queryable".
      await expect(transaction).rejects.toMatchObject({ name: 'StoreConnectionLost', problem: { retryable: true } });
      expect(store.lost.map((e) => e.message).join(' ')).toMatch(/terminat/i);
      const { rows } = await store.sql.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('fails a COPY whose connection was cut while it streamed, without crashing, and goes on', async () => {
    const proxy = await startPostgresProxy(testDatabaseUrl());
    const lost: Error[] = [];
    const sql = postgresStore(proxy.url, 1, (err) => lost.push(err));
    try {
      const read = (async () => {
        let first = true;
        for await (const _chunk of sql.copyLines('SELECT to_json(g)::text FROM generate_series(1, 20000000) AS g', [])) {
          if (first) {
            first = false;
            proxy.cut();
          }
        }
      })();
      await expect(read).rejects.toMatchObject({ name: 'StoreConnectionLost', message: expect.stringMatching(/terminated unexpectedly/i) });
      await waitFor(() => lost.length > 0);
      expect(lost.map((e) => e.message).join(' ')).toMatch(/terminated unexpectedly/i);
      const { rows } = await sql.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await sql.close();
      await proxy.close();
    }
  });
});
