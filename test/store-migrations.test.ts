// Migrations move data written under an older schema: a store filled by version 1 (which stored
// every user of an app open to all users row by row) reads the same after migrating to today's.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../activities/store/schema';
import { postgresStore, type Sql } from '../activities/store/sql';

describe('store migrations', () => {
  let admin: Client;
  let sql: Sql;
  const database = `migrations_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    const url = new URL(process.env.TEST_DATABASE_URL ?? '');
    admin = new Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    url.pathname = `/${database}`;
    sql = postgresStore(url.toString(), 2);
  });
  afterAll(async () => {
    await sql?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  it('drops the stored users of apps open to every user, and keeps group-derived and admin-only rows', async () => {
    await migrate(sql, 1);
    const key = ['c1', 's1'];
    await sql.query(
      `INSERT INTO snapshot_applications (connection_id, snapshot_id, app_id, name, type, enabled, admin_only, group_rule, group_ids)
       VALUES ($1, $2, 'open', 'Open', 'WEB_APP', true, false, NULL, '{}'),
              ($1, $2, 'grouped', 'Grouped', 'WEB_APP', true, false, 'ANY_GROUP', '{g1}'),
              ($1, $2, 'admins', 'Admins', 'WEB_APP', true, true, NULL, '{}')`,
      key,
    );
    await sql.query(
      `INSERT INTO snapshot_app_users (connection_id, snapshot_id, app_id, user_id)
       VALUES ($1, $2, 'open', 'u1'), ($1, $2, 'open', 'u2'), ($1, $2, 'grouped', 'u1'), ($1, $2, 'admins', 'u2')`,
      key,
    );

    await migrate(sql);
    await migrate(sql); // a second worker starting later finds nothing to do

    const { rows } = await sql.query<{ app_id: string; user_id: string }>(
      'SELECT app_id, user_id FROM snapshot_app_users ORDER BY app_id, user_id',
    );
    expect(rows).toEqual([
      { app_id: 'admins', user_id: 'u2' },
      { app_id: 'grouped', user_id: 'u1' },
    ]);
    const versions = await sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.rows.map((r) => Number(r.version))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('4: users stored before it read as verified (ACCOUNT_OK); the roles table starts empty', async () => {
    const other = `${database}_v4`;
    await admin.query(`CREATE DATABASE ${other}`);
    const url = new URL(process.env.TEST_DATABASE_URL ?? '');
    url.pathname = `/${other}`;
    const store = postgresStore(url.toString(), 1);
    try {
      await migrate(store, 3);
      await store.query(
        `INSERT INTO snapshot_users (connection_id, snapshot_id, user_id, username, email, enabled, locked)
         VALUES ('c1', 's1', 'u1', 'ann', 'ann@x.com', true, false)`,
      );
      await migrate(store);
      const { rows } = await store.query<{ verification_required: boolean }>('SELECT verification_required FROM snapshot_users');
      expect(rows).toEqual([{ verification_required: false }]);
      expect((await store.query('SELECT * FROM snapshot_roles')).rows).toEqual([]);
    } finally {
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${other}`);
    }
  });

  it('6: what an app account was sent before it reads with no last sign-on', async () => {
    const other = `${database}_v6`;
    await admin.query(`CREATE DATABASE ${other}`);
    const url = new URL(process.env.TEST_DATABASE_URL ?? '');
    url.pathname = `/${other}`;
    const store = postgresStore(url.toString(), 1);
    try {
      await migrate(store, 5);
      await store.query(
        `INSERT INTO usage_app_sent_users (connection_id, snapshot_id, app_id, user_id, email, first_name, last_name, status, external_status)
         VALUES ('c1', 's1', 'a1', 'u1', 'ann@x.com', 'Ann', 'Lee', 'active', 'enabled')`,
      );
      await migrate(store);
      const { rows } = await store.query<{ user_id: string; last_sign_on_at: Date | null }>('SELECT user_id, last_sign_on_at FROM usage_app_sent_users');
      expect(rows).toEqual([{ user_id: 'u1', last_sign_on_at: null }]);
    } finally {
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${other}`);
    }
  });
});
