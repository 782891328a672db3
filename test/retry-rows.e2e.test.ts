// README "Who retries what", one test per row not held elsewhere: each fault asserts the failure it
// is classified as (type and retryability, read from the workflow's history), how many attempts it
// cost, and how many requests reached the simulator. Rows held elsewhere: 500–504, resets, timeouts,
// cut bodies, a revoked token and one expired cursor (pingone-faults.e2e), Torii 409, 5xx, a
// rejected file and one expired presigned URL (torii-faults.e2e), kills (worker-kills.e2e), the
// guard (deletion-guard.e2e). The 10- and 20-attempt limits are the retry policies the workflow
// passes, read from a sync's history ("attempt limits" below): reaching them takes minutes of backoff.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { syncWorkflowId, type SyncResult } from '../contract/sync';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { emptyUnauthorized, invalidData, invalidToken, notFound, proxyForbiddenHtml, requestLimitedWithoutRetryAfter } from '../sim/pingone-errors';
import type { RequestRecord } from '../sim/server';
import { toriiError } from '../sim/torii-files';
import { activityHistory, type ActivityHistory } from './support/activity-attempts';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

const directory = generateDirectory({ seed: 91, users: 250, groups: 10, applications: 10 });
const clients: SimClient[] = [];

/**
 * Each test syncs its own environment (one directory under a fresh id, its own Worker app), and its
 * PingOne faults and counted requests are that environment's only: a failed sync's activities still
 * in flight must not take the next test's fault or add to its counts.
 */
interface Tenant { directory: typeof directory; client: SimClient; mine: (req: { path: string }) => boolean }
function tenant(): Tenant {
  const own = { ...directory, environmentId: randomUUID() };
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-rows-Tq8wE3', environmentId: own.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  clients.push(client);
  return { directory: own, client, mine: (req) => req.path.includes(`/${own.environmentId}/`) };
}

const urlOf = (r: { path: string; query: string }) => `${r.path}?${r.query}`;
const isLaterPage = (req: { query: string }) => req.query.includes('cursor=');
const isFirstPage = (req: { query: string }) => !isLaterPage(req);
type Page = { _links?: { next?: { href: string } } };

describe('who retries what, row by row', () => {
  let h: Harness;

  beforeAll(async () => {
    // Pages of 25 (whatever the environment id, which seeds short pages): every user listing has
    // later pages for a cursor fault to land on.
    h = await startHarness({ pingone: { environments: [], clients, maxPageSize: 25 } });
  });
  afterAll(() => h?.close());
  afterEach(() => {
    h.pingone.faults.clear();
    h.torii.faults.clear();
    Object.assign(h.pingone.settings, { relativeNextLinks: false, expiredCursorStatus: 400, omitEmptyEmbedded: false });
  });

  interface Run { id: string; pingone: RequestRecord<string>[]; torii: RequestRecord<string>[]; activities: ActivityHistory }

  let t: Tenant;
  beforeEach(() => {
    t = tenant();
    h.pingone.settings.environments.push(t.directory);
  });
  /** A PingOne fault for this test's environment only. */
  const fault = (rule: Parameters<Harness['pingone']['faults']['add']>[0]): void =>
    h.pingone.faults.add({ ...rule, match: (req) => t.mine(req) && (rule.match?.(req) ?? true) });

  async function run(prefix: string): Promise<Run & { result?: SyncResult; failure?: ApplicationFailure }> {
    const [pFrom, tFrom] = [h.pingone.requests.length, h.torii.requests.length];
    const id = connectionId(prefix);
    const outcome = await h.sync(h.input(id, t.client, t.directory)).then(
      (result) => ({ result }),
      (err: unknown) => {
        if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) throw err;
        return { failure: err.cause };
      },
    );
    return { id, ...outcome, pingone: h.pingone.requests.slice(pFrom).filter(t.mine), torii: h.torii.requests.slice(tFrom), activities: await activityHistory(h.env.client, syncWorkflowId(id)) };
  }

  async function exactSync(prefix: string): Promise<Run & { result: SyncResult }> {
    const r = await run(prefix);
    if (!r.result) throw new Error(`the sync failed: ${r.failure?.type}: ${r.failure?.message}`);
    // The oracle reads this tenant's own directory: role assignments scoped to an environment name its id.
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(expectedToriiFile(t.directory).file));
    return { ...r, result: r.result };
  }

  async function failedSync(prefix: string): Promise<Run & { failure: ApplicationFailure }> {
    const syncsBefore = h.torii.syncs.length;
    const r = await run(prefix);
    if (!r.failure) throw new Error('the sync did not fail');
    expect(h.torii.syncs.length).toBe(syncsBefore); // nothing half-sent
    return { ...r, failure: r.failure };
  }

  /**
   * Activity starts that followed a failed attempt, with that failure. Load on a shared machine can
   * time out any request or heartbeat; such a retry says nothing about the fault under test, so exact
   * counts leave those out.
   */
  const INCIDENTAL = new Set([undefined, 'PingOneTimeout', 'PingOneUnreachable']);
  const retried = (r: Run) => r.activities.starts.filter((s) => s.lastFailure && !INCIDENTAL.has(s.lastFailure.type));

  describe('PingOne', () => {
    it('408: retried by the activity (PingOneUnavailable, retryable), the page asked for twice', async () => {
      fault({ kind: 'applications', respond: { status: 408, body: { code: 'REQUEST_TIMEOUT', message: 'Request timeout' } } });
      const r = await exactSync('r408');
      expect(retried(r)).toEqual([{ activityType: 'fetchPages', attempt: 2, lastFailure: { type: 'PingOneUnavailable', nonRetryable: false } }]);
      const timedOut = r.pingone.find((q) => q.status === 408) as RequestRecord<string>;
      expect(r.pingone.filter((q) => urlOf(q) === urlOf(timedOut)).map((q) => q.status)).toEqual([408, 200]);
    });

    it('429 without Retry-After: retried (PingOneRateLimited, retryable), asked for twice', async () => {
      fault({ kind: 'groups', respond: requestLimitedWithoutRetryAfter() });
      const r = await exactSync('r429bare');
      expect(retried(r)).toEqual([{ activityType: 'fetchPages', attempt: 2, lastFailure: { type: 'PingOneRateLimited', nonRetryable: false } }]);
      const limited = r.pingone.find((q) => q.status === 429) as RequestRecord<string>;
      expect(r.pingone.filter((q) => urlOf(q) === urlOf(limited)).map((q) => q.status)).toEqual([429, 200]);
    });

    it('429 with an HTTP-date Retry-After: asked for again no sooner than that date', async () => {
      let until = 0;
      fault({
        kind: 'users',
        match: isLaterPage,
        respond: {
          status: 429,
          body: { code: 'REQUEST_LIMITED', message: 'Too many requests' },
          // Made when the request arrives: the next whole second after two more (HTTP dates count seconds).
          headers: () => {
            until = Math.ceil((Date.now() + 2000) / 1000) * 1000;
            return { 'Retry-After': new Date(until).toUTCString() };
          },
        },
      });
      const r = await exactSync('r429date');
      const limited = r.pingone.find((q) => q.status === 429) as RequestRecord<string>;
      const again = r.pingone.filter((q) => urlOf(q) === urlOf(limited) && q !== limited);
      expect(again.map((q) => q.status)).toEqual([200]);
      expect(again[0].at).toBeGreaterThanOrEqual(until);
      expect(retried(r)).toEqual([{ activityType: 'fetchPages', attempt: 2, lastFailure: { type: 'PingOneRateLimited', nonRetryable: false } }]);
    });

    it('401 with an empty body: the token is renewed once inside the request, no activity retry', async () => {
      fault({ kind: 'groups', respond: emptyUnauthorized() });
      const tokensBefore = h.pingone.issuedTokens.length;
      const r = await exactSync('r401empty');
      const refused = r.pingone.find((q) => q.status === 401) as RequestRecord<string>;
      expect(r.pingone.filter((q) => urlOf(q) === urlOf(refused)).map((q) => q.status)).toEqual([401, 200]);
      // This tenant's first token, then the one renewal, taken between the 401 and the repeat.
      const tokens = r.pingone.filter((q) => q.kind === 'token');
      expect(tokens.map((q) => q.status)).toEqual([200, 200]);
      expect(r.pingone.indexOf(tokens[1])).toBeGreaterThan(r.pingone.indexOf(refused));
      expect(h.pingone.issuedTokens.length).toBe(tokensBefore + 2);
      expect(retried(r)).toEqual([]);
    });

    it('a second 401 after the renewal: PingOneAccessDenied, non-retryable, two requests', async () => {
      fault({ kind: 'applications', times: 2, respond: invalidToken() });
      const r = await failedSync('r401twice');
      expect(r.failure.type).toBe('PingOneAccessDenied');
      expect(r.activities.failed).toEqual([{ activityType: 'fetchPages', attempt: 1, type: 'PingOneAccessDenied', nonRetryable: true }]);
      expect(r.pingone.filter((q) => q.kind === 'applications').map((q) => q.status)).toEqual([401, 401]);
    });

    it.each([
      [404, notFound('resource'), 'PingOneNotFound'],
      [400, invalidData('INVALID_VALUE', 'filter', 'The filter is not valid.'), 'PingOneBadRequest'],
    ] as const)('%s on a first page (not a cursor): %s, non-retryable, one request', async (status, reply, type) => {
      fault({ kind: 'groups', match: isFirstPage, respond: reply });
      const r = await failedSync(`r${status}`);
      expect(r.failure.type).toBe(type);
      expect(r.activities.failed).toEqual([{ activityType: 'fetchPages', attempt: 1, type, nonRetryable: true }]);
      expect(r.pingone.filter((q) => q.kind === 'groups').map((q) => q.status)).toEqual([status]);
    });

    it('an HTML 403 from a proxy: PingOneInsufficientPermissions, non-retryable, one request', async () => {
      fault({ kind: 'applications', respond: proxyForbiddenHtml() });
      const r = await failedSync('r403html');
      expect(r.failure.type).toBe('PingOneInsufficientPermissions');
      expect(r.failure.message).toContain('may not read applications');
      expect(r.activities.failed).toEqual([{ activityType: 'fetchPages', attempt: 1, type: 'PingOneInsufficientPermissions', nonRetryable: true }]);
      expect(r.pingone.filter((q) => q.kind === 'applications').map((q) => q.status)).toEqual([403]);
    });

    it('a redirect on a data request is not followed: non-retryable, its target never asked', async () => {
      const target = `${h.torii.origin}/collect-bearer-token`;
      fault({ kind: 'groups', respond: { status: 302, headers: { Location: target }, body: '' } });
      const r = await failedSync('rredirect');
      expect(r.failure.type).toBe('PingOneBadRequest');
      expect(r.activities.failed).toEqual([{ activityType: 'fetchPages', attempt: 1, type: 'PingOneBadRequest', nonRetryable: true }]);
      expect(h.torii.requests.filter((q) => q.path.includes('collect-bearer-token'))).toEqual([]);
    });

    it('404 for an expired cursor (as well as 400): that listing starts again from its first page', async () => {
      h.pingone.settings.expiredCursorStatus = 404;
      let expiredAt: string | undefined;
      fault({
        kind: 'users',
        times: Number.POSITIVE_INFINITY,
        // Watches only: the first followed user link finds every cursor dead.
        match: (req) => {
          if (expiredAt === undefined && t.mine(req) && isLaterPage(req)) {
            expiredAt = new URLSearchParams(req.query).get('filter') ?? '';
            h.pingone.expireCursors();
          }
          return false;
        },
        respond: { delayMs: 0 },
      });
      const r = await exactSync('rcursor404');
      const dead = r.pingone.filter((q) => q.kind === 'users' && isLaterPage(q) && q.status === 404);
      expect(dead.length).toBeGreaterThanOrEqual(1);
      // The listing whose link died fetched its first page twice, and no activity was retried for it.
      const firstPages = r.pingone.filter((q) => q.kind === 'users' && isFirstPage(q) && new URLSearchParams(q.query).get('filter') === expiredAt);
      expect(firstPages).toHaveLength(2);
      expect(retried(r)).toEqual([]);
    });

    it('a fourth expired cursor in one listing fails the sync: PingOneCursorExpired, non-retryable', async () => {
      fault({ kind: 'users', match: isLaterPage, times: Number.POSITIVE_INFINITY, respond: invalidData('INVALID_VALUE', 'cursor', 'The cursor is invalid or has expired.') });
      const r = await failedSync('rcursor4');
      expect(r.failure.type).toBe('PingOneCursorExpired');
      expect(r.activities.failed).toContainEqual({ activityType: 'fetchPages', attempt: 1, type: 'PingOneCursorExpired', nonRetryable: true });
      // Per user listing (one filter each): its first page and its refused next link, at most 1 + 3 restarts times.
      const byFilter = new Map<string, { first: number; refused: number }>();
      for (const q of r.pingone.filter((x) => x.kind === 'users')) {
        const key = new URLSearchParams(q.query).get('filter') ?? '';
        const counts = byFilter.get(key) ?? { first: 0, refused: 0 };
        if (isLaterPage(q)) counts.refused += 1;
        else counts.first += 1;
        byFilter.set(key, counts);
      }
      const counts = [...byFilter.values()];
      expect(counts).toContainEqual({ first: 4, refused: 4 });
      for (const c of counts) expect(c.refused).toBeLessThanOrEqual(4);
    });

    it('relative next links are followed, resolved against the page they came on', async () => {
      h.pingone.settings.relativeNextLinks = true;
      const r = await exactSync('rrelative');
      const followed = r.pingone.filter((q) => isLaterPage(q));
      expect(followed.length).toBeGreaterThan(0);
      expect(followed.every((q) => q.status === 200)).toBe(true);
      expect(retried(r)).toEqual([]);
    });

    it('a next link to another host is never followed: the page that carried it is fetched again', async () => {
      let carrier: string | undefined;
      fault({
        kind: 'users',
        times: Number.POSITIVE_INFINITY,
        respond: {
          // The first user page that has a next link gets it pointed at another host, once.
          edit: (body) => {
            const page = body as Page & { _links?: { self?: { href: string } } };
            if (carrier === undefined && page._links?.next && page._links.self) {
              carrier = new URL(page._links.self.href).pathname + new URL(page._links.self.href).search;
              page._links.next.href = page._links.next.href.replace(/^https?:\/\/[^/]+/, 'https://api.pingone.example.net');
            }
            return page;
          },
        },
      });
      const r = await exactSync('rforeign');
      expect(carrier).toBeDefined();
      expect(r.pingone.filter((q) => urlOf(q) === carrier).map((q) => q.status)).toEqual([200, 200]);
      expect(retried(r)).toEqual([{ activityType: 'fetchPages', attempt: 2, lastFailure: { type: 'PingOneMalformedResponse', nonRetryable: false } }]);
    });

    it('pages without `_embedded` (an empty listing) count as empty', async () => {
      h.pingone.settings.omitEmptyEmbedded = true;
      const r = await exactSync('rnoembedded');
      // Top-level groups have no parents, so some listing answered an empty page.
      expect(directory.groups.some((g) => g.parentIds.length === 0)).toBe(true);
      expect(retried(r)).toEqual([]);
    });
  });

  describe('attempt limits', () => {
    // Reaching a limit takes minutes of backoff (1+2+…+256 s; 5 s to 5 min), so what is held is the
    // retry policy today's workflow gives each activity, as the server recorded it when scheduling.
    it('PingOne and store activities: 1 s doubling to 60 s, 10 attempts; Torii activities: 5 s doubling to 5 min, 20 attempts', async () => {
      const r = await exactSync('rpolicies');
      const events = (await h.env.client.workflow.getHandle(syncWorkflowId(r.id)).fetchHistory()).events ?? [];
      const policies = new Map<string, unknown>();
      for (const e of events) {
        const a = e.activityTaskScheduledEventAttributes;
        if (!a?.activityType?.name || !a.retryPolicy) continue;
        const p = a.retryPolicy;
        policies.set(a.activityType.name, {
          initialSeconds: Number(p.initialInterval?.seconds ?? 0),
          backoff: p.backoffCoefficient,
          maximumSeconds: Number(p.maximumInterval?.seconds ?? 0),
          attempts: p.maximumAttempts,
        });
      }
      const pingOneRetry = { initialSeconds: 1, backoff: 2, maximumSeconds: 60, attempts: 10 };
      const toriiRetry = { initialSeconds: 5, backoff: 2, maximumSeconds: 300, attempts: 20 };
      for (const activity of ['openSync', 'fetchPages', 'planUserChains', 'nextGroups', 'planAccess', 'finalizeSnapshot', 'countPreviousUsers', 'buildToriiFile', 'closeSnapshot']) {
        expect({ activity, policy: policies.get(activity) }).toEqual({ activity, policy: pingOneRetry });
      }
      for (const activity of ['uploadToriiFile', 'syncTorii']) expect({ activity, policy: policies.get(activity) }).toEqual({ activity, policy: toriiRetry });
    });
  });

  describe('Torii', () => {
    it.each([
      ['upload', 401, 'ToriiUnauthorized'],
      ['sync', 403, 'ToriiUnauthorized'],
      ['sync', 404, 'ToriiAppAccountNotFound'],
    ] as const)('%s answered %s: %s, non-retryable, one request', async (kind, status, type) => {
      h.torii.faults.add({ kind, respond: toriiError(status, status === 404 ? 'App account not found' : 'Unauthorized') });
      const r = await failedSync(`rt${status}`);
      expect(r.failure.type).toBe(type);
      const activityType = kind === 'upload' ? 'uploadToriiFile' : 'syncTorii';
      expect(r.activities.failed).toEqual([{ activityType, attempt: 1, type, nonRetryable: true }]);
      expect(r.torii.filter((q) => q.kind === kind).map((q) => q.status)).toEqual([status]);
    });

    it('429 on the sync call with Retry-After: the call is repeated no sooner than Torii said, over the 5 s backoff', async () => {
      h.torii.faults.add({ kind: 'sync', respond: { status: 429, headers: { 'Retry-After': '7' }, body: { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded' } } });
      const r = await exactSync('rt429');
      const calls = r.torii.filter((q) => q.kind === 'sync');
      expect(calls.map((q) => q.status)).toEqual([429, 200]);
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(7000);
      expect(retried(r)).toEqual([{ activityType: 'syncTorii', attempt: 2, lastFailure: { type: 'ToriiRateLimited', nonRetryable: false } }]);
    });

    it('a lost 200 on the sync call (Torii ran it, the answer never came): the call is repeated for the same file', async () => {
      h.torii.faults.add({ kind: 'sync', respond: { reset: true } });
      const r = await exactSync('rtlost');
      const calls = r.torii.filter((q) => q.kind === 'sync');
      expect(calls).toHaveLength(2);
      expect(calls[0].path).toBe(calls[1].path);
      expect(h.torii.syncs.filter((s) => s.fileId === r.result.toriiFileId)).toHaveLength(2);
      expect(r.torii.filter((q) => q.kind === 'upload')).toHaveLength(1);
      expect(retried(r)).toEqual([{ activityType: 'syncTorii', attempt: 2, lastFailure: { type: 'ToriiUnreachable', nonRetryable: false } }]);
    });
  });
});
