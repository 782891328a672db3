// Sql.copyLines (activities/store/sql.ts): a query's one text column as bytes, each value and a
// newline, from PostgreSQL through COPY and from the embedded store through a cursor. The Torii file
// is written from these lines (torii/file.ts), so a value must come out byte for byte whatever it
// holds, parameters must arrive as the values they were (COPY takes none: they are inlined), and a
// COPY abandoned halfway must not leave a broken connection in the pool.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresStore, type Sql } from '../activities/store/sql';
import { runScenario, type Scenario, type ScenarioResult } from './support/copy-lines-scenarios';
import { testDatabaseUrl } from './support/test-database';

const run = promisify(execFile);

/** Values a person's name or a license's name may hold: every character COPY's formats treat specially, and JSON's. */
const HOSTILE = ['plain', 'a\nb', 'c\r\nd', '\u0001\u0002\u0003', 'tab\there', '"quoted"', 'back\\slash', "O'Brien", '$1 and $2', 'comma, and; semicolon', '名前 😀 Šimić', 'line\u2028separator', 'null', '', '\\N'];

/** One JSON object per value, written by PostgreSQL's to_json, in the values' order. */
const QUERY = `SELECT '{"v":' || to_json(t.x) || ',"tag":' || to_json($2::text) || '}' AS record
                 FROM json_array_elements_text($1::json) WITH ORDINALITY AS t(x, n)
                ORDER BY t.n`;

/** The lines copyLines gave, each parsed: every line must be whole JSON, and the bytes must end with a newline. */
function parsedLines(base64: string | undefined): unknown[] {
  const text = Buffer.from(base64 ?? '', 'base64').toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line));
}

type Runner = (scenario: Scenario, params: string[]) => Promise<ScenarioResult>;

/** PostgreSQL in this process, through a pool of one connection (a connection left mid-COPY would be the next one used). */
async function postgres(): Promise<{ run: Runner; close: () => Promise<void> }> {
  const sql: Sql = postgresStore(testDatabaseUrl(), 1);
  return { run: (scenario, params) => runScenario(sql, scenario, QUERY, params), close: () => sql.close() };
}

/** The embedded store in a child process per scenario, on one folder. */
async function embedded(): Promise<{ run: Runner; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'copy-lines-'));
  const root = join(__dirname, '..');
  return {
    run: async (scenario, params) => {
      // The parameters go in a file: a command line cannot hold 200,000 values.
      const paramsFile = join(dir, 'params.json');
      await writeFile(paramsFile, JSON.stringify(params));
      const script = `
        const { embeddedStore } = require('./activities/store/sql');
        const { runScenario } = require('./test/support/copy-lines-scenarios');
        (async () => {
          const sql = await embeddedStore(${JSON.stringify(join(dir, 'pglite'))});
          const result = await runScenario(sql, ${JSON.stringify(scenario)}, ${JSON.stringify(QUERY)}, JSON.parse(require('node:fs').readFileSync(${JSON.stringify(paramsFile)}, 'utf8')));
          await sql.close();
          process.stdout.write(JSON.stringify(result));
        })().catch((err) => { console.error(err); process.exit(1); });`;
      const { stdout } = await run(process.execPath, ['-r', join(root, 'test', 'support', 'swc-register.js'), '-e', script], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
      return JSON.parse(stdout) as ScenarioResult;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

describe.each([
  ['PostgreSQL (COPY)', postgres],
  ['the embedded store (a cursor)', embedded],
] as const)('copyLines on %s', (_name, open) => {
  let store: { run: Runner; close: () => Promise<void> };
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store?.close());

  it('gives every value byte for byte, one line each, in a transaction and outside one', async () => {
    const params = [JSON.stringify(HOSTILE), "tag with ' and $1"];
    const inside = await store.run('inside', params);
    expect(parsedLines(inside.bytes)).toEqual(HOSTILE.map((v) => ({ v, tag: "tag with ' and $1" })));
    const outside = await store.run('outside', params);
    expect(outside.bytes).toBe(inside.bytes);
  }, 60_000);

  it('gives many rows in order across chunks', async () => {
    const many = Array.from({ length: 30_000 }, (_, i) => `user ${i} 名前`);
    const { bytes } = await store.run('inside', [JSON.stringify(many), 't']);
    expect(parsedLines(bytes)).toEqual(many.map((v) => ({ v, tag: 't' })));
  }, 60_000);

  it('fails the transaction when its reader stops halfway, and the store serves the next one', async () => {
    const many = JSON.stringify(Array.from({ length: 200_000 }, (_, i) => `row ${i}`));
    const result = await store.run('stopEarlyThenAgain', [many, 't']);
    expect(result.error).toBe('the reader gave up');
    expect(parsedLines(result.after)).toEqual([{ v: 'after', tag: 't' }]);
    expect(result.select).toEqual([{ one: 1 }]);
  }, 60_000);

  it('refuses a parameter it was not given', async () => {
    expect((await store.run('missingParameter', ['a'])).error).toEqual(expect.any(String));
  }, 60_000);
});
