// Owns the private, throwaway PostgreSQL cluster the tests, the benchmark and record-histories run against.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './dev-server';

export const TEST_DATABASE = 'pingone_torii_test';

export interface PostgresCluster {
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  bindir: string;
  /** The cluster's locale (collation and character classes). */
  locale: string;
  process: ChildProcess;
  asPostgresUser: boolean;
}

const hasServer = (bindir: string) => existsSync(path.join(bindir, 'postgres')) && existsSync(path.join(bindir, 'initdb'));

/** Directory with initdb/postgres. pg_config alone is not enough: libpq-dev ships it without the server. */
export function findPostgresBindir(): string {
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (hasServer(bindir)) return bindir;
  } catch {
    // No pg_config; try Debian's versioned layout below.
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => hasServer(path.join(root, v, 'bin'))) : [];
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  if (versions.length) return path.join(root, versions[0], 'bin');
  throw new Error(
    'No PostgreSQL server binaries found (initdb/postgres). Install Debian\'s `postgresql` package ' +
      '(apt-get install -y postgresql) or set TEST_DATABASE_URL to an existing database.',
  );
}

// PostgreSQL refuses to run as root, so as root every server command goes through the postgres account.
function command(cluster: { bindir: string; asPostgresUser: boolean }, tool: string, args: string[]): [string, string[]] {
  const bin = path.join(cluster.bindir, tool);
  return cluster.asPostgresUser ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function waitForConnection(url: string, child: ChildProcess, logFile: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited early (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    }
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections in ${timeoutMs}ms: ${err}\n${tail(logFile)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The cluster's locale: TEST_POSTGRES_LOCALE, else en_US.UTF-8, which the machine must have generated. */
function clusterLocale(): string {
  const wanted = process.env.TEST_POSTGRES_LOCALE ?? 'en_US.UTF-8';
  const normalize = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  const available = execFileSync('locale', ['-a'], { encoding: 'utf8' }).split('\n').map(normalize);
  if (!available.includes(normalize(wanted))) {
    throw new Error(
      `The test PostgreSQL cluster needs the ${wanted} locale, which this machine lacks: ` +
        'generate it (Debian: apt-get install -y locales; uncomment it in /etc/locale.gen; locale-gen; .ci/run does this) ' +
        'or set TEST_POSTGRES_LOCALE to one `locale -a` lists.',
    );
  }
  return wanted;
}

/** initdb + start a cluster on a free loopback port, create the test database. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bindir = findPostgresBindir();
  const asPostgresUser = process.getuid?.() === 0;
  // /tmp rather than os.tmpdir(): the postgres account must reach it, and the socket path must stay short.
  const dir = mkdtempSync(path.join(asPostgresUser ? '/tmp' : os.tmpdir(), 'pgtest-'));
  if (asPostgresUser) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const base = { bindir, asPostgresUser };

  // --no-sync and the settings below trade durability, which a throwaway cluster does not need, for speed.
  // A real language locale, as production clusters have: under C every comparison is by byte, which
  // would hide a query whose order depends on the database's collation.
  const locale = clusterLocale();
  const [initCmd, initArgs] = command(base, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', `--locale=${locale}`, '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.error}):\n${init.stdout}\n${init.stderr}`);
  }

  // freePort() finds a port that was free a moment ago; another process on this shared machine may
  // bind it before postgres does (postgres cannot listen on port 0 and say which it got), so a lost
  // race is tried again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const [pgCmd, pgArgs] = command(base, 'postgres', [
      '-D', dataDir, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=localhost',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ]);
    // Log straight to a file in the temp dir (opened by us, so root-owned is fine); shown if startup fails.
    const logFd = openSync(logFile, 'a');
    const child = spawn(pgCmd, pgArgs, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd); // the child has its own copy
    // Unref'd so a setup that fails later cannot keep jest alive; teardown or the exit hook stops it.
    child.unref();
    const cluster: PostgresCluster = {
      url: `postgresql://postgres@localhost:${port}/${TEST_DATABASE}`,
      port, dir, dataDir, bindir, locale, process: child, asPostgresUser,
    };
    try {
      const adminUrl = `postgresql://postgres@localhost:${port}/postgres`;
      await waitForConnection(adminUrl, child, logFile);
      const admin = new Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${TEST_DATABASE}`);
      await admin.end();
      stopWhenProcessEnds(cluster);
      return cluster;
    } catch (err) {
      const exited = child.exitCode !== null || child.signalCode !== null;
      if (attempt < 3 && exited && /could not bind|address already in use/i.test(tail(logFile))) continue;
      stopPostgres(cluster);
      throw err;
    }
  }
}

/** The process hooks of each cluster not yet stopped (stopWhenProcessEnds): removing them is the cluster's stop. */
const endHooks = new WeakMap<PostgresCluster, () => void>();

/**
 * A process that ends before it stops its cluster (jest crashing or killed before its teardown, a
 * benchmark whose simulator would not start, Ctrl-C) must not leave a postgres and its files
 * behind: the cluster is stopped on exit, and on SIGINT, SIGTERM or SIGHUP, after which the signal
 * takes its default action. The hooks live as long as the cluster: stopPostgres removes them.
 */
function stopWhenProcessEnds(cluster: PostgresCluster): void {
  const onExit = () => stopPostgres(cluster);
  const onSignal = (signal: NodeJS.Signals) => {
    stopPostgres(cluster);
    process.kill(process.pid, signal); // this listener is gone now, so this takes the default action
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  process.once('exit', onExit);
  for (const signal of signals) process.once(signal, onSignal);
  endHooks.set(cluster, () => {
    process.off('exit', onExit);
    for (const signal of signals) process.off(signal, onSignal);
  });
}

/** Stop the cluster at once (no clean shutdown needed) and delete its files; a second call does nothing. Synchronous so it can run on exit. */
export function stopPostgres(cluster: PostgresCluster): void {
  const unhook = endHooks.get(cluster);
  if (!unhook) return;
  endHooks.delete(cluster);
  unhook();
  if (cluster.process.exitCode === null && cluster.process.signalCode === null) {
    const [cmd, args] = command(cluster, 'pg_ctl', ['stop', '-D', cluster.dataDir, '-m', 'immediate', '-w']);
    const res = spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
    // As root the child is runuser, so killing it would orphan postgres: signal the postmaster itself.
    if (res.status !== 0) killPostmaster(cluster);
  }
  rmSync(cluster.dir, { recursive: true, force: true });
}

function killPostmaster(cluster: PostgresCluster): void {
  try {
    const pid = Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // No pid file: the server never got that far; fall back to the direct child.
  }
  cluster.process.kill('SIGKILL');
}
