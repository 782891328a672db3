// `npm run bench`: one sync of a seeded directory through the real worker at a fixed per-request
// latency and rate budget, the same directory through the naive sequential script, and a table of
// what matters: wall time against the floor the budget sets, requests by kind, the speed-up, the
// worker's peak memory, and the history's size.
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { generateDirectory } from '../sim/directory';
import { recordAudit, type SignOn } from '../sim/pingone-audit';
import { seededRandom } from '../sim/random';
import { connectClient } from '../client/temporal';
import { startDevServer } from '../dev/dev-server';
import { startSync } from '../client/start-sync';
import { loadConfig } from '../contract/config';
import { activityDeps, openStore } from '../worker/wiring';
import { chainFigures, type ChainFigures } from './chains';
import { historyFigures, noHistoryFigures } from './history';
import { cpuMs, descendantsNamed, machineCpuMs, rssMb } from './process-cpu';
import { naiveSync } from './naive';
import { startStack, startWorkerProcess } from './stack';

interface BenchOptions {
  users: string;
  latency: string;
  budget: string;
  concurrency: string;
  groups: string;
  applications: string;
  runs: string;
  naive: boolean;
  preset?: string;
  timeline?: boolean;
  trace?: boolean;
  events: string;
  mapped: string;
  auditPageSize?: string;
}

/** Sign-on events spread over the last 13 days, each a random user signing on to a random application. */
function signOns(users: { id: string }[], apps: { id: string }[], n: number, seed: number): SignOn[] {
  const rnd = seededRandom(seed);
  const now = Date.now();
  return Array.from({ length: n }, () => ({
    userId: users[Math.floor(rnd() * users.length)].id,
    appId: apps[Math.floor(rnd() * apps.length)].id,
    at: new Date(now - 13 * 24 * 3600_000 + Math.floor(rnd() * 13 * 24 * 3600_000)),
  }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function bench(opts: BenchOptions): Promise<void> {
  const smoke = opts.preset === 'smoke';
  // "chain": 20,000 users, one unsplit population of 14,710 users (74 pages of 200 in one cursor chain),
  // few groups, so PingOne's floor is the chain's latency, not the budget.
  const chain = opts.preset === 'chain';
  // "usage": a 100,000-user directory with 3,000,000 sign-on events and 5 mapped applications.
  const usage = opts.preset === 'usage';
  const users = smoke ? 2000 : usage ? 100_000 : chain ? 20_000 : Number(opts.users);
  const events = usage ? 3_000_000 : Number(opts.events);
  const mapped = usage ? 5 : Number(opts.mapped);
  const latencyMs = Number(opts.latency);
  const budget = Number(opts.budget);
  const concurrency = Number(opts.concurrency);
  const runs = Number(opts.runs);
  const groups = smoke ? 20 : chain ? 30 : Number(opts.groups);
  const applications = smoke ? 12 : chain ? 20 : Number(opts.applications);
  const populationShares = chain ? [0.73, 0.17, 0.06, 0.04] : [0.6, 0.25, 0.1, 0.05];
  const started = Date.now();
  // Most apps sit behind groups, as in a real tenant; an app open to everyone adds a license row per user.
  const directory = generateDirectory({ seed: 42, users, groups, applications, populationShares, unrestrictedAppShare: 0.1 });
  console.error(`seeded ${users} users, ${directory.groups.length} groups, ${directory.applications.length} applications in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const stack = await startStack(directory, latencyMs, budget, opts.auditPageSize === undefined ? undefined : Number(opts.auditPageSize));
  onFailure.push(() => stack.close());
  if (events > 0) {
    const t = Date.now();
    for (let done = 0; done < events; done += 100_000) recordAudit(directory, stack.pingone.origin, signOns(directory.users, directory.applications, Math.min(100_000, events - done), 43 + done));
    console.error(`recorded ${events} audit events in ${((Date.now() - t) / 1000).toFixed(1)} s; benchmark process RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  }
  const applicationAccounts = directory.applications
    .filter((a) => a.enabled && !a.accessControl?.role && !['WORKER', 'PING_ONE_ADMIN_CONSOLE', 'PING_ONE_PORTAL', 'PING_ONE_SELF_SERVICE'].includes(a.type))
    .slice(0, mapped)
    .map((a, i) => ({ pingOneApplicationId: a.id, toriiAppAccountId: 100 + i }));
  const server = await startDevServer({});
  onFailure.push(() => server.teardown());
  const env = { ...stack.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: 'bench', PINGONE_REQUESTS_PER_SECOND: String(budget), PINGONE_CONCURRENCY: String(concurrency),
    ...(chain ? { PINGONE_CHAIN_SPLIT_USERS: '20000' } : {}),
  };
  const config = loadConfig({ ...process.env, ...env });
  const worker = await startWorkerProcess(env);
  onFailure.push(() => worker.stop());
  const client = await connectClient(config);
  const devServerPids = descendantsNamed(process.pid, 'temporal');
  const devServerCpu = () => devServerPids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
  // PostgreSQL's backends (children of the cluster this process started), listed again at a run's
  // end: a backend opened during the run counts from zero; one closed during it is lost.
  const postgresCpu = () => new Map(descendantsNamed(process.pid, 'postgres').map((pid) => [pid, cpuMs(pid) ?? 0]));
  const perRun: { wall: number; workerCpuMs: number; devServerCpuMs: number; simulatorCpuMs: number; chains: ChainFigures; listingCpuMs?: number; listingSeconds?: number; postgresCpuMs: number; machineCpuMs: number; stealMs: number; machineListingCpuMs?: number }[] = [];
  const walls: number[] = [];
  const rssSamples: number[] = [];
  let requestsByKind: Record<string, number> = {};
  let totalRequests = 0;
  let usageFigures = '-';
  let history = noHistoryFigures();
  try {
    for (let run = 1; run <= runs; run++) {
      const before = stack.pingone.requests.length;
      const t0 = Date.now();
      const cpu0 = { worker: cpuMs(worker.child.pid ?? 0) ?? 0, devServer: devServerCpu(), simulators: process.cpuUsage(), postgres: postgresCpu(), machine: machineCpuMs() };
      const sampler = setInterval(() => rssSamples.push(worker.peakRssMb()), 500);
      // The worker's CPU over time, so the listing's share can be told from the phases around it.
      // And the machine's (both cores), so a phase's idle share shows beside the worker's.
      const cpuSamples: { at: number; ms: number; rssMb: number; machineMs: number }[] = [];
      const cpuSampler = setInterval(() => cpuSamples.push({ at: Date.now(), ms: cpuMs(worker.child.pid ?? 0) ?? 0, rssMb: rssMb(worker.child.pid ?? 0), machineMs: machineCpuMs().busy }), 100);
      const handle = await startSync(client, {
        connectionId: `bench-${run}`,
        pingOne: { environmentId: directory.environmentId, clientId: stack.client.clientId, clientSecret: stack.client.clientSecret },
        torii: { appAccountId: 1 },
        options: { dryRun: false, rateLimit: { requestsPerSecond: budget, concurrency }, ...(applicationAccounts.length ? { applicationAccounts } : {}) },
      }, 'bench');
      const result = await handle.result();
      clearInterval(sampler);
      clearInterval(cpuSampler);
      walls.push((Date.now() - t0) / 1000);
      const requests = stack.pingone.requests.slice(before);
      perRun.push({
        wall: walls.at(-1) ?? 0,
        workerCpuMs: (cpuMs(worker.child.pid ?? 0) ?? 0) - cpu0.worker,
        devServerCpuMs: devServerCpu() - cpu0.devServer,
        simulatorCpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpu0.simulators)),
        postgresCpuMs: [...postgresCpu()].reduce((sum, [pid, ms]) => sum + ms - (cpu0.postgres.get(pid) ?? 0), 0),
        ...((m) => ({ machineCpuMs: m.busy - cpu0.machine.busy, stealMs: m.steal - cpu0.machine.steal }))(machineCpuMs()),
        chains: chainFigures(requests),
      });
      requestsByKind = {};
      for (const r of requests) requestsByKind[`${r.kind}${r.status === 429 ? ' (429)' : ''}`] = (requestsByKind[`${r.kind}${r.status === 429 ? ' (429)' : ''}`] ?? 0) + 1;
      totalRequests = requests.length;
      if (opts.timeline) {
        // Requests per second by kind: where the sync waits shows as a thin second.
        const start = requests[0]?.at ?? t0;
        const seconds = new Map<number, Record<string, number>>();
        for (const r of requests) {
          const s = Math.floor((r.at - start) / 1000);
          const row = seconds.get(s) ?? {};
          row[r.kind] = (row[r.kind] ?? 0) + 1;
          seconds.set(s, row);
        }
        // And the worker's CPU in each second (100% = one core busy) and its largest RSS in it.
        const inSecond = (s: number) => cpuSamples.filter((c) => c.at >= start + s * 1000 && c.at < start + (s + 1) * 1000);
        const cpuIn = (s: number, of: 'ms' | 'machineMs') => {
          const at = (t: number) => (cpuSamples.find((c) => c.at >= t) ?? cpuSamples.at(-1))?.[of] ?? 0;
          return (at(start + (s + 1) * 1000) - at(start + s * 1000)) / 10;
        };
        const last = Math.max(...seconds.keys(), Math.floor(((cpuSamples.at(-1)?.at ?? start) - start) / 1000));
        for (let s = 0; s <= last; s++) {
          const row = seconds.get(s) ?? {};
          const rss = Math.max(0, ...inSecond(s).map((c) => c.rssMb));
          console.error(`  t=${String(s).padStart(3)}s worker ${cpuIn(s, 'ms').toFixed(0).padStart(3)}% machine ${cpuIn(s, 'machineMs').toFixed(0).padStart(3)}% ${rss.toFixed(0)} MB | ${Object.entries(row).map(([k, n]) => `${k} ${n}`).join(', ')}`);
        }
      }
      history = await historyFigures(client, handle.workflowId);
      if (opts.trace) {
        // The first PingOne requests and the users chain's first and last pages, beside the events.
        const at = (t: number | undefined) => `${(((t ?? t0) - t0) / 1000).toFixed(3).padStart(8)} s`;
        for (const r of requests.slice(0, 8)) console.error(`${at(r.at)} PingOne ${r.kind}`);
        const users = requests.filter((r) => r.kind === 'users');
        console.error(`${at(users[0]?.at)} PingOne users: first page; ${at(users.at(-1)?.at)} last page; ${at(requests.at(-1)?.at)} last request`);
        for (const { at: t, event } of history.timeline) console.error(`${at(t)} ${event}`);
      }
      const spans = history.spanByActivity;
      console.error(`run ${run} after the listing: ${AFTER_LISTING.map((a) => `${a} ${(spans[a] ?? 0).toFixed(1)} s`).join(', ')}`);
      // The listing: from the first page-fetching activity scheduled to the last one completed.
      const windows = [history.windowByActivity.fetchPages ?? history.windowByActivity.fetchPage, history.windowByActivity.fetchListingsTogether].filter((w) => w !== undefined);
      const listing = windows.length ? { first: Math.min(...windows.map((w) => w.first)), last: Math.max(...windows.map((w) => w.last)) } : undefined;
      if (listing) {
        const at = (t: number, of: 'ms' | 'machineMs' = 'ms') => (cpuSamples.find((c) => c.at >= t) ?? cpuSamples.at(-1))?.[of] ?? 0;
        Object.assign(perRun[perRun.length - 1], {
          listingCpuMs: at(listing.last) - at(listing.first),
          listingSeconds: (listing.last - listing.first) / 1000,
          machineListingCpuMs: at(listing.last, 'machineMs') - at(listing.first, 'machineMs'),
        });
      }
      if (result.usage) {
        const span = history.spanByActivity.readUsagePage ?? 0;
        usageFigures =
          `${result.usage.eventsRead} events in ${result.usage.auditRequests} audit requests over ${span.toFixed(1)} s ` +
          `(${span > 0 ? (result.usage.eventsRead / span).toFixed(0) : '-'} events/s); ${result.usage.appsPublished} app files ` +
          `(publishAppAccount ${(history.spanByActivity.publishAppAccount ?? 0).toFixed(1)} s)`;
      }
      console.error(`run ${run}: ${walls.at(-1)?.toFixed(1)} s, ${result.usersActive + result.usersDisabled + result.usersLocked + result.usersVerificationRequired} users sent, ${result.licenseAssignments} license assignments, ${totalRequests} requests, ${history.runs} workflow runs`);
    }
  } finally {
    await worker.stop();
  }

  let naiveWall: number | undefined;
  if (opts.naive) {
    const sql = await openStore(config);
    const deps = activityDeps({ ...config, PINGONE_REQUESTS_PER_SECOND: budget, PINGONE_CONCURRENCY: 1 }, sql);
    const t0 = Date.now();
    await naiveSync(deps, { connectionId: 'bench-naive', pingOne: { environmentId: directory.environmentId, clientId: stack.client.clientId, clientSecret: stack.client.clientSecret } }, { appAccountId: 1 }, randomUUID());
    naiveWall = (Date.now() - t0) / 1000;
    await sql.close();
  }
  await server.teardown();
  await stack.close();

  const wall = median(walls);
  // The run whose wall time is the median gives the per-run figures beside it.
  const mid = perRun.find((r) => r.wall === wall) ?? perRun[0];
  const budgetFloor = totalRequests / budget;
  const chainFloor = (mid.chains.longest * latencyMs) / 1000;
  const floor = Math.max(budgetFloor, chainFloor);
  const pages = mid.chains.pages;
  const rows: [string, string][] = [
    ['directory', `${users} users in 4 populations (${populationShares.map((s) => `${+(s * 100).toFixed(1)}`).join('/')}%), ${directory.groups.length} groups, ${directory.applications.length} applications`],
    ['PingOne latency / budget', `${latencyMs} ms per request / ${budget} requests/s, concurrency ${concurrency}`],
    [`wall time (median of ${walls.length})`, `${wall.toFixed(1)} s (runs: ${walls.map((w) => w.toFixed(1)).join(', ')})`],
    ['PingOne requests', `${totalRequests}: ${Object.entries(requestsByKind).sort().map(([k, n]) => `${k} ${n}`).join(', ')}`],
    ['listing pages / longest cursor chain', `${pages} pages / ${mid.chains.longest} pages (${mid.chains.longestListing})`],
    ['floor = max(requests ÷ budget, longest chain × latency)', `${floor.toFixed(1)} s = max(${budgetFloor.toFixed(1)} s, ${chainFloor.toFixed(1)} s)`],
    ['wall ÷ floor', `${(wall / floor).toFixed(2)}`],
    ['wall − floor', `${(wall - floor).toFixed(1)} s`],
    ['worker CPU (/proc)', `${(mid.workerCpuMs / 1000).toFixed(1)} s: ${(mid.workerCpuMs / pages).toFixed(1)} ms per page, ${((mid.workerCpuMs / users) * 1000).toFixed(0)} ms per 1,000 users (runs: ${perRun.map((r) => (r.workerCpuMs / r.chains.pages).toFixed(1)).join(', ')} ms per page)`],
    ['worker CPU during the listing (first page activity scheduled → last completed)', mid.listingCpuMs === undefined ? '-' :
      `${(mid.listingCpuMs / 1000).toFixed(1)} s over ${mid.listingSeconds?.toFixed(1)} s: ${(mid.listingCpuMs / pages).toFixed(1)} ms per page; the rest of the sync ${((mid.workerCpuMs - mid.listingCpuMs) / 1000).toFixed(1)} s`],
    ['dev server CPU (/proc)', devServerPids.length === 0 ? 'not found' : `${(mid.devServerCpuMs / 1000).toFixed(1)} s: ${(mid.devServerCpuMs / pages).toFixed(1)} ms per page, ${((mid.devServerCpuMs / users) * 1000).toFixed(0)} ms per 1,000 users`],
    ['PostgreSQL CPU (/proc, its backends)', `${(mid.postgresCpuMs / 1000).toFixed(1)} s: ${(mid.postgresCpuMs / pages).toFixed(1)} ms per page`],
    ['machine CPU (/proc/stat, both cores: 200% = both busy; steal apart)', machineFigures(mid)],
    ['simulators CPU (this process: PingOne, Torii, the client)', `${(mid.simulatorCpuMs / 1000).toFixed(1)} s: ${(mid.simulatorCpuMs / pages).toFixed(1)} ms per page`],
    ['naive sequential script', naiveWall === undefined ? 'not run (--no-naive)' : `${naiveWall.toFixed(1)} s`],
    ['speed-up over naive', naiveWall === undefined ? '-' : `${(naiveWall / wall).toFixed(1)}×`],
    ['usage read (beside the listings)', usageFigures],
    ['worker peak RSS', `${Math.max(worker.peakRssMb(), ...rssSamples).toFixed(0)} MB`],
    ['history events per run (max)', `${history.maxEventsPerRun} (${history.runs} runs, ${history.totalEvents} events in all)`],
    ['history events per 1,000 pages', `${((history.totalEvents / (perRun.at(-1)?.chains.pages ?? pages)) * 1000).toFixed(0)} (the last sync's)`],
    ['largest payload in history', `${(history.largestPayloadBytes / 1024).toFixed(1)} KB (${history.largestPayloadEvent})`],
    ['page fetches per workflow run', history.pagesByRun.map((r) => `${r.pages} pages in ${r.seconds.toFixed(1)} s (queued ${r.meanQueuedMs.toFixed(0)} ms, running ${r.meanRunningMs.toFixed(0)} ms on average, ${((r.pages * (r.meanQueuedMs + r.meanRunningMs)) / 1000 / r.seconds).toFixed(1)} in flight; ${r.workflowTasks} workflow tasks, queued ${r.meanTaskQueuedMs.toFixed(0)} ms, running ${r.meanTaskMs.toFixed(0)} ms)`).join('; ')],
    ['activity spans (first scheduled → last completed)', Object.entries(history.spanByActivity).map(([k, s]) => `${k} ${s.toFixed(1)} s`).join(', ')],
  ];
  console.log('| figure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

/**
 * What a failed benchmark stops on its way out, last started first: the worker process, the dev
 * server and the simulators' stack with its PostgreSQL cluster live apart from this process and
 * would outlive it, skewing every benchmark after it.
 */
const onFailure: (() => Promise<unknown>)[] = [];

/** The activities after the listing, each one's span printed per run (the table has the median run's). */
const AFTER_LISTING = ['planAccess', 'readAdminRoles', 'finalizeSnapshot', 'buildToriiFile', 'uploadToriiFile', 'syncTorii'];

/** The machine's busy share over the sync, during its listing and after it, against its two cores. */
function machineFigures(run: { wall: number; machineCpuMs: number; stealMs: number; machineListingCpuMs?: number; listingSeconds?: number }): string {
  const share = (ms: number, seconds: number) => `${((ms / 1000 / seconds) * 100).toFixed(0)}%`;
  const whole = `${(run.machineCpuMs / 1000).toFixed(1)} s over ${run.wall.toFixed(1)} s: ${share(run.machineCpuMs, run.wall)} (and ${(run.stealMs / 1000).toFixed(1)} s stolen by the host)`;
  if (run.machineListingCpuMs === undefined || run.listingSeconds === undefined) return whole;
  const restMs = run.machineCpuMs - run.machineListingCpuMs;
  const restSeconds = run.wall - run.listingSeconds;
  return `${whole}; during the listing ${share(run.machineListingCpuMs, run.listingSeconds)}, the rest of the sync ${share(restMs, restSeconds)} (${(restMs / 1000).toFixed(1)} s over ${restSeconds.toFixed(1)} s)`;
}

new Command('bench')
  .option('--users <n>', 'PingOne users', '100000')
  .option('--latency <ms>', 'per-request latency of the PingOne simulator', '50')
  .option('--budget <rps>', 'rate budget in requests per second', '100')
  .option('--concurrency <n>', 'requests in flight the budget allows', '16')
  .option('--groups <n>', 'groups', '300')
  .option('--applications <n>', 'applications', '60')
  .option('--runs <n>', 'syncs to time (the median is reported)', '1')
  .option('--no-naive', 'skip the naive sequential script')
  .option('--preset <name>', '"smoke": 2,000 users, 20 groups, 12 apps (CI); "chain": 20,000 users, 30 groups, 20 apps, one 74-page cursor chain; "usage": 100,000 users, 3,000,000 sign-on events, 5 mapped apps')
  .option('--events <n>', 'sign-on events in the audit log (the usage read)', '0')
  .option('--mapped <n>', 'applications published to app accounts of their own', '0')
  .option('--audit-page-size <n>', 'events per audit page the PingOne simulator allows (default: its page size, 200)')
  .option('--timeline', 'print PingOne requests per second by kind')
  .option('--trace', "print each run's activity events and its first PingOne requests, in seconds since the sync started")
  .action(bench)
  .parseAsync()
  .then(() => process.exit(0))
  .catch(async (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    for (const stop of onFailure.reverse()) await stop().catch(() => undefined);
    process.exit(1);
  });
