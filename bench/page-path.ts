// The page path alone: what fetching a listing's pages and writing them to the store costs the
// worker's process, with no Temporal in the way. The parent starts PostgreSQL and the simulators;
// a child process (so its CPU is its own) follows every listing a sync reads (each population's
// users, each group's members and parents) through `fetchListingPages` on a few lanes, as the
// workflow's lanes would, and prints its CPU per page. `npm run bench:pages -- --users 20000`.
// `--floor <step>` follows the same pages with the libraries alone (got or Node's https, then
// JSON.parse, then one pg statement a page), so what the sync adds to them is measured apart.
import { fork } from 'node:child_process';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import got from 'got';
import { createHttp } from '../activities/pingone/http';
import { fetchListingPages } from '../activities/pingone/listing-pages';
import { RateBudgets } from '../activities/pingone/rate-budget';
import { TokenCache } from '../activities/pingone/token';
import { endpointsFor, pingOneApiFor } from '../activities/connection';
import { LISTINGS, USERNAME_PREFIXES } from '../activities/pingone/listings';
import { ProblemError } from '../activities/problem';
import { openSnapshot } from '../activities/store/snapshots';
import type { ListingRef } from '../contract/checkpoint';
import { loadConfig } from '../contract/config';
import { generateDirectory } from '../sim/directory';
import { openStore } from '../worker/wiring';
import { benchWorkerNodeFlags, startStack } from './stack';

/** How far the floor goes: Node's https alone, got alone, got and JSON.parse, or all three and pg. */
const FLOOR_STEPS = ['https', 'fetch', 'parse', 'write'] as const;
type FloorStep = (typeof FLOOR_STEPS)[number];

/** A GET with Node's own https and its global keep-alive agent: what got costs is measured against it. */
function httpsGet(url: string, headers: Record<string, string>): Promise<{ statusCode: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    https.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

interface ChildReport {
  pages: number;
  /** 429s the simulator answered. */
  limited: number;
  kept: number;
  wallMs: number;
  cpuMs: number;
  gcMs: number;
  peakRssMb: number;
}

async function parent(): Promise<void> {
  const opts = new Command()
    .option('--users <n>', 'PingOne users', '20000')
    .option('--groups <n>', 'groups', '30')
    .option('--latency <ms>', 'per-request latency of the PingOne simulator', '0')
    .option('--lanes <n>', 'listings followed at once', '8')
    .option('--budget <rps>', 'rate budget in requests per second', '100000')
    .option('--concurrency <n>', 'requests in flight the budget allows', '16')
    .option('--pingone-limit <rps>', "the simulator's own limit (a sliding second); default: the budget, at least 100")
    .option('--split', 'split each population by username prefix, as a sync splits a large one')
    .option('--runs <n>', 'passes over the listings (the median is reported)', '3')
    .addOption(new Option('--floor <step>', "the libraries' floor, no validation, mapping, budget or rows: each page fetched with Node's own https (https) or a bare got (fetch), then parsed with JSON.parse (parse), then written whole as one pg parameter (write)").choices(FLOOR_STEPS))
    .parse()
    .opts();
  const directory = generateDirectory({ seed: 42, users: Number(opts.users), groups: Number(opts.groups), applications: 10, populationShares: [0.73, 0.17, 0.06, 0.04], unrestrictedAppShare: 0.1 });
  const stack = await startStack(directory, Number(opts.latency), Number(opts.pingoneLimit ?? Math.max(Number(opts.budget), 100)));
  const reports: ChildReport[] = [];
  try {
    for (let run = 0; run < Number(opts.runs); run++) {
      const child = fork(__filename, ['--child'], {
        execPath: process.env.BENCH_CHILD_EXEC_PATH ?? process.execPath,
        env: { ...process.env, ...stack.env },
        execArgv: benchWorkerNodeFlags(),
      });
      child.send({
        lanes: Number(opts.lanes),
        split: Boolean(opts.split),
        floor: opts.floor as FloorStep | undefined,
        budget: { requestsPerSecond: Number(opts.budget), concurrency: Number(opts.concurrency) },
        environmentId: directory.environmentId,
        clientId: stack.client.clientId,
        clientSecret: stack.client.clientSecret,
        populations: directory.populations.map((p) => p.id),
        groups: directory.groups.map((g) => g.id),
      });
      reports.push(await new Promise<ChildReport>((resolve, reject) => {
        child.once('message', (m) => resolve(m as ChildReport));
        child.once('exit', (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
      }));
      const r = reports.at(-1)!;
      // The busiest second PingOne saw (a sliding window over the simulator's arrival stamps).
      const arrivals = stack.pingone.requests.slice(-r.pages - r.limited * 2).map((q) => q.at).sort((a, b) => a - b);
      let busiest = 0;
      for (let i = 0, j = 0; i < arrivals.length; i++) {
        while (arrivals[i] - arrivals[j] >= 1000) j++;
        busiest = Math.max(busiest, i - j + 1);
      }
      console.log(`  busiest second at the simulator: ${busiest} requests`);
      console.log(`run ${run + 1}: ${r.pages} pages (${((r.pages / r.wallMs) * 1000).toFixed(0)}/s, ${r.limited} answered 429), ${r.kept} records, ${r.wallMs.toFixed(0)} ms wall, ${(r.cpuMs / r.pages).toFixed(2)} ms CPU per page (GC ${(r.gcMs / r.pages).toFixed(2)} ms), peak RSS ${r.peakRssMb.toFixed(0)} MB`);
    }
  } finally {
    await stack.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`median: ${median(reports.map((r) => r.cpuMs / r.pages)).toFixed(2)} ms CPU per page, ${median(reports.map((r) => r.gcMs / r.pages)).toFixed(2)} ms GC per page, ${median(reports.map((r) => r.wallMs)).toFixed(0)} ms wall`);
}

async function child(): Promise<void> {
  const job = await new Promise<{ lanes: number; split: boolean; floor?: FloorStep; budget: { requestsPerSecond: number; concurrency: number }; environmentId: string; clientId: string; clientSecret: string; populations: string[]; groups: string[] }>((resolve) =>
    process.once('message', (m) => resolve(m as never)),
  );
  const config = loadConfig();
  const sql = await openStore(config);
  const http = createHttp({ requestTimeoutMs: config.HTTP_TIMEOUT_MS, maxResponseBytes: config.HTTP_MAX_RESPONSE_BYTES });
  const deps = { http, tokens: new TokenCache(http), budgets: new RateBudgets(job.budget, config.HTTP_MAX_RESPONSE_BYTES) };
  const policy = { authBaseUrl: config.PINGONE_AUTH_URL, apiBaseUrl: config.PINGONE_API_URL, allowedHosts: config.PINGONE_ALLOWED_HOSTS };
  const pingOne = { environmentId: job.environmentId, clientId: job.clientId, clientSecret: job.clientSecret };
  const key = { connectionId: `pages-${randomUUID()}`, snapshotId: randomUUID() };
  await openSnapshot(sql, key, job.environmentId);
  const api = pingOneApiFor(pingOne, policy, deps);
  await api.authenticate();

  const listings: ListingRef[] = [
    ...job.populations.flatMap((populationId): ListingRef[] =>
      job.split ? USERNAME_PREFIXES.map((usernamePrefix) => ({ kind: 'users', populationId, usernamePrefix })) : [{ kind: 'users', populationId }],
    ),
    ...job.groups.flatMap((groupId): ListingRef[] => [{ kind: 'members', groupId }, { kind: 'groupParents', groupId }]),
  ];
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  let pages = 0;
  let kept = 0;
  let limited = 0;
  let floorToken = '';
  if (job.floor) {
    // A logged table, as the store's are; the page is kept whole.
    await sql.query('CREATE TABLE IF NOT EXISTS bench_floor_pages (body text)');
    await sql.query('TRUNCATE bench_floor_pages');
    const { tokenUrl } = endpointsFor(pingOne, policy);
    const answer = await got.post(tokenUrl, { username: job.clientId, password: job.clientSecret, form: { grant_type: 'client_credentials' } }).json<{ access_token: string }>();
    floorToken = answer.access_token;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lane = async () => {
    for (let listing = listings.shift(); listing; listing = listings.shift()) {
      let url: string | undefined;
      let resumed: unknown;
      do {
        let last: unknown;
        try {
          const outcome = await fetchListingPages({ sql, api, beat: (progress) => (last = progress), resumed, now: Date.now }, { ...key, listing, url });
          pages += outcome.pages - ((resumed as { pages?: number } | undefined)?.pages ?? 0);
          kept += outcome.kept - ((resumed as { kept?: number } | undefined)?.kept ?? 0);
          url = outcome.next ?? undefined;
          resumed = undefined;
        } catch (err) {
          // A 429 (the simulator's own sliding window): wait as the activity's retry would, and go on from the last page written.
          if (!(err instanceof ProblemError && err.problem.type === 'PingOneRateLimited')) throw err;
          limited++;
          await new Promise((r) => setTimeout(r, err.problem.retryAfterMs ?? 1000));
          resumed = last ?? resumed;
        }
      } while (url || resumed);
    }
  };
  // The floor: what got, JSON.parse and pg cost a page with nothing of the sync's own around them.
  // It keeps the page whole (one text parameter), the least a reader that stores a page can write.
  const floorLane = async () => {
    for (let listing = listings.shift(); listing; listing = listings.shift()) {
      for (let url: string | undefined = api.environmentUrl(LISTINGS[listing.kind].path(listing)); url; ) {
        const headers = { authorization: `Bearer ${floorToken}` };
        const answer: { statusCode: number; body: Buffer } = job.floor === 'https'
          ? await httpsGet(url, headers)
          : await got.get(url, { headers, responseType: 'buffer', throwHttpErrors: false, retry: { limit: 0 } });
        if (answer.statusCode === 429) {
          limited++;
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        pages++;
        if (job.floor === 'fetch' || job.floor === 'https') {
          // The next link without parsing the page (the simulator writes `_links` first).
          const head: string = answer.body.toString('latin1', 0, 2048);
          url = /"next":\{"href":"([^"]+)"/.exec(head)?.[1];
          continue;
        }
        // Pages of ids as the sync reads them (Latin-1 first: listings.ts idsAndNextLink), users' as
        // UTF-8. A page read as Latin-1 is written as that text: beyond ASCII its characters are not
        // the page's, but the floor measures the cost of writing a page's text, not what it says.
        const text = answer.body.toString(LISTINGS[listing.kind].keptText ? 'latin1' : 'utf8');
        const page = JSON.parse(text) as { _embedded?: Record<string, unknown[]>; _links?: { next?: { href?: string } } };
        if (job.floor === 'write') await sql.query('INSERT INTO bench_floor_pages (body) VALUES ($1)', [text]);
        kept += Object.values(page._embedded ?? {})[0]?.length ?? 0;
        url = page._links?.next?.href;
      }
    }
  };
  await Promise.all(Array.from({ length: job.lanes }, job.floor ? floorLane : lane));
  const cpu = process.cpuUsage(cpu0);
  const report: ChildReport = { pages, kept, limited, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, gcMs, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.send?.(report, () => process.exit(0));
}

(process.argv.includes('--child') ? child() : parent()).catch((err) => {
  console.error(err);
  process.exit(1);
});
