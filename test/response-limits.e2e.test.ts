// No tenant can take the worker down with one answer: a PingOne users page streamed at several
// hundred megabytes (generated as it is sent, never held by the simulator) fails its sync at once
// with PingOneResponseTooLarge, not retried, while a second connection on the same worker process
// completes with exactly its expected Torii file; the worker process's resident memory meanwhile
// stays within 50 MB of its peak during an ordinary sync. RSS is read from /proc for the worker's
// own process (test/support/worker-process.ts), sampled while the syncs run. That worker, started
// where a killed one left a staged upload and a half-written file, sweeps them first.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LEFTOVER_AGE_MS } from '../activities/staged-files';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../contract/config';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const OFFERED_BYTES = 600 * 1024 * 1024;
/** The default, which this test runs with. */
const MAX_RESPONSE_BYTES = loadConfig({}).HTTP_MAX_RESPONSE_BYTES;
const RSS_SLACK_BYTES = 50 * 1024 * 1024;

const hostile = generateDirectory({ seed: 91, users: 50, groups: 3, applications: 4 });
const ordinary = generateDirectory({ seed: 92, users: 300, groups: 8, applications: 8 });
const client = (directory: Directory, secret: string): SimClient => ({ clientId: randomUUID(), clientSecret: secret, environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' });
const hostileClient = client(hostile, 'sim-secret-hostile-Rq2Vn7Tx');
const ordinaryClient = client(ordinary, 'sim-secret-ordinary-Hc5Mz3Lp');

/** The process's resident set, in bytes (Linux). */
function rssOf(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** Runs `work` while sampling the process's RSS; answers the work's outcome and the peak seen. */
async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ outcome: T; peak: number }> {
  let peak = rssOf(pid);
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, rssOf(pid));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const outcome = await work();
    return { outcome, peak: Math.max(peak, rssOf(pid)) };
  } finally {
    running = false;
    await sampler;
  }
}

describe('a response too large for the worker', () => {
  let h: Harness;
  let worker: WorkerProcess;

  beforeAll(async () => {
    h = await startHarness({
      pingone: { environments: [hostile, ordinary], clients: [hostileClient, ordinaryClient] },
      env: { HTTP_TIMEOUT_MS: '60000' },
      inProcessWorker: false,
    });
    // Production's allocator setting (npm start, the Dockerfile), so RSS means what it means there.
    // What a worker killed mid-upload and mid-write would have left; the new worker sweeps it at start.
    const old = new Date(Date.now() - LEFTOVER_AGE_MS - 60_000);
    planted = leftovers();
    for (const path of planted) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, '{"users":[');
      await utimes(path, old, old);
    }
    worker = await startWorkerProcess({ ...h.workerEnv, MALLOC_ARENA_MAX: '2' }, join(tmpdir(), `response-limits-worker-${process.pid}.log`));
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  const leftovers = () => [join(h.workerEnv.SYNC_FILES_DIR, '.staging', 'killed', `${randomUUID()}.json`), join(h.workerEnv.SYNC_FILES_DIR, 'killed', `${randomUUID()}.json.partial`)];
  let planted: string[] = [];

  it('swept what a killed worker left in SYNC_FILES_DIR when it started', () => {
    expect(planted).toHaveLength(2);
    expect(planted.filter((path) => existsSync(path))).toEqual([]);
  });

  const ordinarySync = (appAccountId: number) => h.sync(h.input(connectionId('ordinary'), ordinaryClient, ordinary, { torii: { appAccountId } }));

  it(`fails the sync whose PingOne streams a ${OFFERED_BYTES / 1024 / 1024} MB page, while another connection on the same worker completes exactly`, async () => {
    // The usual peak: the same two syncs at once, both ordinary, twice, after a first one warmed the worker up.
    await ordinarySync(7001);
    const usualPair = () =>
      peakRssDuring(worker.pid, () => Promise.all([h.sync(h.input(connectionId('usual'), hostileClient, hostile, { torii: { appAccountId: 7002 } })), ordinarySync(7002)]));
    const usual = { peak: Math.max((await usualPair()).peak, (await usualPair()).peak) };

    h.pingone.faults.add({ kind: 'users', times: Infinity, match: (req) => req.path.includes(hostile.environmentId), respond: { stream: { bytes: OFFERED_BYTES } } });
    const hostileId = connectionId('hostile');
    const { outcome, peak } = await peakRssDuring(worker.pid, () =>
      Promise.all([
        h.sync(h.input(hostileId, hostileClient, hostile, { torii: { appAccountId: 7003 } })).then(
          () => undefined,
          (err: unknown) => err,
        ),
        ordinarySync(7004),
      ]),
    );
    const [failure, result] = outcome;
    const streamed = h.pingone.requests.filter((r) => r.fault === 'stream');
    process.stdout.write(
      `streamed ${streamed.map((r) => r.streamedBytes).join(', ')} bytes; worker RSS peak: ordinary sync ${(usual.peak / 1048576).toFixed(1)} MB; with a ${OFFERED_BYTES / 1048576} MB page offered ${(peak / 1048576).toFixed(1)} MB\n`,
    );

    // The hostile sync: failed at once with the cause and fix, never retried.
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('PingOneResponseTooLarge');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain(`more than ${MAX_RESPONSE_BYTES} bytes (HTTP_MAX_RESPONSE_BYTES`);
    expect(cause.message).toMatch(/report this to PingOne support/);
    expect(streamed.length).toBeGreaterThanOrEqual(1);
    // Aborted while reading, not read to its end: what the simulator got out is the worker's share
    // (under the cap) plus the kernel's socket buffers (Linux autotunes loopback receive buffers up
    // to net.ipv4.tcp_rmem's maximum, 32 MB here), far below what was offered.
    for (const r of streamed) expect(r.streamedBytes).toBeLessThan(MAX_RESPONSE_BYTES + 40 * 1024 * 1024);
    expect(h.torii.syncs.some((s) => s.appAccountId === 7003)).toBe(false);

    // The other connection on the same worker: exactly its file.
    const expected = expectedToriiFile(ordinary);
    const synced = h.torii.syncs.find((s) => s.appAccountId === 7004);
    expect(sortedFile(synced?.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(result.usersActive).toBe(expected.counts.active);

    // And the worker's memory stayed where an ordinary sync puts it.
    expect(peak).toBeLessThanOrEqual(usual.peak + RSS_SLACK_BYTES);
  }, 600_000);
});
