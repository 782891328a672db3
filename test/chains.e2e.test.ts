// The user listing as parallel chains: one per population, a large population split by username
// prefix; the union is exactly the population (a prefix the split cannot reach is caught by the
// count check and the population is listed again whole), and no page is fetched twice.
import { randomUUID } from 'node:crypto';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, type Harness } from './support/harness';
import { runHistories } from './support/run-histories';
import { sortedFile } from './support/torii-file-order';
import { syncWorkflowId } from '../contract/sync';

describe('user listing chains', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;

  beforeAll(async () => {
    directory = generateDirectory({ seed: 21, users: 3000, groups: 20, applications: 12 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-chains-K2p7', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    // 60% of 3,000 is 1,800: only the largest population is split.
    h = await startHarness({ pingone: { environments: [directory], clients: [client], shortPages: true }, env: { PINGONE_CHAIN_SPLIT_USERS: '1000' } });
  });
  afterAll(() => h?.close());

  const userRequests = (from: number) => h.pingone.requests.slice(from).filter((r) => r.kind === 'users');

  it('lists each population on its own chain, the largest split by prefix, every page once', async () => {
    const before = h.pingone.requests.length;
    const result = await h.sync(h.input(connectionId('chains'), client, directory));
    expect(sortedFile(h.torii.syncs.at(-1)!.file as ToriiFile)).toEqual(sortedFile(expectedToriiFile(directory).file));
    // Only warnings about populations concern chains (the fixed apps bring their own, issue 15).
    const populationWarnings = (warnings: string[]) => warnings.filter((w) => w.startsWith('Population '));
    expect(populationWarnings(result.warnings)).toEqual([]);
    expect(result.warnings).toHaveLength(expectedToriiFile(directory).warnings);

    const filters = userRequests(before).map((r) => new URLSearchParams(r.query).get('filter') ?? '');
    const largest = directory.populations[0].id;
    const firstPages = filters.filter((f, i) => !new URLSearchParams(userRequests(before)[i].query).has('cursor'));
    expect(firstPages.filter((f) => f.includes(largest) && f.includes('username sw'))).toHaveLength(36);
    for (const population of directory.populations.slice(1)) {
      expect(firstPages.filter((f) => f.includes(population.id))).toEqual([`population.id eq "${population.id}"`]);
    }
    const urls = userRequests(before).map((r) => `${r.path}?${r.query}`);
    expect(new Set(urls).size).toBe(urls.length);
  });

  it('catches usernames no prefix reaches and lists that population again whole', async () => {
    const largest = directory.populations[0].id;
    const inLargest = directory.users.filter((u) => u.population.id === largest);
    inLargest[0].username = `_svc-${inLargest[0].username}`;
    inLargest[1].username = `ø${inLargest[1].username}`;
    inLargest[2].username = `Ōtani.${inLargest[2].username}`;
    const before = h.pingone.requests.length;
    const result = await h.sync(h.input(connectionId('fallback'), client, directory));
    expect(sortedFile(h.torii.syncs.at(-1)!.file as ToriiFile)).toEqual(sortedFile(expectedToriiFile(directory).file));
    expect(result.warnings.filter((w) => w.startsWith('Population '))).toEqual([expect.stringContaining(`found ${inLargest.length - 3} of ${inLargest.length} users, so the population was listed again whole`)]);
    const wholeFirstPages = userRequests(before).filter((r) => {
      const query = new URLSearchParams(r.query);
      return !query.has('cursor') && query.get('filter') === `population.id eq "${largest}"`;
    });
    expect(wholeFirstPages).toHaveLength(1);
  });
});

describe('listing lanes at the highest concurrency', () => {
  let h: Harness;

  afterAll(() => h?.close());

  // Every held listing's next link travels in the checkpoint across continue-as-new, so lanes are
  // capped at 48 even when twice the concurrency (64) would give 128.
  it('keeps at most 48 page fetches in flight while 144 chains are open', async () => {
    const directory = generateDirectory({ seed: 23, users: 3000, groups: 6, applications: 6 });
    const client: SimClient = { clientId: randomUUID(), clientSecret: 'sim-secret-lanes-W3q8', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    // Every population above 100 users is split into 36 prefix chains: 144 chains at once.
    h = await startHarness({ pingone: { environments: [directory], clients: [client], maxPageSize: 20, latencyMs: 20 }, env: { PINGONE_CHAIN_SPLIT_USERS: '100' } });
    const id = connectionId('lanes');
    await h.sync(h.input(id, client, directory, { options: { dryRun: false, rateLimit: { concurrency: 64, requestsPerSecond: 1000 } } }));
    expect(sortedFile(h.torii.syncs.at(-1)!.file as ToriiFile)).toEqual(sortedFile(expectedToriiFile(directory).file));

    let inFlight = 0;
    let most = 0;
    const fetches = new Set<string>();
    for (const run of await runHistories(h.env.client, syncWorkflowId(id))) {
      for (const event of run.history.events ?? []) {
        if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchPages') {
          fetches.add(String(event.eventId));
          most = Math.max(most, ++inFlight);
        }
        const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
        if (closed && fetches.delete(String(closed.scheduledEventId))) inFlight--;
      }
    }
    expect(most).toBeLessThanOrEqual(48);
    expect(most).toBeGreaterThanOrEqual(40); // the lanes were full: the cap, not the work, bounded them
  });
});
