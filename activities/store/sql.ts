// The store's one seam: a tiny SQL interface that both PostgreSQL (through `pg`) and the embedded
// default (PGlite, PostgreSQL compiled to WebAssembly) implement, so every query is written once.
import { mkdir } from 'node:fs/promises';
import { Pool, types } from 'pg';
import { redact } from '../../contract/redact';

export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Runs `body` in one transaction, for writes that stand or fall together: a snapshot opened,
   * finalized or closed, derived access, an app account settled, a usage read completed, a migration.
   * A page needs none: it is written in one statement (store/pages.ts).
   */
  transaction<T>(body: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Memory a sort or hash of a whole-snapshot statement may take before it spills to temporary files.
 * PostgreSQL's default (4 MB) spilled the access derivation's sort (8.7 MB at 20,000 users), the
 * sent users' insert (13 MB) and the file's cursor (25-30 MB) at 100,000 users; 64 MB keeps them in
 * memory at 100,000 users and leaves a million-user sync fewer merge passes (BENCHMARKS.md,
 * issue 13 ninth pass). A sync runs at most two such transactions at once (access.ts).
 */
const WHOLE_SNAPSHOT_WORK_MEM_BYTES = 64 * 1024 * 1024;

/**
 * Settings for the rest of a transaction whose statements derive, finalize or read a whole snapshot.
 *
 * JIT off: their estimated costs pass the JIT thresholds (the recursive group ancestry is estimated
 * at ~50 times the rows it yields: 34,461 for 653 at 100,000 users), and compiling with inlining and
 * optimization is not recovered by one pass: 0.54 s of the file's users query's 1.6 s at 100,000
 * users; planAccess at 1,000,000 users 11.4 → 9.7 s (BENCHMARKS.md, issue 13 second pass).
 *
 * work_mem at least WHOLE_SNAPSHOT_WORK_MEM_BYTES: raised, never lowered, so a database or role an
 * operator gave more keeps it.
 *
 * Local to the transaction, so it needs no session state (poolers) and leaves the rest alone.
 */
export async function forWholeSnapshot(tx: Sql): Promise<void> {
  // One statement, one round trip: set_config(..., true) is SET LOCAL.
  await tx.query(
    `SELECT set_config('jit', 'off', true),
            set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < $1::bigint
                                        THEN ($1::bigint / 1024)::text || 'kB' ELSE current_setting('work_mem') END, true)`,
    [WHOLE_SNAPSHOT_WORK_MEM_BYTES],
  );
}

// bigint columns (Torii file ids, counts) fit in a JS number here; pg returns strings by default.
types.setTypeParser(20, (value: string) => Number(value));

/**
 * `onIdleError`: what to do when an idle pooled connection fails (the server restarted, a proxy cut
 * it). The pool drops that connection and opens another when needed; without a listener the error
 * would be thrown out of the event loop and end the worker.
 */
export function postgresStore(connectionString: string, max = 10, onIdleError: (err: Error) => void = logIdleError): Sql {
  const pool = new Pool({ connectionString, max });
  pool.on('error', onIdleError);
  const wrap = (q: { query: Pool['query'] }): Sql['query'] => async (text, params) => {
    const result = await q.query(text, params as unknown[]);
    return { rows: result.rows };
  };
  return {
    query: wrap(pool),
    exec: async (text) => void (await pool.query(text)),
    async transaction(body) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const inner: Sql = {
          query: wrap(client),
          exec: async (text) => void (await client.query(text)),
          transaction: (nested) => nested(inner),
          close: async () => undefined,
        };
        const result = await body(inner);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function logIdleError(err: Error): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg: `An idle PostgreSQL connection failed and was dropped: ${redact(err.message)}` })}\n`);
}

/** The embedded default: a PGlite database in a folder, so no server is needed. */
export async function embeddedStore(dataDir: string): Promise<Sql> {
  const { PGlite } = await import('@electric-sql/pglite');
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  type Queryable = { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> };
  const wrap = (q: Queryable): Sql['query'] => async <Row>(text: string, params?: unknown[]) => {
    const result = await q.query(text, params);
    return { rows: result.rows as Row[] };
  };
  return {
    query: wrap(db),
    exec: async (text) => void (await db.exec(text)),
    transaction: (body) =>
      db.transaction(async (tx) => {
        const inner: Sql = {
          query: wrap(tx),
          exec: async (text) => void (await tx.exec(text)),
          transaction: (nested) => nested(inner),
          close: async () => undefined,
        };
        return body(inner);
      }),
    close: () => db.close(),
  };
}
