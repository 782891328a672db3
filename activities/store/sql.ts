// The store's one seam: a tiny SQL interface that both PostgreSQL (through `pg`) and the embedded
// default (PGlite, PostgreSQL compiled to WebAssembly) implement, so every query is written once.
import { mkdir } from 'node:fs/promises';
import { escapeLiteral, Pool, type PoolClient, types } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { redact } from '../../contract/redact';
import { ProblemError } from '../problem';

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
  /**
   * Streams the rows of `text`, a query of one text column whose values hold no control character
   * (JSON text written by to_json), as bytes: each value followed by a newline. PostgreSQL sends
   * them with COPY, so no row becomes a JS object or string on the way; `params` (strings) are
   * written into the statement as literals by pg's escapeLiteral, since COPY takes no parameters.
   */
  copyLines(text: string, params: string[]): AsyncIterable<Buffer>;
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
 * `onLost`: what to do when a pooled connection is lost (the server restarted, a proxy cut it): idle
 * in the pool, checked out between a transaction's statements, or cut while a statement or COPY ran
 * (pg fails that statement and also emits the loss on the client). Without a listener the error
 * would be thrown out of the event loop and end the worker, and every sync on it. The pool drops an
 * idle connection and opens another when needed; a checked-out one fails its statement or the next
 * (its activity retries) and is destroyed when it goes back.
 */
export function postgresStore(connectionString: string, max = 10, onLost: (err: Error) => void = logLostConnection): Sql {
  const pool = new Pool({ connectionString, max });
  pool.on('error', onLost);
  const wrap = (q: { query: Pool['query'] }): Sql['query'] => async (text, params) => {
    const result = await q.query(text, params as unknown[]);
    return { rows: result.rows };
  };
  return {
    query: wrap(pool),
    exec: async (text) => void (await pool.query(text)),
    async *copyLines(text, params) {
      const { client, release, explain } = await checkOut(pool, onLost);
      const copy = { unfinished: false };
      try {
        yield* copyOn(client, text, params, copy);
      } catch (err) {
        throw explain(err);
      } finally {
        release(copy.unfinished);
      }
    },
    async transaction(body) {
      const { client, release, explain } = await checkOut(pool, onLost);
      const copy = { unfinished: false };
      try {
        await client.query('BEGIN');
        const inner: Sql = {
          query: wrap(client),
          exec: async (text) => void (await client.query(text)),
          copyLines: (text, params) => copyOn(client, text, params, copy),
          transaction: (nested) => nested(inner),
          close: async () => undefined,
        };
        const result = await body(inner);
        // A COPY its caller stopped reading without an error: nothing may be committed after it.
        if (copy.unfinished) throw new Error('A COPY in this transaction was not read to its end.');
        await client.query('COMMIT');
        release(false);
        return result;
      } catch (err) {
        if (copy.unfinished) {
          release(true);
          throw explain(err);
        }
        await client.query('ROLLBACK').catch(() => undefined);
        release(false);
        throw explain(err);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * A connection taken from the pool, heard while it is out: its loss is an error event on the
 * client (postgresStore's `onLost`), between statements and, for a cut socket, during one too.
 * `release(destroy)` gives it back, destroyed if asked or if it was lost. `explain(err)`: the
 * failure of work on a lost connection, in words (pg's own is "Client has encountered a connection
 * error and is not queryable"); any other failure as it is.
 */
async function checkOut(
  pool: Pool,
  onLost: (err: Error) => void,
): Promise<{ client: PoolClient; release: (destroy: boolean) => void; explain: (err: unknown) => unknown }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const hear = (err: Error) => {
    lost ??= err;
    onLost(err);
  };
  client.on('error', hear);
  return {
    client,
    release(destroy) {
      client.off('error', hear);
      client.release(destroy || lost !== undefined);
    },
    explain: (err) =>
      lost === undefined || err instanceof ProblemError
        ? err
        : new ProblemError({
            type: 'StoreConnectionLost',
            cause: `The connection to PostgreSQL was lost in the middle of this step (${lost.message}).`,
            fix: 'Temporal retries the step on a new connection. If it keeps failing, check that the PostgreSQL server of DATABASE_URL is up and reachable from the worker.',
            retryable: true,
          }),
  };
}

/** `text` with each `$n` replaced by `params[n - 1]` as a quoted literal; every `$` in `text` must be a parameter. */
function withLiterals(text: string, params: string[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = params[Number(n) - 1];
    if (typeof value !== 'string') throw new Error(`copyLines: no string for parameter $${n}`);
    return escapeLiteral(value);
  });
}

/**
 * The lines of a COPY of `text` on `client`. CSV with a delimiter and a quote (0x01, 0x02) that
 * to_json never leaves unescaped: no value is quoted or escaped, so each line is the value's own
 * bytes. `copy.unfinished` is true until they are read to their end: a connection left in the
 * middle of a COPY can take no other statement, not even a ROLLBACK, so its owner closes it
 * instead of returning it to the pool (which ends a transaction on the server).
 */
async function* copyOn(client: PoolClient, text: string, params: string[], copy: { unfinished: boolean }): AsyncGenerator<Buffer> {
  const statement = `COPY (${withLiterals(text, params)}) TO STDOUT (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')`;
  copy.unfinished = true;
  yield* client.query(copyTo(statement));
  copy.unfinished = false;
}

function logLostConnection(err: Error): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg: `A PostgreSQL connection was lost and dropped: ${redact(err.message)}` })}\n`);
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
    // Outside a transaction a cursor cannot live: the rows are read at once (the file reads its
    // records in one, file-rows.ts, and so streams them).
    copyLines: (text, params) => (async function* () {
      const { rows } = await db.query(text, params);
      for (let at = 0; at < rows.length; at += 1000) yield linesOf(rows.slice(at, at + 1000));
    })(),
    transaction: (body) =>
      db.transaction(async (tx) => {
        const inner: Sql = {
          query: wrap(tx),
          exec: async (text) => void (await tx.exec(text)),
          copyLines: (text, params) => cursorLines(tx, text, params),
          transaction: (nested) => nested(inner),
          close: async () => undefined,
        };
        return body(inner);
      }),
    close: () => db.close(),
  };
}

function linesOf(rows: unknown[]): Buffer {
  return Buffer.from(`${rows.map((row) => Object.values(row as Record<string, string>)[0]).join('\n')}\n`);
}

/** Rows fetched from a cursor in the current transaction, as copyLines' bytes: PGlite has no COPY to a stream. */
async function* cursorLines(tx: { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }, text: string, params: string[]): AsyncGenerator<Buffer> {
  await tx.query(`DECLARE copy_lines NO SCROLL CURSOR FOR ${text}`, params);
  for (;;) {
    const { rows } = await tx.query('FETCH 1000 FROM copy_lines');
    if (rows.length === 0) break;
    yield linesOf(rows);
  }
  await tx.query('CLOSE copy_lines');
}
