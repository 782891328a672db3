// What an operator sees of a sync in Temporal: search attributes that list filters find, the memo
// with the connection's non-secret facts, the UI's current details, activity summaries naming the
// page, and the `progress` query through every phase (each phase held open by a simulator fault
// until the test has seen it, then released), down to a failed run marked `SyncPhase = "failed"`.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { startSync } from '../client/start-sync';
import type { SyncProgress } from '../contract/sync';
import { CONNECTION_MEMO_KEY } from '../contract/connection-facts';
import { PingOneEnvironmentId, SyncConnectionId, SyncPhaseAttribute, SyncUsers, ToriiAppAccountId } from '../contract/search-attributes';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { eventually } from './support/eventually';
import { connectionId, startHarness, type Harness } from './support/harness';
import { decodedPayload } from './support/decoded-payload';

/** Fault holds: while a name is in the set, the matching requests answer 503 Retry-After 1. */
type Hold = 'token' | 'users-after-first-page' | 'role-assignments' | 'torii-upload';

describe('a sync as operators see it', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;
  /** Used by the phases test only, so its token request is not answered from the worker's token cache. */
  let phasesClient: SimClient;
  const holds = new Set<Hold>();
  /** Follow-up user pages answered 503 so far: their cursors were issued before the test expires them. */
  let heldCursorRequests = 0;
  const busy = { status: 503, headers: { 'retry-after': '1' }, body: { code: 'SERVICE_UNAVAILABLE', message: 'held by the test' } };

  beforeAll(async () => {
    directory = generateDirectory({ seed: 61, users: 300, groups: 10, applications: 12 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-obs-Q4vT8wz', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    phasesClient = { clientId: randomUUID(), clientSecret: 'sim-secret-phases-K7dW3m', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client, phasesClient], maxPageSize: 50 } });
    h.pingone.faults.add({ kind: 'token', times: Infinity, match: () => holds.has('token'), respond: busy });
    h.pingone.faults.add({ kind: 'users', times: Infinity, match: (req) => holds.has('users-after-first-page') && req.query.includes('cursor=') && ++heldCursorRequests > 0, respond: busy });
    h.pingone.faults.add({ kind: 'roleAssignments', times: Infinity, match: () => holds.has('role-assignments'), respond: busy });
    h.torii.faults.add({ kind: 'upload', times: Infinity, match: () => holds.has('torii-upload'), respond: busy });
  });
  afterAll(() => h?.close());
  // A failed test must not leave the next one's requests held.
  afterEach(() => holds.clear());

  const progressOf = (handle: WorkflowHandle) => handle.query<SyncProgress>('progress');
  const phaseAttributeOf = async (handle: WorkflowHandle) => (await handle.describe()).typedSearchAttributes.get(SyncPhaseAttribute);
  /** The UI's current details, as the UI asks for them (the SDK's metadata query). */
  const detailsOf = async (handle: WorkflowHandle) => (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';

  const decoded = (payload: Payload | null | undefined) => decodedPayload(h.dataConverter, payload);

  it('lists a finished sync by its search attributes and shows its memo, details and page summaries', async () => {
    const id = connectionId('seen');
    const result = await h.sync(h.input(id, client, directory));
    const listed = await eventually(
      'the sync to be listed as done',
      async () => {
        const found = [];
        for await (const execution of h.env.client.workflow.list({ query: `SyncConnectionId = "${id}" AND SyncPhase = "done"` })) found.push(execution);
        return found;
      },
      (found) => found.length === 1,
    );
    const attributes = listed[0].typedSearchAttributes;
    expect(attributes.get(SyncConnectionId)).toBe(id);
    expect(attributes.get(PingOneEnvironmentId)).toBe(directory.environmentId);
    expect(attributes.get(ToriiAppAccountId)).toBe(4242);
    expect(attributes.get(SyncPhaseAttribute)).toBe('done');
    expect(attributes.get(SyncUsers)).toBe(directory.users.length);

    const handle = h.env.client.workflow.getHandle(listed[0].workflowId);
    const description = await handle.describe();
    expect(description.memo?.[CONNECTION_MEMO_KEY]).toEqual({
      connectionId: id,
      environmentId: directory.environmentId,
      clientId: client.clientId,
      tokenUrl: null,
      toriiAppAccountId: 4242,
      dryRun: false,
    });
    expect(JSON.stringify(description.memo)).not.toContain(client.clientSecret);

    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain(`**Connection** \`${id}\``);
    expect(metadata.currentDetails).toContain('**Phase** done');
    expect(metadata.currentDetails).toContain(`${result.pagesFetched} pages · ${directory.users.length} users · `);

    const history = await handle.fetchHistory();
    const summaries: string[] = [];
    for (const event of history.events ?? []) {
      const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type !== 'fetchPages' && type !== 'fetchListingsTogether') continue;
      summaries.push(String(await decoded(event.userMetadata?.summary)));
    }
    // One activity follows a listing for several pages, or several group-scoped listings together;
    // its summary names the (first) listing and the page it starts at, and how many more it follows.
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.length).toBeLessThanOrEqual(result.pagesFetched);
    expect(summaries).toEqual(expect.arrayContaining([expect.stringMatching(/^users.*, page 1$/)]));
    const groupIds = new Set(directory.groups.map((g) => g.id));
    const groupScoped = summaries.map((s) => /^(?:members of group|parent groups of group) (\S+), page 1(?: and (\d+) more listings)?$/.exec(s)).filter((m) => m !== null);
    expect(groupScoped.length).toBeGreaterThan(0);
    for (const m of groupScoped) expect(groupIds.has(m[1])).toBe(true);
  });

  it('answers the progress query in every phase, with the search attribute following', async () => {
    const expected = expectedToriiFile(directory);
    const expectedAssignments = expected.file.licenses.reduce((n, l) => n + l.users.length, 0);
    holds.add('token');
    const handle = await startSync(h.env.client, h.input(connectionId('phases'), phasesClient, directory), h.taskQueue);

    const starting = await eventually('phase starting', () => progressOf(handle), (p) => p.phase === 'starting');
    expect(starting).toMatchObject({ pagesFetched: 0, users: 0, licenseAssignments: 0, lastError: null });
    expect(Number.isNaN(Date.parse(starting.startedAt))).toBe(false);
    expect(await phaseAttributeOf(handle)).toBe('starting');

    holds.add('users-after-first-page');
    holds.delete('token');
    const listing = await eventually('phase listing with first pages in', () => progressOf(handle), (p) => p.phase === 'listing' && p.users > 0);
    expect(listing.pagesFetched).toBeGreaterThan(0);
    expect(listing.listingsRunning).toBeGreaterThan(0);
    expect(listing.startedAt).toBe(starting.startedAt);
    expect(await phaseAttributeOf(handle)).toBe('listing');
    expect(await detailsOf(handle)).toContain('**Phase** listing');
    // The held pages' cursors die: each user listing must start again, and the board says why. A
    // listing with users may be a one-page population, so wait until a follow-up page is really held
    // (its cursor issued before the expiry); otherwise every cursor could be issued after it.
    await eventually('a follow-up user page held', async () => heldCursorRequests, (n) => n > 0);
    h.pingone.expireCursors();

    holds.add('role-assignments');
    holds.delete('users-after-first-page');
    const resolving = await eventually('phase resolving-access', () => progressOf(handle), (p) => p.phase === 'resolving-access');
    expect(resolving).toMatchObject({ users: directory.users.length, applications: directory.applications.length, groups: directory.groups.length, listingsRunning: 0 });
    expect(resolving.lastError).toMatch(/cursor expired/);
    expect(await phaseAttributeOf(handle)).toBe('resolving-access');
    expect(await detailsOf(handle)).toMatch(/^\*\*Phase\*\* resolving-access · .*\n\n\*\*Last problem\*\* .*cursor expired/);

    holds.add('torii-upload');
    holds.delete('role-assignments');
    const publishing = await eventually('phase publishing', () => progressOf(handle), (p) => p.phase === 'publishing');
    expect(publishing.licenseAssignments).toBe(expectedAssignments);
    expect(await phaseAttributeOf(handle)).toBe('publishing');

    holds.delete('torii-upload');
    const result = await handle.result();
    const done = await progressOf(handle);
    expect(done).toMatchObject({ phase: 'done', users: directory.users.length, licenseAssignments: expectedAssignments, pagesFetched: result.pagesFetched, startedAt: starting.startedAt });
    expect(await phaseAttributeOf(handle)).toBe('done');
    expect(await detailsOf(handle)).toContain('**Phase** done');
  });

  it('marks a failed sync SyncPhase "failed" with its cause in the progress query', async () => {
    const id = connectionId('fails');
    const wrong = { ...client, clientSecret: 'not-the-secret-Zk31' };
    const handle = await startSync(h.env.client, h.input(id, wrong, directory), h.taskQueue);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const failed = await progressOf(handle);
    expect(failed.phase).toBe('failed');
    expect(failed.lastError).toMatch(/did not accept the Client ID and Client Secret/);
    const listed = await eventually(
      'the sync to be listed as failed',
      async () => {
        const ids: string[] = [];
        for await (const execution of h.env.client.workflow.list({ query: `SyncConnectionId = "${id}" AND SyncPhase = "failed"` })) ids.push(execution.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
    );
    expect(listed).toEqual([handle.workflowId]);
  });
});
