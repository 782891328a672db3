// The PostgreSQL pool survives an idle connection's death (the server restarted it, a proxy cut it):
// the error reaches the pool's listener instead of ending the worker, and the next query runs on a
// fresh connection.
import { Client } from 'pg';
import { postgresStore } from '../activities/store/sql';

describe('the PostgreSQL pool', () => {
  it('drops an idle connection that was terminated, without crashing, and goes on', async () => {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_DATABASE_URL is unset: run the tests through jest');
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
});
