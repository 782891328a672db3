// The worker dies and the sync does not notice: the worker runs as its own process (worker/main.ts)
// and is SIGKILLed mid-page, as a run continues as new, at random moments and mid-upload, and started
// again each time, while a sync of 50,000 users runs. The Torii file must still be exactly the
// expected one (nobody lost, nobody twice, no deletion by mistake: the directory changed since the
// last published sync), and the checkpoint must really resume: a page is fetched again only where a
// killed listing activity resumes, the next link of its last beat that reached the server (one
// activity follows a listing for several pages, beating each). That is read from the server while
// no worker runs, and matched by URL, never by clock: the simulator stamps a request when its own
// event loop reads it, so the killed worker's last requests, still in the socket buffers, can be
// stamped seconds after the kill (seen: three chains' first pages stamped 1-2 s after it, under load).
// `npm run chaos` runs the same with 20 kills (CHAOS_KILLS).
import { randomUUID } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
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
import { decodedPayload } from './support/decoded-payload';

const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
/** Where the random kill moments come from; in the test's name, so a failed run can be replayed with CHAOS_SEED. */
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = seededRandom(SEED);
const USERS = Number(process.env.CHAOS_USERS ?? 50_000);
/**
 * Low, so the sync continues as new several times and kills can land there too (group-scoped
 * listings run together, so the sync's listing is ~600 events in all).
 */
const SUGGEST_CONTINUE_AS_NEW = 200;
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

/** A request's URL as the simulator logs it (path and raw query), so a next link and a request compare. */
const pathAndQuery = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}?${u.search.replace(/^\?/, '')}`;
};

/**
 * Where each listing activity the kill interrupted resumes: the next link of its last beat the server
 * has, else (no beat reached it) the link it was scheduled with, else its listing's first page.
 */
type ResumePoint = { url: string } | { firstPage: true };

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

  const decoded = (payload: Payload | null | undefined) => decodedPayload(h.dataConverter, payload);

  /**
   * The resume points of the listing activities pending on the server (read while no worker runs).
   * One listing an activity (fetchPages) beats `{ next }`; several together (fetchListingsTogether)
   * beat `{ listings: [{ next, pages }] }` in the order of their arguments, a listing at its end
   * with next null after a page, one before its first page in this activity at its argument's link.
   */
  async function resumePoints(handle: WorkflowHandle): Promise<ResumePoint[]> {
    const pending = ((await handle.describe()).raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'fetchPages' || a.activityType?.name === 'fetchListingsTogether');
    if (pending.length === 0) return [];
    const scheduled = new Map<string, Payload | undefined>();
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const a = event.activityTaskScheduledEventAttributes;
      if (a?.activityId) scheduled.set(a.activityId, a.input?.payloads?.[0] ?? undefined);
    }
    const point = (url: string | undefined): ResumePoint => (url ? { url: pathAndQuery(url) } : { firstPage: true });
    const points: ResumePoint[] = [];
    for (const activity of pending) {
      const beat = (await decoded(activity.heartbeatDetails?.payloads?.[0])) as { next?: string | null; listings?: { next: string | null; pages: number }[] } | undefined;
      if (activity.activityType?.name === 'fetchListingsTogether') {
        const args = (await decoded(scheduled.get(activity.activityId ?? ''))) as { listings: { url?: string }[] };
        args.listings.forEach((listing, i) => {
          const beaten = beat?.listings?.[i];
          if (beaten && beaten.pages > 0) {
            if (beaten.next !== null) points.push(point(beaten.next));
          } else points.push(point(listing.url));
        });
        continue;
      }
      if (typeof beat?.next === 'string') {
        points.push(point(beat.next));
        continue;
      }
      const args = (await decoded(scheduled.get(activity.activityId ?? ''))) as { url?: string } | undefined;
      points.push(point(args?.url));
    }
    return points;
  }

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
    /** Per kill, where its interrupted listing activities resume. */
    const resumes: ResumePoint[][] = [];
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
        await stack.restart(async () => {
          resumes[kills.length - 1] = await resumePoints(handle);
        });
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

      // The checkpoint resumes: a page is fetched again only where an interrupted listing activity
      // resumed, each resume point at most once. (Later pages of a resumed listing are fetched again
      // too, under new URLs: the simulator's cursors name the moment they were issued.)
      const pages = h.pingone.requests.slice(fromRequest).filter((r) => PAGE_KINDS.has(r.kind));
      const seen = new Set<string>();
      const repeats: string[] = [];
      for (const request of pages) {
        const url = `${request.path}?${request.query}`;
        if (seen.has(url)) repeats.push(url);
        seen.add(url);
      }
      const perKill = kills.map(() => 0);
      const open = resumes.map((points) => [...(points ?? [])]);
      const unexplained: string[] = [];
      for (const url of repeats) {
        const isFirstPage = !new URLSearchParams(url.split('?')[1]).has('cursor');
        const k = open.findIndex((points) => points.some((p) => ('url' in p ? p.url === url : isFirstPage)));
        if (k < 0) {
          unexplained.push(url);
          continue;
        }
        const points = open[k];
        const exact = points.findIndex((p) => 'url' in p && p.url === url);
        points.splice(exact >= 0 ? exact : points.findIndex((p) => !('url' in p)), 1);
        perKill[k]++;
      }
      const runs = await runHistories(h.env.client, syncWorkflowId(id));
      process.stdout.write(
        `worker kills: ${kills.length} survived; ${pages.length} page requests for ${seen.size} URLs; resume points per kill ${JSON.stringify(resumes.map((r) => r?.length ?? 0))}, ` +
          `re-fetched per kill ${JSON.stringify(perKill)} ` +
          `(max ${Math.max(...perKill)}); ${runs.length} runs, at most ${Math.max(...runs.map((r) => r.events))} events and a ${Math.max(...runs.map((r) => r.largestPayloadBytes))}-byte payload per run\n`,
      );
      // Each listing resumed from its last page whose beat (or whose activity's completion) the server had.
      expect(unexplained).toEqual([]);
      for (const run of runs) expect(run.events).toBeLessThanOrEqual(10_000);
    } finally {
      clearInterval(watching);
    }
  }, 60 * 60_000);
});
