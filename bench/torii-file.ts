// Times the Torii file's two phases as the worker runs them, and what they cost its memory: the
// file written from a seeded store (writeToriiFile) and uploaded through a presigned URL to the
// Torii simulator on loopback (toriiApi's upload), in a child process started as a worker's is
// (worker/node-process.ts). The parent holds PostgreSQL and the simulator, samples the child's RSS
// every 10 ms, and prints per phase the wall time, the child's CPU, the simulator's CPU (the
// parent's, during the upload) and the child's RSS at the phase's start and its peak in it.
//
//   npm run build && npm run simulator-tls && NODE_EXTRA_CA_CERTS=.cache/simulator-tls/localhost.pem \
//     node dist/bench/torii-file.js --users 100000 --runs 3   (the simulator speaks HTTPS: sim/tls.ts)
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { Command } from 'commander';
import { deriveAccessAndSentUsers, planAdminLookups } from '../activities/store/access';
import { finalizeSnapshot } from '../activities/store/finalize';
import { migrate } from '../activities/store/schema';
import { postgresStore } from '../activities/store/sql';
import type { SnapshotKey } from '../activities/store/pages';
import { createHttp } from '../activities/pingone/http';
import { toriiApi } from '../activities/torii/api';
import { writeToriiFile } from '../activities/torii/file';
import { startPostgres, stopPostgres } from '../dev/postgres';
import { startToriiSimulator } from '../sim/torii';
import { WORKER_PROCESS_ENV } from '../worker/node-process';
import { seedSnapshots } from './after-listing';
import { cpuMs, descendantsNamed, rssMb } from './process-cpu';
import { benchWorkerNodeFlags } from './stack';

const WORKER_FLAGS = benchWorkerNodeFlags();
const ADMIN_LOOKUP_LIMIT = 1000;

interface ChildArgs {
  storeUrl: string;
  key: SnapshotKey;
  path: string;
  apiUrl: string;
  apiKey: string;
  allowedHost: string;
}

type FromChild =
  | { phase: 'ready' }
  | { phase: 'built' | 'uploaded'; wallMs: number; cpuMs: number; bytes: number };

interface Phase {
  wallMs: number;
  childCpuMs: number;
  otherCpuMs: number;
  rssStartMb: number;
  rssPeakMb: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Short-lived garbage until the young generation stops growing: in the worker the listing has grown
 * it to its maximum (--max-semi-space-size) long before the file, so its growth is not the file's.
 */
function growYoungGeneration(): void {
  const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size;
  let sink: unknown[] = [];
  for (let round = 0, size = 0; round < 50 && newSpace() !== size; round++) {
    size = newSpace();
    for (let i = 0; i < 2_000_000; i++) sink = [i, sink.length];
  }
}

/** The child: what the worker's buildToriiFile and uploadToriiFile do, timed. */
async function child(args: ChildArgs): Promise<void> {
  const sql = postgresStore(args.storeUrl, 4);
  const http = createHttp({ requestTimeoutMs: 600_000, maxResponseBytes: 8 * 1024 * 1024 });
  const sink = toriiApi(http, args.apiUrl, args.apiKey, undefined, [args.allowedHost]);
  const send = (message: FromChild) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
  const go = () => new Promise<void>((resolve) => process.once('message', () => resolve()));
  try {
    // A worker after its listing has its store connections open and libuv's thread pool started.
    await Promise.all([1, 2, 3].map(() => sql.transaction((tx) => tx.query('SELECT pg_sleep(0.05)'))));
    await readFile(__filename);
    growYoungGeneration();
    await send({ phase: 'ready' });
    await go();
    const timed = async <T>(body: () => Promise<T>) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const value = await body();
      const used = process.cpuUsage(cpu);
      return { value, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
    };
    const built = await timed(() => writeToriiFile(sql, args.key, args.path));
    await send({ phase: 'built', wallMs: built.wallMs, cpuMs: built.cpuMs, bytes: built.value.bytes });
    await go();
    const uploaded = await timed(() => sink.upload(args.path, built.value.bytes));
    await send({ phase: 'uploaded', wallMs: uploaded.wallMs, cpuMs: uploaded.cpuMs, bytes: built.value.bytes });
  } finally {
    await sql.close();
  }
}

async function main(opts: { users: string; runs: string }): Promise<void> {
  const users = Number(opts.users);
  const runs = Number(opts.runs);
  const cluster = await startPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'torii-file-'));
  const sql = postgresStore(cluster.url, 4);
  const torii = await startToriiSimulator({ apiKey: 'bench-torii-key', checkFilesUpToBytes: 256 * 1024 * 1024 });
  try {
    await migrate(sql);
    const seeding = Date.now();
    const { previous, current } = await seedSnapshots(sql, users);
    const omitted = planAdminLookups(await deriveAccessAndSentUsers(sql, current, previous.snapshotId), ADMIN_LOOKUP_LIMIT).omittedAppIds;
    await finalizeSnapshot(sql, current, previous.snapshotId, omitted, true);
    console.error(`seeded and finalized ${users} users in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);

    const postgresPid = cluster.process.pid!;
    const postgresCpu = () => descendantsNamed(postgresPid, 'postgres').reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
    const phases: Record<'build' | 'upload', Phase[]> = { build: [], upload: [] };
    let bytes = 0;
    for (let run = 0; run < runs; run++) {
      const args: ChildArgs = {
        storeUrl: cluster.url,
        key: current,
        path: join(dir, `run-${run}.json`),
        apiUrl: torii.apiUrl,
        apiKey: 'bench-torii-key',
        allowedHost: new URL(torii.origin).host,
      };
      const worker: ChildProcess = fork(__filename, ['--child', JSON.stringify(args)], {
        execArgv: WORKER_FLAGS,
        env: { ...WORKER_PROCESS_ENV, ...process.env },
      });
      const next = () => new Promise<FromChild>((resolve, reject) => {
        worker.once('message', (message) => resolve(message as FromChild));
        worker.once('exit', (code) => reject(new Error(`the child exited (${code})`)));
      });
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(worker.pid!))), 10);
      const phase = async (other: () => number): Promise<{ figures: Phase; message: FromChild }> => {
        const rssStartMb = rssMb(worker.pid!);
        peak = rssStartMb;
        const otherBefore = other();
        worker.send('go');
        const message = await next();
        if (message.phase === 'ready') throw new Error('the child answered out of turn');
        return { figures: { wallMs: message.wallMs, childCpuMs: message.cpuMs, otherCpuMs: other() - otherBefore, rssStartMb, rssPeakMb: peak }, message };
      };
      try {
        await next();
        const built = await phase(postgresCpu);
        phases.build.push(built.figures);
        if (built.message.phase !== 'ready') bytes = built.message.bytes;
        const ownCpu = () => {
          const used = process.cpuUsage();
          return (used.user + used.system) / 1000;
        };
        phases.upload.push((await phase(ownCpu)).figures);
      } finally {
        clearInterval(sampler);
        worker.kill();
        await rm(args.path, { force: true });
      }
      console.error(`run ${run + 1}: ${JSON.stringify({ build: phases.build[run], upload: phases.upload[run] })}`);
    }

    const mb = (v: number) => `${v.toFixed(1)} MB`;
    const s = (v: number) => `${(v / 1000).toFixed(2)} s`;
    console.log(`the Torii file, ${users} users, ${runs} runs, medians (file ${(bytes / 1e6).toFixed(1)} MB), worker flags ${WORKER_FLAGS.join(' ')}:`);
    console.log('| phase | wall | worker CPU | PostgreSQL (build) / simulator (upload) CPU | worker RSS at start | worker peak RSS | peak − start |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [name, figures] of Object.entries(phases)) {
      const m = (pick: (f: Phase) => number) => median(figures.map(pick));
      console.log(
        `| ${name} | ${s(m((f) => f.wallMs))} | ${s(m((f) => f.childCpuMs))} | ${s(m((f) => f.otherCpuMs))} | ${mb(m((f) => f.rssStartMb))} | ${mb(m((f) => f.rssPeakMb))} | ${mb(m((f) => f.rssPeakMb - f.rssStartMb))} |`,
      );
    }
    console.log(`runs (wall s; peak − start MB): ${Object.entries(phases).map(([p, f]) => `${p} ${f.map((x) => `${(x.wallMs / 1000).toFixed(2)}; ${(x.rssPeakMb - x.rssStartMb).toFixed(1)}`).join(' / ')}`).join(' — ')}`);
    // The simulator keeps every file it was sent: a later run's upload would not see the same heap.
  } finally {
    await torii.close();
    await sql.close();
    stopPostgres(cluster);
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === '--child') {
    child(JSON.parse(process.argv[3]) as ChildArgs).catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
  } else {
    new Command()
      .option('--users <n>', 'users in the snapshot', '100000')
      .option('--runs <n>', 'runs (each a fresh child process)', '3')
      .action((opts) => main(opts))
      .parseAsync()
      .catch((err) => {
        console.error(err);
        process.exitCode = 1;
      });
  }
}
