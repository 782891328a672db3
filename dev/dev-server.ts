// Owns locating the Temporal CLI binary and starting the embedded Temporal dev server (demo, benchmark and tests).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, accessSync, constants as fsConstants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClientOptionsForTestEnv, LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { SYNC_SEARCH_ATTRIBUTES } from '../contract/search-attributes';

const PACKAGE_NAME = 'pingone-torii-sync';
// Pinned: later CLI tags carry replace directives in go.mod, which makes `go install pkg@version` refuse them.
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`${line}\n`);

/** The repository root: the nearest ancestor holding our package.json (works from dev/ and dist/dev/). */
export function repoRoot(start: string = __dirname): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === PACKAGE_NAME) return dir;
      } catch {
        // An unreadable package.json is not ours; keep walking.
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`could not find the ${PACKAGE_NAME} package.json above ${start}`);
  }
}

/** Git-ignored place where the CLI is built and cached. */
export function cachedCliPath(): string {
  return path.join(repoRoot(), '.cache', 'bin', 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // Go's own progress goes to our stderr so a minutes-long build is visibly alive.
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/**
 * Find a Temporal CLI binary: $TEMPORAL_CLI_PATH, `temporal` on PATH, the repo cache, or a fresh `go install`
 * into the repo cache. Returns undefined when none can be had; the caller then lets the SDK download one.
 */
export async function resolveTemporalCli(log: Log = defaultLog): Promise<string | undefined> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    // An explicit setting that points nowhere is a mistake to report, not to paper over with a fallback.
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist or is not executable`);
    return fromEnv;
  }
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;

  const cached = cachedCliPath();
  if (isExecutable(cached)) return cached;

  const go = findOnPath('go');
  if (!go) return undefined;
  const gobin = path.dirname(cached);
  log(`Building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${gobin}; this can take several minutes the first time...`);
  const started = Date.now();
  // -mod=mod keeps a GOFLAGS=-mod=vendor from the environment from breaking the module-mode install.
  const code = await run(go, ['install', TEMPORAL_CLI_MODULE], { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' }).catch(
    () => null,
  );
  if (code === 0 && isExecutable(cached)) {
    log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s: ${cached}`);
    return cached;
  }
  log(`go install of the Temporal CLI failed (exit ${code}); falling back to the SDK's download`);
  return undefined;
}

/** A free TCP port on loopback; the tiny race until the server binds it is acceptable for dev and tests. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

type ServerOptions = NonNullable<LocalTestWorkflowEnvironmentOptions['server']>;

export interface DevServerOptions {
  /** Default: the sync's own (a sync upserting an unregistered attribute would fail its workflow task). */
  searchAttributes?: ServerOptions['searchAttributes'];
  extraArgs?: string[];
  /** Start the web UI too; read its address with devServerUiUrl(env). */
  ui?: boolean;
  /** The UI's port; default a free one. */
  uiPort?: number;
  /** The codec endpoint the UI decodes payloads through (the CLI's --ui-codec-endpoint). */
  uiCodecEndpoint?: string;
  namespace?: string;
  /** A CLI binary to use as is; skips resolveTemporalCli. */
  cliPath?: string;
  /** Options of `env.client`, e.g. the encrypting data converter. */
  client?: ClientOptionsForTestEnv;
  log?: Log;
}

// The UI address is not on TestWorkflowEnvironment, so it is remembered per environment here.
const uiUrls = new WeakMap<TestWorkflowEnvironment, string>();

/** The web UI address of an environment started with ui: true, else undefined. */
export function devServerUiUrl(env: TestWorkflowEnvironment): string | undefined {
  return uiUrls.get(env);
}

/** Start a Temporal dev server (in-memory, random port). Call env.teardown() to stop it. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const cli = opts.cliPath ?? (await resolveTemporalCli(opts.log));
  // Without uiPort the SDK uses port+1000, which may be taken; pick a free one ourselves.
  const uiPort = opts.ui ? (opts.uiPort ?? (await freePort())) : undefined;
  const codecArgs = opts.ui && opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [];
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      ui: opts.ui ?? false,
      uiPort,
      extraArgs: [...(opts.extraArgs ?? []), ...codecArgs],
      searchAttributes: opts.searchAttributes ?? SYNC_SEARCH_ATTRIBUTES,
      namespace: opts.namespace,
    },
    client: opts.client,
  });
  if (uiPort !== undefined) uiUrls.set(env, `http://127.0.0.1:${uiPort}`);
  return env;
}
