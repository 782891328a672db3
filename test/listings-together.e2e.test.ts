// Group-scoped listings (a group's members, its parent groups) run several in one activity, side by
// side. The activity beats every listing's progress; a retried attempt resumes each listing after
// its last beaten page: the pages before are not fetched again, the failed page is. A cursor that
// expires in one of them sends only that listing back to its first page; the others keep theirs,
// and no attempt fails.
import { randomUUID } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { startSync } from '../client/start-sync';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import { gate } from '../sim/faults';
import type { SimClient } from '../sim/pingone';
import { invalidData } from '../sim/pingone-errors';
import type { RequestRecord } from '../sim/server';
import { eventually } from './support/eventually';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';
import { decodedPayload } from './support/decoded-payload';

const PAGE_SIZE = 20;
const GROUP_SCOPED = new Set(['members', 'groupParents']);
const isLaterPage = (req: { query: string }) => req.query.includes('cursor=');

/** One listing's progress in a beat, as PingOne's pages were written (next null with pages: at its end). */
interface Beaten {
  next: string | null;
  pages: number;
  kept: number;
  expired: boolean;
}

describe('group-scoped listings followed together', () => {
  // 300 users in 8 groups, one membership each: every members listing is 1-3 pages of 20.
  const directory = generateDirectory({ seed: 72, users: 300, groups: 8, applications: 4, membershipsPerUser: 1 });
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-together-Q7w2', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  // Concurrency 8: 16 lanes, and the groups come 8 at a time, so a lane has several listings to take.
  const options = { rateLimit: { concurrency: 8, requestsPerSecond: 200 } };
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ pingone: { environments: [directory], clients: [client], maxPageSize: PAGE_SIZE } });
  });
  afterAll(() => h?.close());

  const decoded = (payload: Payload | null | undefined) => decodedPayload(h.dataConverter, payload);

  /** The group whose members listing is longest (3 pages), and its listing's requests. */
  const largestGroup = () => [...directory.members.entries()].sort((a, b) => b[1].size - a[1].size)[0];
  /** A request of the group's members listing (the faults' `kind: 'members'` sees only those). */
  const ofGroup = (groupId: string) => (req: { kind?: string; query: string }) => (req.kind ?? 'members') === 'members' && req.query.includes(groupId);

  /** Every group-scoped request's URL, and those asked for more than once. */
  function groupScopedUrls(requests: RequestRecord<string>[]): { urls: string[]; repeated: string[] } {
    const urls = requests.filter((r) => GROUP_SCOPED.has(r.kind)).map((r) => `${r.path}?${r.query}`);
    const seen = new Set<string>();
    const repeated = urls.filter((u) => seen.has(u) || (seen.add(u), false));
    return { urls, repeated };
  }

  /** The outcomes each completed fetchListingsTogether answered, from the history. */
  async function togetherOutcomes(handle: WorkflowHandle): Promise<Beaten[][]> {
    const types = new Map<string, string>();
    const outcomes: Beaten[][] = [];
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '');
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed && types.get(String(completed.scheduledEventId)) === 'fetchListingsTogether') outcomes.push((await decoded(completed.result?.payloads?.[0])) as Beaten[]);
    }
    return outcomes;
  }

  function expectExactFile(result: Record<string, unknown>): void {
    const expected = expectedToriiFile(directory);
    expect(sortedFile(h.torii.syncs.at(-1)!.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(result).toMatchObject({ usersActive: expected.counts.active, usersDisabled: expected.counts.disabled, usersLocked: expected.counts.locked });
  }

  it('resumes each listing of a retried attempt after its last beaten page', async () => {
    const [heldGroup, members] = largestGroup();
    const pages = Math.ceil(members.size / PAGE_SIZE);
    expect(pages).toBe(3);
    // The held listing's last page waits until the server has a beat in which it stands at its
    // second page and every other listing of its activity is at its end, then is answered 503.
    const held = gate();
    let seen = 0;
    h.pingone.faults.add({ kind: 'members', match: (req) => ofGroup(heldGroup)(req) && ++seen === pages, respond: { until: held.until } });

    const id = connectionId('together-resume');
    const from = h.pingone.requests.length;
    const handle = await startSync(h.env.client, h.input(id, client, directory, { options }), h.taskQueue);
    const beat = await eventually(
      'a beat with the held listing at its second page and the others of its activity at their end',
      async () => {
        for (const activity of (await handle.describe()).raw.pendingActivities ?? []) {
          if (activity.activityType?.name !== 'fetchListingsTogether') continue;
          const details = (await decoded(activity.heartbeatDetails?.payloads?.[0])) as { listings: Beaten[] } | undefined;
          if (details?.listings.some((l) => l.next?.includes(heldGroup))) return details.listings;
        }
        return undefined;
      },
      (listings) => listings !== undefined && listings.every((l) => (l.next?.includes(heldGroup) ? l.pages === pages - 1 : l.pages > 0 && l.next === null)),
    );
    // Several listings shared the activity, each with its own progress.
    expect(beat!.length).toBeGreaterThan(1);
    expect(beat!.find((l) => l.next !== null)).toMatchObject({ pages: pages - 1, kept: (pages - 1) * PAGE_SIZE, expired: false });
    held.release({ status: 503, body: { id: randomUUID(), code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' } });
    const result = await handle.result();
    expectExactFile(result as unknown as Record<string, unknown>);

    // Only the failed page was asked for again: the retried attempt resumed the held listing at it,
    // and left the other listings of its activity at their end.
    const requests = h.pingone.requests.slice(from);
    const { repeated } = groupScopedUrls(requests);
    const heldUrls = requests.filter(ofGroup(heldGroup)).map((r) => `${r.path}?${r.query}`);
    expect(heldUrls).toHaveLength(pages + 1);
    expect(repeated).toEqual([heldUrls[pages - 1]]);

    // The retry was the same activity's second attempt.
    const history = await handle.fetchHistory();
    const types = new Map<string, string>();
    for (const e of history.events ?? []) if (e.activityTaskScheduledEventAttributes) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
    const retried = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes?.attempt === 2);
    expect(retried.map((e) => types.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId)))).toEqual(['fetchListingsTogether']);
  });

  it('sends only the listing whose cursor expired back to its first page', async () => {
    const [group] = largestGroup();
    // The largest group's second page: its cursor is refused as expired, once.
    h.pingone.faults.add({ kind: 'members', match: (req) => ofGroup(group)(req) && isLaterPage(req), respond: invalidData('INVALID_VALUE', 'cursor', 'The cursor is invalid or has expired.') });

    const id = connectionId('together-expired');
    const from = h.pingone.requests.length;
    const handle = await startSync(h.env.client, h.input(id, client, directory, { options }), h.taskQueue);
    const result = await handle.result();
    expectExactFile(result as unknown as Record<string, unknown>);

    const requests = h.pingone.requests.slice(from);
    const own = requests.filter(ofGroup(group));
    const firstPages = own.filter((r) => !isLaterPage(r));
    // Its first page twice (the expired pass, then the restart), its refused link once.
    expect(firstPages).toHaveLength(2);
    expect(own.filter((r) => r.status === 400)).toHaveLength(1);
    // No other group-scoped page was asked for twice: the listings beside it kept their pages.
    const { repeated } = groupScopedUrls(requests);
    expect(repeated).toEqual([`${firstPages[0].path}?${firstPages[0].query}`]);

    // The activity that met the expired cursor completed, its other listings' pages answered.
    const outcomes = await togetherOutcomes(handle);
    const met = outcomes.find((o) => o.some((l) => l.expired));
    expect(met).toBeDefined();
    expect(met!.length).toBeGreaterThan(1);
    expect(met!.filter((l) => l.expired)).toHaveLength(1);
    for (const l of met!.filter((x) => !x.expired)) expect(l.pages).toBeGreaterThan(0);
    // And no attempt failed for it.
    const history = await handle.fetchHistory();
    expect((history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes)).toEqual([]);
  });
});

describe('how many group-scoped listings run at once', () => {
  // 1,500 users in 40 groups, two memberships each: 80 group-scoped listings of 1-6 pages of 20.
  const directory = generateDirectory({ seed: 73, users: 1500, groups: 40, applications: 4, membershipsPerUser: 2 });
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-lanes-Z3k8', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  const concurrency = 4; // 8 lanes
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ pingone: { environments: [directory], clients: [client], maxPageSize: PAGE_SIZE } });
  });
  afterAll(() => h?.close());

  it('holds the budget concurrency of them while a chain is open, and every lane once the chains are done', async () => {
    const handle = await startSync(h.env.client, h.input(connectionId('together-lanes'), client, directory, { options: { rateLimit: { concurrency, requestsPerSecond: 400 } } }), h.taskQueue);
    const result = await handle.result();
    const expected = expectedToriiFile(directory);
    expect(sortedFile(h.torii.syncs.at(-1)!.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(result).toMatchObject({ usersActive: expected.counts.active });

    // Walk the history: the group-scoped listings in activities scheduled and not yet closed, and
    // whether a user listing's activity is among them, at each scheduling.
    const open = new Map<string, { groupScoped: number; users: boolean }>();
    let duringChains = 0;
    let afterChains = 0;
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) {
        const type = scheduled.activityType?.name;
        const input = (await decodedPayload(h.dataConverter, scheduled.input?.payloads?.[0])) as { listing?: { kind: string }; listings?: unknown[] };
        if (type === 'fetchListingsTogether') open.set(String(event.eventId), { groupScoped: input.listings!.length, users: false });
        if (type === 'fetchPages' && input.listing?.kind === 'users') open.set(String(event.eventId), { groupScoped: 0, users: true });
        const running = [...open.values()];
        const groupScoped = running.reduce((n, a) => n + a.groupScoped, 0);
        if (running.some((a) => a.users)) duringChains = Math.max(duringChains, groupScoped);
        else afterChains = Math.max(afterChains, groupScoped);
      }
      const closed =
        event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes ?? event.activityTaskCanceledEventAttributes;
      if (closed) open.delete(String(closed.scheduledEventId));
    }
    // While a chain runs, the group-scoped listings leave it the rest of the lanes.
    expect(duringChains).toBeLessThanOrEqual(concurrency);
    // Then they take more than the concurrency, never more than the lanes (twice it).
    expect(afterChains).toBeGreaterThan(concurrency);
    expect(afterChains).toBeLessThanOrEqual(2 * concurrency);
  });
});
