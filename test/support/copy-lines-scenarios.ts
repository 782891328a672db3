// What test/copy-lines.test.ts does with a store, in one place, so the embedded store (which runs
// only outside jest's VM: PGlite imports modules dynamically) does exactly what PostgreSQL does.
import type { Sql } from '../../activities/store/sql';

export type Scenario = 'inside' | 'outside' | 'stopEarlyThenAgain' | 'missingParameter';

/** What a scenario gave: the lines' bytes (base64), and for stopEarlyThenAgain what the abandoned transaction threw and what came after. */
export interface ScenarioResult {
  bytes?: string;
  error?: string;
  after?: string;
  select?: unknown;
}

async function readAll(lines: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of lines) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function runScenario(sql: Sql, scenario: Scenario, query: string, params: string[]): Promise<ScenarioResult> {
  switch (scenario) {
    case 'inside':
      return { bytes: (await sql.transaction((tx) => readAll(tx.copyLines(query, params)))).toString('base64') };
    case 'outside':
      return { bytes: (await readAll(sql.copyLines(query, params))).toString('base64') };
    case 'stopEarlyThenAgain': {
      let error = 'none';
      try {
        await sql.transaction(async (tx) => {
          for await (const chunk of tx.copyLines(query, params)) if (chunk.length > 0) throw new Error('the reader gave up');
        });
      } catch (err) {
        error = (err as Error).message;
      }
      const after = await sql.transaction((tx) => readAll(tx.copyLines(query, [JSON.stringify(['after']), 't'])));
      const { rows } = await sql.query('SELECT 1 AS one');
      return { error, after: after.toString('base64'), select: rows };
    }
    case 'missingParameter':
      try {
        await readAll(sql.copyLines('SELECT $3::text AS record', ['a']));
        return {};
      } catch (err) {
        return { error: (err as Error).message };
      }
  }
}
