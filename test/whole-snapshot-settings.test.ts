// The settings of a transaction that derives, finalizes or reads a whole snapshot (store/sql.ts
// forWholeSnapshot): JIT off and at least 64 MB for a sort before it spills to disk, for that
// transaction alone, never lowering what an operator gave the database or role. The expected values
// are PostgreSQL's own spellings, not read from the code under test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { forWholeSnapshot, postgresStore, type Sql } from '../activities/store/sql';
import { testDatabaseUrl } from './support/test-database';

const run = promisify(execFile);

const show = async (sql: Sql, name: string) => (await sql.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];

/** A sort of ~10 MB of text, EXPLAIN ANALYZEd: PostgreSQL says whether it stayed in memory. */
const sortMethod = async (sql: Sql) => {
  const { rows } = await sql.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, COSTS OFF) SELECT md5(i::text) || md5((i * 7)::text) AS t FROM generate_series(1, 120000) i ORDER BY 1`,
  );
  return rows.map((r) => r['QUERY PLAN']).find((line) => line.includes('Sort Method')) ?? '';
};

describe('a whole-snapshot transaction', () => {
  it('turns JIT off and sorts in memory, for that transaction only', async () => {
    const sql = postgresStore(testDatabaseUrl(), 1);
    try {
      expect(await show(sql, 'work_mem')).toBe('4MB');
      expect(await sortMethod(sql)).toMatch(/external merge/);
      const inside = await sql.transaction(async (tx) => {
        await forWholeSnapshot(tx);
        return { workMem: await show(tx, 'work_mem'), jit: await show(tx, 'jit'), sort: await sortMethod(tx) };
      });
      expect(inside).toEqual({ workMem: '64MB', jit: 'off', sort: expect.stringMatching(/quicksort/) });
      // The pool's one connection again: the settings ended with the transaction.
      expect(await show(sql, 'work_mem')).toBe('4MB');
      expect(await show(sql, 'jit')).not.toBe('off');
    } finally {
      await sql.close();
    }
  });

  it('keeps a larger work_mem an operator set', async () => {
    const url = new URL(testDatabaseUrl());
    url.searchParams.set('options', '-c work_mem=256MB');
    const sql = postgresStore(url.toString(), 1);
    try {
      const inside = await sql.transaction(async (tx) => {
        await forWholeSnapshot(tx);
        return show(tx, 'work_mem');
      });
      expect(inside).toBe('256MB');
    } finally {
      await sql.close();
    }
  });

  it('applies to the embedded store too', async () => {
    // PGlite loads its WebAssembly with a dynamic import, which jest's module sandbox refuses: the
    // embedded store is opened in a plain node process, as the worker opens it.
    const dir = await mkdtemp(join(tmpdir(), 'whole-snapshot-'));
    const script = `
      const { embeddedStore, forWholeSnapshot } = require(${JSON.stringify(join(__dirname, '..', 'activities', 'store', 'sql.ts'))});
      (async () => {
        const sql = await embeddedStore(${JSON.stringify(join(dir, 'pglite'))});
        const show = async (s, name) => (await s.query('SHOW ' + name)).rows[0][name];
        const inside = await sql.transaction(async (tx) => {
          await forWholeSnapshot(tx);
          return { workMem: await show(tx, 'work_mem'), jit: await show(tx, 'jit') };
        });
        const after = await show(sql, 'work_mem');
        await sql.close();
        process.stdout.write(JSON.stringify({ inside, after }));
      })().catch((err) => { console.error(err); process.exit(1); });`;
    try {
      const { stdout } = await run(process.execPath, ['-r', join(__dirname, 'support', 'swc-register.js'), '-e', script], { cwd: join(__dirname, '..') });
      const { inside, after } = JSON.parse(stdout);
      expect(inside).toEqual({ workMem: '64MB', jit: 'off' });
      expect(after).not.toBe('64MB');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
