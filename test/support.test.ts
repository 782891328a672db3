// Owns the smoke test of the test infrastructure itself: database reachable, dev server starts and answers.
import { Client } from 'pg';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestServer, uniqueTaskQueue } from './support/temporal';

describe('test support', () => {
  it('reaches the test database', async () => {
    const url = process.env.TEST_DATABASE_URL;
    expect(url).toBeTruthy();
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>('select version()');
      expect(rows[0].version).toMatch(/PostgreSQL/);
    } finally {
      await client.end();
    }
  });

  it('runs the test database with a language collation, not byte order', async () => {
    const locale = process.env.TEST_DATABASE_LOCALE; // set by global setup when it started the cluster
    if (!locale) return; // TEST_DATABASE_URL names a database the tests did not start
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ collation: string; ordered: string[] }>(
        "SELECT datcollate AS collation, (SELECT array_agg(w ORDER BY w) FROM unnest(ARRAY['b', 'B', 'a', 'A']) AS w) AS ordered FROM pg_database WHERE datname = current_database()",
      );
      expect(rows[0].collation).toBe(locale);
      // Byte order (C) would give A B a b.
      if (locale === 'en_US.UTF-8') expect(rows[0].ordered).toEqual(['a', 'A', 'b', 'B']);
    } finally {
      await client.end();
    }
  });

  describe('Temporal dev server', () => {
    let env: TestWorkflowEnvironment | undefined;
    afterAll(async () => {
      await env?.teardown();
    });

    it('starts and answers', async () => {
      env = await startTestServer();
      const info = await env.client.workflowService.getSystemInfo({});
      expect(info.capabilities).toBeTruthy();
      const { namespaces } = await env.client.workflowService.listNamespaces({});
      expect(namespaces.map((n) => n.namespaceInfo?.name)).toContain('default');
    });
  });

  it('makes unique task queues', () => {
    expect(uniqueTaskQueue('q')).not.toEqual(uniqueTaskQueue('q'));
    expect(uniqueTaskQueue('sync')).toMatch(/^sync-/);
  });
});
