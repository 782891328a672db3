// The deletion guard end to end: a sync that would send more than 10% (and more than 10) of last
// time's users as deleted publishes nothing and waits in `awaiting-approval`; the CLI's
// approve-deletions lets it publish exactly the expected deletions, reject-deletions and the
// deadline fail it with DeletionGuardTripped naming both counts; ordinary deletions, a looser
// per-connection limit and dry runs pass without waiting.
import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { registerDeletionCommands } from '../client/deletion-approval';
import { startSync } from '../client/start-sync';
import { PROGRESS_QUERY, type SyncProgress, type SyncResult } from '../contract/sync';
import { deleteUsers, generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { gate } from '../sim/faults';
import { eventually } from './support/eventually';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

interface Tenant { directory: Directory; client: SimClient }

function tenant(seed: number): Tenant {
  const directory = generateDirectory({ seed, users: 300, groups: 10, applications: 12 });
  return { directory, client: { clientId: randomUUID(), clientSecret: `sim-secret-guard-${seed}-Qx7`, environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' } };
}

/** Deletes every user whose position in the directory falls in the first `share` of each ten. */
function deleteShare(directory: Directory, share: number): void {
  deleteUsers(directory, directory.users.filter((_, i) => i % 10 < share * 10).map((u) => u.id));
}

async function failureOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof WorkflowFailedError)) throw new Error(`expected the sync to fail, got ${String(err)}`);
  const cause = err.cause as { type?: string; message: string };
  return { type: cause.type, message: cause.message };
}

describe('deletion guard', () => {
  const tenants = {
    approve: tenant(51), reject: tenant(52), timeout: tenant(53), ordinary: tenant(54), dry: tenant(55), early: tenant(56),
    boundary: tenant(57), off: tenant(58), twice: tenant(59), badDay: tenant(60),
  };
  let h: Harness;

  beforeAll(async () => {
    const all = Object.values(tenants);
    h = await startHarness({ pingone: { environments: all.map((t) => t.directory), clients: all.map((t) => t.client) } });
  });
  afterAll(() => h?.close());

  const cli = () => {
    const printed: string[] = [];
    const exitCodes: number[] = [];
    const program = new Command('pingone-torii-sync').exitOverride();
    registerDeletionCommands(program, { connect: async () => h.env.client, print: (line) => printed.push(line), setExitCode: (code) => exitCodes.push(code) });
    return { printed, exitCodes, run: (...args: string[]) => program.parseAsync(args, { from: 'user' }) };
  };
  const progressOf = (handle: WorkflowHandle) => handle.query<SyncProgress>(PROGRESS_QUERY);
  const held = (handle: WorkflowHandle) => eventually('the sync to wait for approval', () => progressOf(handle), (p) => p.phase === 'awaiting-approval');

  /** A first, published sync, then the directory loses `share` of its users; answers both expectations. */
  async function publishedThenShrunk(t: Tenant, id: string, share: number) {
    await h.sync(h.input(id, t.client, t.directory));
    const before = expectedToriiFile(t.directory);
    deleteShare(t.directory, share);
    return { before, after: expectedToriiFile(t.directory, { previouslySent: before.file.users }) };
  }

  it('holds a sync deleting 30% until approve-deletions, then publishes exactly those deletions', async () => {
    const t = tenants.approve;
    const id = connectionId('guard-approve');
    const { before, after } = await publishedThenShrunk(t, id, 0.3);
    const syncsBefore = h.torii.syncs.length;
    const uploads = () => h.torii.requests.filter((r) => r.kind === 'upload' || r.kind === 'uploadUrl').length;
    const uploadsBefore = uploads();
    const handle = await startSync(h.env.client, h.input(id, t.client, t.directory), h.taskQueue);

    const progress = await held(handle);
    expect(progress.heldDeletions).toMatchObject({ usersDeleted: after.counts.deleted, previousUsers: before.counts.sent, maxDeletedShare: 0.1, maxDeletedUsers: 10 });
    expect(after.counts.deleted).toBeGreaterThan(0.1 * before.counts.sent);
    expect(h.torii.syncs.length).toBe(syncsBefore);
    expect(uploads()).toBe(uploadsBefore);

    const command = cli();
    await command.run('approve-deletions', id, '--by', 'alice');
    expect(command.exitCodes).toEqual([]);
    expect(command.printed).toEqual([`approved: the sync of ${id} publishes and sends ${after.counts.deleted} of ${before.counts.sent} users to Torii as deleted`]);

    const result: SyncResult = await handle.result();
    expect(result.usersDeleted).toBe(after.counts.deleted);
    expect(h.torii.syncs.length).toBe(syncsBefore + 1);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(after.file));
  });

  it('fails with DeletionGuardTripped, naming both counts, when the deletions are rejected', async () => {
    const t = tenants.reject;
    const id = connectionId('guard-reject');
    const { before, after } = await publishedThenShrunk(t, id, 0.5);
    const syncsBefore = h.torii.syncs.length;
    const handle = await startSync(h.env.client, h.input(id, t.client, t.directory), h.taskQueue);
    await held(handle);

    const command = cli();
    await command.run('reject-deletions', id, '--by', 'bob', '--reason', 'PingOne lost a population');
    expect(command.printed[0]).toMatch(/^rejected: /);
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('DeletionGuardTripped');
    expect(failure.message).toContain(`bob rejected the deletions (PingOne lost a population). This sync would send ${after.counts.deleted} of the ${before.counts.sent} users the last sync sent to Torii as deleted`);
    expect(failure.message).toContain('Nothing was sent to Torii.');
    expect(h.torii.syncs.length).toBe(syncsBefore);
    await expect(progressOf(handle)).resolves.toMatchObject({ phase: 'failed' });
  });

  it('fails at the deadline, and a looser limit for the connection then lets the same deletions through', async () => {
    const t = tenants.timeout;
    const id = connectionId('guard-timeout');
    const { before, after } = await publishedThenShrunk(t, id, 0.3);
    const syncsBefore = h.torii.syncs.length;
    const failure = await failureOf(h.sync(h.input(id, t.client, t.directory, { options: { deletionGuard: { approvalTimeoutSeconds: 2 } } })));
    expect(failure.type).toBe('DeletionGuardTripped');
    expect(failure.message).toContain(`No one approved the deletions within 2 seconds. This sync would send ${after.counts.deleted} of the ${before.counts.sent} users`);
    expect(failure.message).toContain('more than the deletion guard allows (10% and 10 users)');
    expect(h.torii.syncs.length).toBe(syncsBefore);

    // Measured against the last published sync still: the held run published nothing.
    const result = await h.sync(h.input(id, t.client, t.directory, { options: { deletionGuard: { maxDeletedShare: 0.5 } } }));
    expect(result.usersDeleted).toBe(after.counts.deleted);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(after.file));
  });

  it('lets 10% or fewer through, and never holds for 10 users or fewer', async () => {
    const t = tenants.ordinary;
    const id = connectionId('guard-ordinary');
    const { before, after } = await publishedThenShrunk(t, id, 0.1);
    expect(after.counts.deleted).toBeGreaterThan(10);
    expect(after.counts.deleted).toBeLessThanOrEqual(0.1 * before.counts.sent);
    expect((await h.sync(h.input(id, t.client, t.directory))).usersDeleted).toBe(after.counts.deleted);

    // With no share allowed at all, the count alone decides: 8 deletions pass, 11 are held.
    const strict = { options: { deletionGuard: { maxDeletedShare: 0, approvalTimeoutSeconds: 1 } } };
    const sentUsers = (users: Directory['users']) => users.filter((u) => after.file.users.some((s) => s.id === u.id && s.status === 'active'));
    deleteUsers(t.directory, sentUsers(t.directory.users).slice(0, 8).map((u) => u.id));
    expect((await h.sync(h.input(id, t.client, t.directory, strict))).usersDeleted).toBe(8);
    deleteUsers(t.directory, sentUsers(t.directory.users).slice(0, 11).map((u) => u.id));
    const failure = await failureOf(h.sync(h.input(id, t.client, t.directory, strict)));
    expect(failure.type).toBe('DeletionGuardTripped');
    expect(failure.message).toContain('This sync would send 11 of the');
    expect(failure.message).toContain('more than the deletion guard allows (0% and 10 users)');
  });

  /** Users the last published file sent active, in directory order: deleting them sends them as deleted. */
  const sentActive = (t: Tenant, file: ToriiFile) => t.directory.users.filter((u) => file.users.some((s) => s.id === u.id && s.status === 'active'));

  it('lets exactly 10 users and exactly 10% through (the limits are "more than"), and holds one more', async () => {
    const t = tenants.boundary;
    const id = connectionId('guard-boundary');
    // A first published sync of a multiple of ten users, so 10% is a whole number of them.
    const extra = expectedToriiFile(t.directory).counts.sent % 10;
    deleteUsers(t.directory, t.directory.users.filter((u) => expectedToriiFile(t.directory).file.users.some((s) => s.id === u.id)).slice(0, extra).map((u) => u.id));
    await h.sync(h.input(id, t.client, t.directory));
    let last = expectedToriiFile(t.directory);
    expect(last.counts.sent % 10).toBe(0);
    const tenth = last.counts.sent / 10;
    expect(tenth).toBeGreaterThan(10);

    // The share alone decides (no user allowance): exactly 10% publishes.
    const shareOnly = { options: { deletionGuard: { maxDeletedUsers: 0, approvalTimeoutSeconds: 1 } } };
    deleteUsers(t.directory, sentActive(t, last.file).slice(0, tenth).map((u) => u.id));
    let next = expectedToriiFile(t.directory, { previouslySent: last.file.users });
    expect(next.counts.deleted).toBe(tenth);
    expect((await h.sync(h.input(id, t.client, t.directory, shareOnly))).usersDeleted).toBe(tenth);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(next.file));

    // The count alone decides (no share allowance): exactly 10 publishes, 11 are held.
    last = next;
    const countOnly = { options: { deletionGuard: { maxDeletedShare: 0, approvalTimeoutSeconds: 1 } } };
    deleteUsers(t.directory, sentActive(t, last.file).slice(0, 10).map((u) => u.id));
    next = expectedToriiFile(t.directory, { previouslySent: last.file.users });
    expect((await h.sync(h.input(id, t.client, t.directory, countOnly))).usersDeleted).toBe(10);
    last = next;
    deleteUsers(t.directory, sentActive(t, last.file).slice(0, 11).map((u) => u.id));
    const failure = await failureOf(h.sync(h.input(id, t.client, t.directory, countOnly)));
    expect(failure.type).toBe('DeletionGuardTripped');
    expect(failure.message).toContain('This sync would send 11 of the');
  });

  it('maxDeletedShare: 1 turns the guard off: every user gone publishes without waiting', async () => {
    const t = tenants.off;
    const id = connectionId('guard-off');
    const { before, after } = await publishedThenShrunk(t, id, 1);
    expect(t.directory.users).toEqual([]);
    const sentActiveBefore = before.file.users.filter((u) => u.status === 'active').length;
    const result = await h.sync(h.input(id, t.client, t.directory, { options: { deletionGuard: { maxDeletedShare: 1 } } }));
    expect(result.usersDeleted).toBe(sentActiveBefore);
    expect(result.usersDeleted).toBe(after.counts.deleted);
    expect(sortedFile(h.torii.syncs.at(-1)?.file as ToriiFile)).toEqual(sortedFile(after.file));
  });

  it('takes one decision: a second approval, or a rejection after it, is refused with the phase', async () => {
    const t = tenants.twice;
    const id = connectionId('guard-twice');
    const { after } = await publishedThenShrunk(t, id, 0.3);
    const syncsBefore = h.torii.syncs.length;
    const handle = await startSync(h.env.client, h.input(id, t.client, t.directory), h.taskQueue);
    await held(handle);
    const first = cli();
    await first.run('approve-deletions', id, '--by', 'alice');
    expect(first.exitCodes).toEqual([]);
    for (const decision of ['approve-deletions', 'reject-deletions']) {
      const again = cli();
      await again.run(decision, id, '--by', 'mallory');
      expect(again.exitCodes).toEqual([1]);
      expect(again.printed).toEqual([expect.stringMatching(/^This sync is not waiting for an approval of deletions \(it is in phase (publishing|done)\)\.$/)]);
    }
    const result = await handle.result();
    expect(result.usersDeleted).toBe(after.counts.deleted);
    expect(h.torii.syncs.length).toBe(syncsBefore + 1);
  });

  it('holds the README\'s bad day: the Worker app\'s role narrowed to one population looks like users leaving', async () => {
    const t = tenants.badDay;
    const id = connectionId('guard-bad-day');
    await h.sync(h.input(id, t.client, t.directory));
    const before = expectedToriiFile(t.directory);
    const [kept, ...hidden] = t.directory.populations;
    // Someone scopes the Worker app's role to one population: PingOne answers only its users.
    t.client.populationIds = [kept.id];
    const hiddenSentActive = before.file.users.filter((u) => u.status === 'active' && t.directory.users.some((d) => d.id === u.id && hidden.some((p) => p.id === d.population.id)));
    expect(hiddenSentActive.length).toBeGreaterThan(0.1 * before.counts.sent);
    const syncsBefore = h.torii.syncs.length;
    const handle = await startSync(h.env.client, h.input(id, t.client, t.directory), h.taskQueue);
    const progress = await held(handle);
    expect(progress.heldDeletions).toMatchObject({ usersDeleted: hiddenSentActive.length, previousUsers: before.counts.sent });
    const command = cli();
    await command.run('reject-deletions', id, '--by', 'ops', '--reason', 'a population is hidden from the Worker app');
    expect((await failureOf(handle.result())).type).toBe('DeletionGuardTripped');
    expect(h.torii.syncs.length).toBe(syncsBefore);
  });

  it('warns on a dry run instead of waiting', async () => {
    const t = tenants.dry;
    const id = connectionId('guard-dry');
    const { before, after } = await publishedThenShrunk(t, id, 0.4);
    const result = await h.sync(h.input(id, t.client, t.directory, { options: { dryRun: true } }));
    expect(result.usersDeleted).toBe(after.counts.deleted);
    expect(result.warnings).toContain(
      `This sync would send ${after.counts.deleted} of the ${before.counts.sent} users the last sync sent to Torii as deleted (${Math.round((after.counts.deleted / before.counts.sent) * 1000) / 10}%), ` +
        'more than the deletion guard allows (10% and 10 users). A real sync would wait for approval before publishing.',
    );
  });

  it('refuses an approval while the sync is not waiting for one', async () => {
    const t = tenants.early;
    const id = connectionId('guard-early');
    // The first users page is held until the approval has been refused, so the sync is still listing.
    const held = gate();
    h.pingone.faults.add({ kind: 'users', match: (req) => req.path.includes(`/${t.directory.environmentId}/`), respond: { until: held.until } });
    const handle = await startSync(h.env.client, h.input(id, t.client, t.directory), h.taskQueue);
    try {
      await eventually('the sync to list', () => progressOf(handle), (p) => p.phase === 'listing');
      const command = cli();
      await command.run('approve-deletions', id);
      expect(command.exitCodes).toEqual([1]);
      expect(command.printed).toEqual(['This sync is not waiting for an approval of deletions (it is in phase listing).']);
    } finally {
      held.release();
    }
    await handle.result();
  });
});
