// The worker dies and the sync does not notice: the worker runs as its own process (worker/main.ts)
// and is SIGKILLed mid-page, as a run continues as new, at random moments and mid-upload, and started
// again each time, while a sync of 50,000 users runs. The Torii file must still be exactly the
// expected one (nobody lost, nobody twice, no deletion by mistake: the directory changed since the
// last published sync), and the checkpoint must really resume: a page is fetched again only when a
// kill caught it in flight or its activity's beat for it had not reached the server yet (one
// activity follows a listing for several pages, beating each). `npm run chaos` runs the same with
// 20 kills (CHAOS_KILLS).
import { randomUUID } from 'node:crypto';
import { startSync } from '../client/start-sync';
import { syncWorkflowId, type SyncResult } from '../contract/sync';
import { SyncPhaseAttribute } from '../contract/search-attributes';
import { addUsers, deleteUsers, generateDirectory } from '../sim/directory';
import { seededRandom } from '../sim/random';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { eventually } from './support/eventually';
import { connectionId, type Harness } from './support/harness';
import { startKillableWorker, type KillableWorker } from './support/killable-worker';
import { runHistories } from './support/run-histories';
import { whenRequest } from './support/sim-triggers';
import { sortedFile } from './support/torii-file-order';
import { currentTestLogFile } from './support/test-logs';

const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
/** Where the random kill moments come from; in the test's name, so a failed run can be replayed with CHAOS_SEED. */
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
const USERS = Number(process.env.CHAOS_USERS ?? 50_000);
/** Low, so the sync continues as new several times and kills can land there too. */
const SUGGEST_CONTINUE_AS_NEW = 1000;
const IN_FLIGHT_SLACK_MS = 1000;
/** The worker sends an activity's beats at least this often (maxHeartbeatThrottleInterval in worker/worker.ts). */
const BEAT_THROTTLE_MS = 500;
const PAGE_KINDS = new Set(['users', 'members', 'groups', 'groupParents', 'applications', 'populations']);

type Moment = 'page' | 'continue-as-new' | 'random' | 'upload';

/**
 * Kills while listing take turns (a continue-as-new needs the most progress to come round, so it comes
 * least often); later phases get random ones; the upload's kill is armed throughout.
 */
function listingMoment(i: number): Moment {
  return (['page', 'random', 'page', 'continue-as-new', 'page', 'random'] as const)[i % 6];
}

interface Kill { moment: Moment; at: number; phase: string }

/**
 * The kill that caught a page in flight: the first one after its earlier fetch (less a little: a
 * request already on the wire when the worker died reaches the simulator a few milliseconds after the
 * kill, and a restarted worker takes seconds to send anything), if it came before the repeat.
 */
function culpritOf(kills: Kill[], earlierFetch: number, repeat: number): number {
  const k = kills.findIndex((kill) => kill.at >= earlierFetch - IN_FLIGHT_SLACK_MS);
  return k >= 0 && kills[k].at <= repeat ? k : -1;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('worker kills', () => {
  const directory = generateDirectory({ seed: 61, users: USERS, groups: 30, nestingDepth: 3, applications: 14 });
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-chaos-Vb3nP8', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  let stack: KillableWorker;
  let h: Harness;

  beforeAll(async () => {
    stack = await startKillableWorker({
      pingone: { environments: [directory], clients: [client] },
      suggestContinueAsNew: SUGGEST_CONTINUE_AS_NEW,
      // PingOne's budget is not what this test is about; the simulator has none.
      env: { PINGONE_REQUESTS_PER_SECOND: '200' },
      // The worker processes' output goes to this file's log, printed if the test fails.
      logFile: currentTestLogFile(),
    });
    h = stack.h;
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
  });

  it(`survives ${KILLS} kills of the worker during a sync of ${USERS} users (CHAOS_SEED=${SEED})`, async () => {
    const id = connectionId('chaos');
    const first = await h.sync(h.input(id, client, directory));
    const previous = expectedToriiFile(directory);
    expect(first.usersActive).toBe(previous.counts.active);

    // The directory changes below the deletion guard's limit: 3% leave, 2% join.
    deleteUsers(directory, directory.users.filter((_, i) => i % 100 < 3).map((u) => u.id));
    addUsers(directory, Math.round(USERS * 0.02), 62);
    const expected = expectedToriiFile(directory, { previouslySent: previous.file.users });

    const fromRequest = h.pingone.requests.length;
    const handle = await startSync(h.env.client, h.input(id, client, directory), h.taskQueue);
    const settled = handle.result().then(
      (result: SyncResult) => ({ result }),
      (error: unknown) => ({ error }),
    );
    let done = false;
    void settled.then(() => (done = true));

    // The phase as the server knows it (a search attribute), readable while no worker runs.
    let phase = 'starting';
    let describing = false;
    const watching = setInterval(() => {
      if (describing) return;
      describing = true;
      handle
        .describe()
        .then((d) => (phase = d.typedSearchAttributes.get(SyncPhaseAttribute) ?? phase), () => undefined)
        .finally(() => (describing = false));
    }, 100);
    const listingOver = () => phase !== 'starting' && phase !== 'listing';

    const kills: Kill[] = [];
    /** Kills the worker unless another kill came first since `armedAt` kills. */
    const killOnce = (armedAt: number, moment: Moment) => {
      if (kills.length !== armedAt || done) return;
      process.kill(stack.pid, 'SIGKILL');
      kills.push({ moment, at: Date.now(), phase });
    };
    const otherKills = () => kills.filter((k) => k.moment !== 'upload').length;

    // Armed from the start, so the upload cannot slip past: the PUT is held open and the worker dies
    // while the file is on the wire.
    for (const kind of ['presignedPut', 'upload'] as const) {
      whenRequest(h.torii.faults, kind, 1, () => killOnce(kills.length, 'upload'));
      h.torii.faults.add({ kind, respond: { delayMs: 3000 } });
    }

    try {
      for (let i = 0; !done; i++) {
        const armedAt = kills.length;
        const inListing = !listingOver();
        const moment: Moment | undefined = otherKills() >= KILLS - 1 ? undefined : inListing ? listingMoment(i) : 'random';
        if (moment === 'page') {
          // Killed the moment a page request reaches PingOne, while the worker waits for the answer.
          for (const kind of ['users', 'members'] as const) whenRequest(h.pingone.faults, kind, 3 + Math.floor(random() * 15), () => killOnce(armedAt, 'page'));
        } else if (moment === 'continue-as-new') {
          // Killed once the run has passed the server's suggestion and drains its lanes to continue as new.
          const run = (await handle.describe()).runId;
          const continuing = (d: { runId: string; historyLength: number }) => d.runId !== run || d.historyLength >= SUGGEST_CONTINUE_AS_NEW;
          void eventually('the continue-as-new suggestion', () => handle.describe(), (d) => continuing(d) || kills.length > armedAt || done || listingOver(), { timeoutMs: 1_800_000, intervalMs: 50 })
            .then((d) => continuing(d) && killOnce(armedAt, 'continue-as-new'));
        } else if (moment === 'random') {
          // At a random moment once the sync has moved on since the last restart (else a kill would
          // only find a worker waiting for the last kill's heartbeat timeout).
          const events = (await handle.describe()).historyLength;
          void eventually('the sync to move on', () => handle.describe(), (d) => d.historyLength > events || kills.length > armedAt || done, { timeoutMs: 1_800_000, intervalMs: 100 })
            .then(() => sleep(random() * 2000))
            .then(() => killOnce(armedAt, 'random'));
        }
        // Until this kill (or the upload's) happens; a listing-phase kill whose phase ended is re-armed.
        while (kills.length === armedAt && !done && !(inListing && moment !== 'random' && listingOver())) await sleep(20);
        if (kills.length === armedAt) continue;
        await stack.restart();
      }
      const outcome = await settled;
      if ('error' in outcome) throw outcome.error;
      const result = outcome.result;

      process.stdout.write(`worker kills: ${kills.map((k) => `${k.moment} (${k.phase}) at ${k.at}`).join(', ')}\n`);
      expect(kills.length).toBeGreaterThanOrEqual(KILLS);
      expect(kills.filter((k) => k.moment === 'upload')).toHaveLength(1);

      // Exactly the expected file, synced exactly once.
      const syncs = h.torii.syncs.filter((s) => s.fileId === result.toriiFileId);
      expect(syncs).toHaveLength(1);
      expect(h.torii.syncs).toHaveLength(2);
      expect(sortedFile(syncs[0].file as ToriiFile)).toEqual(sortedFile(expected.file));
      expect(result).toMatchObject({ usersActive: expected.counts.active, usersDisabled: expected.counts.disabled, usersLocked: expected.counts.locked, usersDeleted: expected.counts.deleted });

      // The checkpoint resumes: a page is fetched again only when a kill caught it in flight.
      const pages = h.pingone.requests.slice(fromRequest).filter((r) => PAGE_KINDS.has(r.kind));
      const lastFetch = new Map<string, number>();
      const perKill = kills.map(() => 0);
      const unexplained: string[] = [];
      const tooOld: string[] = [];
      for (const request of pages) {
        const url = `${request.path}?${request.query}`;
        const previousFetch = lastFetch.get(url);
        lastFetch.set(url, request.at);
        if (previousFetch === undefined) continue;
        const culprit = culpritOf(kills, previousFetch, request.at);
        if (culprit < 0) unexplained.push(`${url} at ${previousFetch} and ${request.at}`);
        else {
          perKill[culprit]++;
          // Fetched again only if its page was in flight or beaten within the throttle before the kill.
          if (kills[culprit].at - previousFetch > BEAT_THROTTLE_MS + IN_FLIGHT_SLACK_MS) tooOld.push(`${url}: fetched ${kills[culprit].at - previousFetch} ms before kill ${culprit}`);
        }
      }
      const runs = await runHistories(h.env.client, syncWorkflowId(id));
      process.stdout.write(
        `worker kills: ${kills.length} survived; ${pages.length} page requests for ${lastFetch.size} pages; re-fetched per kill ${JSON.stringify(perKill)} ` +
          `(max ${Math.max(...perKill)}); ${runs.length} runs, at most ${Math.max(...runs.map((r) => r.events))} events and a ${Math.max(...runs.map((r) => r.largestPayloadBytes))}-byte payload per run\n`,
      );
      expect(unexplained).toEqual([]);
      // Only the pages in flight when the worker died or fetched within the beat throttle before it:
      // each listing resumed from its last page whose beat (or whose activity's completion) the server had.
      expect(tooOld).toEqual([]);
      for (const run of runs) expect(run.events).toBeLessThanOrEqual(10_000);
    } finally {
      clearInterval(watching);
    }
  }, 60 * 60_000);
});
