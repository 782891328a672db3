// The deployment files agree with the code they run: the compose stack registers exactly the
// search attributes the workflow upserts, passes only variables the configuration schema knows
// (a misspelt one would be silently ignored), and starts commands that exist. (`docker-compose
// config` in .ci/run checks the file's syntax; no container engine runs here.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';
import { WorkerConfigSchema } from '../contract/config';
import { SYNC_SEARCH_ATTRIBUTES } from '../contract/search-attributes';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../worker/node-process';

const root = join(__dirname, '..');
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

/** The lines of one top-level block (`x-sync-env:`) or service (`  worker:`), up to the next sibling. */
function block(header: RegExp): string[] {
  const lines = compose.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start === -1) throw new Error(`no ${header} in docker-compose.yml`);
  const indent = lines[start].length - lines[start].trimStart().length;
  const end = lines.findIndex((line, i) => i > start && line.trim() !== '' && !line.trimStart().startsWith('#') && line.length - line.trimStart().length <= indent);
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

/** Variable names set in a block's `environment:` map (and the anchored shared map). */
function variables(lines: string[]): string[] {
  return lines.map((line) => /^\s+([A-Z][A-Z0-9_]*):/.exec(line)?.[1]).filter((name): name is string => name !== undefined);
}

describe('docker-compose.yml', () => {
  it('registers exactly the search attributes the sync upserts', () => {
    const registered = [...compose.matchAll(/^\s+register (\w+) (\w+)$/gm)].map(([, name, type]) => `${name}:${type.toUpperCase()}`).sort();
    expect(registered).toEqual(SYNC_SEARCH_ATTRIBUTES.map((key) => `${key.name}:${key.type}`).sort());
  });

  it('gives the worker and the codec server only variables the configuration schema reads', () => {
    const known = new Set(Object.keys(WorkerConfigSchema.shape));
    const passed = [...variables(block(/^x-sync-env:/)), ...variables(block(/^ {2}worker:$/)), ...variables(block(/^ {2}codec-server:$/))];
    expect(passed.length).toBeGreaterThan(8);
    expect(passed.filter((name) => !known.has(name))).toEqual([]);
  });

  it('starts commands the image builds', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    // The default command is the worker's entry point (with npm start's node flags).
    expect(dockerfile).toMatch(/^CMD \["node", (?:"--[a-z-]+=\d+", )*"dist\/worker\/main\.js"\]$/m);
    expect(existsSync(join(root, 'worker', 'main.ts'))).toBe(true);
    expect(compose).toContain('command: ["node", "dist/client/cli.js", "codec-server"]');
    const cliSources = ['cli.ts', 'verify-command.ts'].map((f) => join(root, 'client', f)).filter(existsSync).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(cliSources).toMatch(/\.command\('codec-server'\)/);
  });
});

// `npm start` and the image spell out the worker's node flags and malloc setting; the benchmarks
// and the shipped-worker test take them from worker/node-process.ts. Written out thrice, held as one.
describe('the worker process starts the same everywhere', () => {
  const flags = WORKER_NODE_FLAGS.join(' ');
  const env = Object.entries(WORKER_PROCESS_ENV);

  it('npm start runs node with WORKER_NODE_FLAGS and WORKER_PROCESS_ENV', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    const command = /&& (.*)$/.exec(start)?.[1];
    expect(command).toBe(`${env.map(([name, value]) => `${name}=${value}`).join(' ')} node ${flags} dist/worker/main.js`);
  });

  it('the Dockerfile runs node with WORKER_NODE_FLAGS and sets WORKER_PROCESS_ENV', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/worker/main.js']);
    // The final stage's ENV block (the build stage sets none).
    const envBlock = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? '';
    for (const [name, value] of env) expect(envBlock).toMatch(new RegExp(`(^|\\s)${name}=${value}(\\s|$)`));
  });
});

// Nothing exposed by default: the parsed compose file (not its text) publishes every port on the
// host's loopback only, and no service has a default password to fall back on.
describe('docker-compose.yml exposes nothing by default', () => {
  const parsed = parse(compose) as { services: Record<string, { ports?: (string | { host_ip?: string; published?: string | number })[]; environment?: Record<string, unknown> }> };
  const services = Object.entries(parsed.services);

  it('publishes the Temporal frontend, the UI, the codec server and the metrics on 127.0.0.1 only', () => {
    const published = services.flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port })));
    expect(published.map(({ name }) => name).sort()).toEqual(['codec-server', 'temporal', 'temporal-ui', 'worker']);
    for (const { name, port } of published) {
      // "127.0.0.1:8080:8080" or the long form; a bare "8080:8080" binds every interface.
      const hostIp = typeof port === 'string' ? /^(\d+\.\d+\.\d+\.\d+):\d+:\d+$/.exec(port)?.[1] : port.host_ip;
      expect({ name, hostIp }).toEqual({ name, hostIp: '127.0.0.1' });
    }
  });

  it('has no default password: POSTGRES_PASSWORD is required wherever it is used', () => {
    const uses = services.flatMap(([name, service]) =>
      Object.entries(service.environment ?? {})
        .filter(([, value]) => typeof value === 'string' && value.includes('POSTGRES_PASSWORD'))
        .map(([variable, value]) => ({ name, variable, value: String(value) })),
    );
    expect(uses.map(({ name }) => name).sort()).toEqual(['postgresql', 'temporal', 'worker']);
    for (const use of uses) {
      // ${VAR:?message} fails the start when unset; ${VAR:-default} or ${VAR-default} would fall back.
      expect(use.value).toMatch(/\$\{POSTGRES_PASSWORD:\?[^}]+\}/);
      expect(use.value).not.toMatch(/\$\{POSTGRES_PASSWORD:?-/);
    }
    expect(compose).not.toMatch(/change-me/);
  });

  it('keeps .env out of version control and out of the image', () => {
    for (const file of ['.gitignore', '.dockerignore']) {
      expect(readFileSync(join(root, file), 'utf8').split('\n').map((line) => line.trim())).toContain('.env');
    }
  });

  it('listens for metrics on loopback unless told otherwise', () => {
    expect(WorkerConfigSchema.parse({}).METRICS_HOST).toBe('127.0.0.1');
  });
});

// The image is built from its context and shipped with production dependencies only (Dockerfile):
// the checkout's tools stay out of both, so the product must not reach for them.
describe('the image holds the product alone', () => {
  const PRODUCT = ['contract', 'workflows', 'activities', 'worker', 'client'];
  const TOOLS = ['test', 'sim', 'dev', 'bench'];

  it('leaves the tests, the simulators, the demo and the benchmark out of its build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(TOOLS.filter((folder) => !ignored.includes(folder))).toEqual([]);
  });

  it('runs without them: no product module imports a tool folder or a dev dependency', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const devDependencies = new Set(Object.keys(pkg.devDependencies));
    const packageName = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    const files = PRODUCT.flatMap((folder) =>
      readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(folder, f)),
    );
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const specs = [...readFileSync(join(root, file), 'utf8').matchAll(/(?:from |require(?:\.resolve)?\()'([^']+)'/g)].map(([, spec]) => spec);
      const outside = specs.filter((spec) =>
        spec.startsWith('.') ? !PRODUCT.includes(relative(root, join(root, dirname(file), spec)).split('/')[0]) : devDependencies.has(packageName(spec)),
      );
      expect({ file, outside }).toEqual({ file, outside: [] });
    }
  });
});
