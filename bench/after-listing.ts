// Times the phases that follow a complete listing (the split population checks, planAccess's
// derivation, finalizeSnapshot, the Torii file) straight against a seeded store, without PingOne,
// Temporal or Torii: the store and file functions alone, several runs, medians. Each phase's wall
// time, the Node thread's CPU and PostgreSQL's CPU are printed, so a change shows where it moved work.
//
//   npm run build && node dist/bench/after-listing.js --users 100000 --runs 3 [--out file.json]
//
// The snapshot is the one `npm run bench` lists (the same seed, 300 groups, 60 applications, the
// same population shares), written with the store's own page writers, and a published snapshot
// before it (the directory with 1% fewer users added since), so finalizing sends deletions too.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { deriveAccessAndSentUsers, planAdminLookups } from '../activities/store/access';
import { checkSplitPopulation } from '../activities/store/chains';
import { finalizeSnapshot } from '../activities/store/finalize';
import type { SnapshotKey } from '../activities/store/pages';
import { closeSnapshot } from '../activities/store/snapshots';
import { migrate } from '../activities/store/schema';
import { postgresStore, type Sql } from '../activities/store/sql';
import { writeToriiFile } from '../activities/torii/file';
import { startPostgres, stopPostgres } from '../dev/postgres';
import { seedSnapshot } from '../dev/seed-snapshot';
import { generateDirectory, type Directory } from '../sim/directory';
import { cpuMs, descendantsNamed } from './process-cpu';

const CONNECTION = 'bench-connection';
/** PINGONE_CHAIN_SPLIT_USERS's default: populations above it are checked after their prefix chains. */
const SPLIT_ABOVE = 10_000;
/** PINGONE_ADMIN_LOOKUP_LIMIT's default. */
const ADMIN_LOOKUP_LIMIT = 1000;

interface Figures {
  wallMs: number;
  nodeCpuMs: number;
  postgresCpuMs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A published snapshot and, after it, the current one: the directory less 1% of its users. */
export async function seedSnapshots(sql: Sql, users: number): Promise<{ directory: Directory; previous: SnapshotKey; current: SnapshotKey }> {
  const directory = generateDirectory({ seed: 42, users, groups: 300, applications: 60, populationShares: [0.6, 0.25, 0.1, 0.05], unrestrictedAppShare: 0.1 });
  const previous: SnapshotKey = { connectionId: CONNECTION, snapshotId: 'previous' };
  const current: SnapshotKey = { connectionId: CONNECTION, snapshotId: 'current' };
  await seedSnapshot(sql, previous, directory, directory.users);
  await deriveAccessAndSentUsers(sql, previous, null);
  await finalizeSnapshot(sql, previous, null, [], true);
  await closeSnapshot(sql, previous, 'published', 1, {});
  await seedSnapshot(sql, current, directory, directory.users.filter((_, i) => i % 100 !== 7));
  await sql.exec('VACUUM ANALYZE');
  return { directory, previous, current };
}

async function measure(postgresPid: number, body: () => Promise<unknown>): Promise<Figures> {
  // Per process: the pool opens and closes backends as it goes; one that exits during the phase
  // is not counted after its last reading (a slight undercount, never a negative figure).
  const postgresCpu = () => new Map(descendantsNamed(postgresPid, 'postgres').map((pid) => [pid, cpuMs(pid) ?? 0]));
  const pgBefore = postgresCpu();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await body();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  let postgresCpuMs = 0;
  for (const [pid, ms] of postgresCpu()) postgresCpuMs += ms - (pgBefore.get(pid) ?? 0);
  return { wallMs, nodeCpuMs: (cpu.user + cpu.system) / 1000, postgresCpuMs };
}

async function main(opts: { users: string; runs: string; out?: string }): Promise<void> {
  const users = Number(opts.users);
  const runs = Number(opts.runs);
  const cluster = await startPostgres();
  const dir = await mkdtemp(join(tmpdir(), 'after-listing-'));
  const sql = postgresStore(cluster.url, 4);
  try {
    await migrate(sql);
    const seeding = Date.now();
    const { directory, previous, current } = await seedSnapshots(sql, users);
    console.error(`seeded two snapshots of ${users} users in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);

    const postgresPid = cluster.process.pid!;
    const split = directory.populations.map((p) => p.id);
    const phases: Record<string, Figures[]> = { checkSplitPopulation: [], planAccess: [], finalizeSnapshot: [], writeToriiFile: [] };
    let omitted: string[] = [];
    let bytes = 0;
    for (let run = 0; run < runs; run++) {
      // A sync derives and finalizes its snapshot once: each run starts with nothing derived and no
      // dead rows of the previous run, or each insert would check its key against their versions.
      for (const table of ['snapshot_app_users', 'snapshot_sent_users', 'snapshot_licenses']) {
        await sql.query(`DELETE FROM ${table} WHERE connection_id = $1 AND snapshot_id = $2`, [current.connectionId, current.snapshotId]);
      }
      await sql.exec('VACUUM snapshot_app_users, snapshot_sent_users, snapshot_licenses');
      phases.checkSplitPopulation.push(
        await measure(postgresPid, async () => {
          const checks = await Promise.all(split.map((id) => checkSplitPopulation(sql, current, id)));
          if (checks.some((c) => c.expected > SPLIT_ABOVE && !c.complete)) throw new Error('a split population was found incomplete');
        }),
      );
      phases.planAccess.push(
        await measure(postgresPid, async () => {
          omitted = planAdminLookups(await deriveAccessAndSentUsers(sql, current, previous.snapshotId), ADMIN_LOOKUP_LIMIT).omittedAppIds;
        }),
      );
      phases.finalizeSnapshot.push(await measure(postgresPid, () => finalizeSnapshot(sql, current, previous.snapshotId, omitted, true)));
      const path = join(dir, `run-${run}.json`);
      phases.writeToriiFile.push(
        await measure(postgresPid, async () => {
          bytes = (await writeToriiFile(sql, current, path)).bytes;
        }),
      );
      if (opts.out && run === runs - 1) await copyFile(path, opts.out);
      await rm(path, { force: true });
    }

    console.log(`after the listing, ${users} users, ${runs} runs, medians (file ${(bytes / 1e6).toFixed(1)} MB):`);
    console.log('| phase | wall | Node CPU | PostgreSQL CPU |');
    console.log('|---|---|---|---|');
    for (const [phase, figures] of Object.entries(phases)) {
      const ms = (pick: (f: Figures) => number) => `${(median(figures.map(pick)) / 1000).toFixed(2)} s`;
      console.log(`| ${phase} | ${ms((f) => f.wallMs)} | ${ms((f) => f.nodeCpuMs)} | ${ms((f) => f.postgresCpuMs)} |`);
    }
    console.log(`runs (wall s): ${Object.entries(phases).map(([p, f]) => `${p} ${f.map((x) => (x.wallMs / 1000).toFixed(2)).join('/')}`).join('; ')}`);
  } finally {
    await sql.close();
    stopPostgres(cluster);
    await rm(dir, { recursive: true, force: true });
  }
}

// Run as a script; imported, it only seeds (for EXPLAIN sessions against the same snapshot).
if (require.main === module) {
  new Command()
    .option('--users <n>', 'users in the snapshot', '100000')
    .option('--runs <n>', 'runs of every phase', '3')
    .option('--out <file>', "keep the last run's Torii file here (to compare before and after with cmp)")
    .action((opts) => main(opts))
    .parseAsync()
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
