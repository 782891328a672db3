// The throwaway PostgreSQL cluster the tests, benchmarks and scripts start (dev/postgres.ts): a
// process that fails before it stops its cluster (a benchmark whose simulator would not start) must
// not leave a postgres running and its files behind. Observed from outside: the cluster's folder
// and whether anything still answers on its port.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acceptsOnLoopback } from './support/loopback';

const run = promisify(execFile);

describe('a throwaway PostgreSQL cluster', () => {
  it('is stopped and removed when the process that started it exits on an error', async () => {
    const root = join(__dirname, '..');
    const script = `
      const { startPostgres } = require('./dev/postgres');
      (async () => {
        const cluster = await startPostgres();
        process.stdout.write(JSON.stringify({ port: cluster.port, dir: cluster.dir }));
        throw new Error('the caller failed before it stopped the cluster');
      })().catch(() => process.exit(1));`;
    const failed = await run(process.execPath, ['-r', join(root, 'test', 'support', 'swc-register.js'), '-e', script], { cwd: root }).then(
      () => undefined,
      (err: { code?: number; stdout?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    const { port, dir } = JSON.parse(failed?.stdout ?? '{}') as { port: number; dir: string };
    expect(port).toBeGreaterThan(0);
    expect(existsSync(dir)).toBe(false);
    expect(await acceptsOnLoopback(port)).toBe(false);
  }, 60_000);
});
