// The sync end to end: a seeded PingOne directory arrives in the Torii simulator exactly as the
// independently computed expectation says, and deletions follow the rules across three syncs.
import { randomUUID } from 'node:crypto';
import { deleteUsers, generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile, type ToriiFile, type ToriiUser } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, type Harness } from './support/harness';
import { sortedFile } from './support/torii-file-order';

describe('pingOneSync end to end', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;

  beforeAll(async () => {
    directory = generateDirectory({ seed: 7, users: 1500, groups: 40, nestingDepth: 3, applications: 14, disabledShare: 0.1, lockedShare: 0.05, noEmailShare: 0.04, nonAsciiShare: 0.2 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-Hx7dQ2vLp9Zr', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client], shortPages: true, wrongCount: true } });
  });
  afterAll(() => h?.close());

  it('sends the directory exactly as expected, then deletions once, then no more', async () => {
    const id = connectionId('e2e');
    const first = await h.sync(h.input(id, client, directory));
    const expected1 = expectedToriiFile(directory);
    expect(h.torii.syncs).toHaveLength(1);
    expect(sortedFile(h.torii.syncs[0].file as ToriiFile)).toEqual(sortedFile(expected1.file));
    expect(first).toMatchObject({
      usersActive: expected1.counts.active,
      usersDisabled: expected1.counts.disabled,
      usersLocked: expected1.counts.locked,
      usersDeleted: 0,
      usersSkipped: { noEmail: expected1.skipped.noEmail, duplicateEmail: expected1.skipped.duplicateEmail, malformedRecord: 0 },
      applications: expected1.file.licenses.length,
      licenseAssignments: expected1.file.licenses.reduce((n, l) => n + l.users.length, 0),
      toriiFileId: h.torii.syncs[0].fileId,
      dryRun: false,
    });
    expect(first.warnings).toHaveLength(expected1.warnings);

    const gone = directory.users.filter((_, i) => i % 97 === 0).map((u) => u.id);
    deleteUsers(directory, gone);
    const second = await h.sync(h.input(id, client, directory));
    const expected2 = expectedToriiFile(directory, { previouslySent: expected1.file.users });
    expect(sortedFile(h.torii.syncs[1].file as ToriiFile)).toEqual(sortedFile(expected2.file));
    expect(second.usersDeleted).toBeGreaterThan(0);
    expect(second.usersDeleted).toBe(expected2.counts.deleted);

    const third = await h.sync(h.input(id, client, directory));
    const thirdFile = h.torii.syncs[2].file as ToriiFile;
    expect(third.usersDeleted).toBe(0);
    expect(thirdFile.users.filter((u: ToriiUser) => u.status === 'deleted')).toEqual([]);
    expect(sortedFile(thirdFile)).toEqual(sortedFile(expectedToriiFile(directory, { previouslySent: expected2.file.users }).file));
  });
});
