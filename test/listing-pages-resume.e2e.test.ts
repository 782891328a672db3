// One activity follows a listing for several pages and beats its progress after each; a retried
// attempt resumes after the last page whose beat reached the server: the pages before it are not
// fetched again and counted once (the counts come from the beat), the failed page is fetched again.
import { randomUUID } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { startSync } from '../client/start-sync';
import { generateDirectory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import { gate } from '../sim/faults';
import type { SimClient } from '../sim/pingone';
import { eventually } from './support/eventually';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';
import { decodedPayload } from './support/decoded-payload';

/** Pages of the largest population's chain fetched before the held one. */
const BEFORE_HELD = 5;

describe('a multi-page listing activity', () => {
  // 600 users at 20 a page: the largest population (60%) is one chain of 18 pages.
  const directory = generateDirectory({ seed: 71, users: 600, groups: 6, applications: 12 });
  const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-pages-R4t8', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ pingone: { environments: [directory], clients: [client], maxPageSize: 20 } });
  });
  afterAll(() => h?.close());

  const decoded = (payload: Payload | null | undefined) => decodedPayload(h.dataConverter, payload);

  it('resumes a retried attempt after its last beaten page and counts every user once', async () => {
    const largest = directory.populations[0].id;
    const chain = (r: { kind: string; query: string }) => r.kind === 'users' && r.query.includes(largest);
    // The chain's sixth page is held until the test has seen the fifth page's beat on the server, then answered 503.
    const held = gate();
    let seen = 0;
    h.pingone.faults.add({ kind: 'users', match: (req) => chain({ kind: 'users', query: req.query }) && ++seen === BEFORE_HELD + 1, respond: { until: held.until } });

    const id = connectionId('pages-resume');
    const from = h.pingone.requests.length;
    const handle = await startSync(h.env.client, h.input(id, client, directory), h.taskQueue);
    // The server's record of the chain's activity: its last beat names the next link and the pages so far.
    const beat = await eventually(
      'the fifth page of the chain beaten to the server',
      async () => {
        for (const activity of (await handle.describe()).raw.pendingActivities ?? []) {
          if (activity.activityType?.name !== 'fetchPages') continue;
          const details = (await decoded(activity.heartbeatDetails?.payloads?.[0])) as { next: string | null; pages: number; kept: number } | undefined;
          if (details?.next?.includes(largest)) return details;
        }
        return undefined;
      },
      (details) => details?.pages === BEFORE_HELD,
    );
    expect(beat).toMatchObject({ pages: BEFORE_HELD, kept: BEFORE_HELD * 20 });
    held.release({ status: 503, body: { id: randomUUID(), code: 'SERVICE_UNAVAILABLE', message: 'Service unavailable' } });
    const result = await handle.result();

    // Exactly the expected file; every user counted once.
    const expected = expectedToriiFile(directory);
    expect(sortedFile(h.torii.syncs.at(-1)!.file as ToriiFile)).toEqual(sortedFile(expected.file));
    expect(result).toMatchObject({ usersActive: expected.counts.active, usersDisabled: expected.counts.disabled, usersLocked: expected.counts.locked });

    // The chain: pages 1-5 once, page 6 twice (the 503, then the resumed attempt's first request), the rest once.
    const urls = h.pingone.requests.slice(from).filter(chain).map((r) => `${r.path}?${r.query}`);
    const pages = Math.ceil(directory.users.filter((u) => u.population.id === largest).length / 20);
    expect(urls).toHaveLength(pages + 1);
    expect(urls[BEFORE_HELD + 1]).toBe(urls[BEFORE_HELD]);
    expect(new Set(urls).size).toBe(pages);

    // The retry was the same activity's second attempt, not a new activity from the listing's start.
    const history = await handle.fetchHistory();
    const retried = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes?.attempt === 2);
    expect(retried).toHaveLength(1);
  });
});
