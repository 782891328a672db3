// The diff of two snapshots as a pure function over paired rows, and how the CLI prints it.
import { diffSnapshots, type AssignmentPairRow, type LicensePairRow, type UserPairRow } from '../activities/store/snapshot-diff';
import type { ConnectionDiff } from '../client/diff-command';
import { diffAsJson, printDiff } from '../client/diff-command';
import { bounded } from '../activities/store/connection-diff';
import { capturingTerminal } from '../client/terminal';

const user = (id: string, before: string | null, after: string | null): UserPairRow => ({ user_id: id, email: `${id}@example.com`, before, after });
const license = (app: string, before: string | null, after: string | null): LicensePairRow => ({ app_id: app, before_name: before, after_name: after });
const assignment = (app: string, id: string, before: boolean, after: boolean): AssignmentPairRow => ({ app_id: app, user_id: id, email: `${id}@example.com`, before, after });

describe('diffSnapshots', () => {
  it('sorts users into added, removed and changed status, ignoring unchanged pairs', () => {
    const diff = diffSnapshots(
      [user('zoe', null, 'enabled'), user('amy', 'enabled', null), user('bob', 'enabled', 'disabled'), user('cat', 'locked', 'locked'), user('abe', null, 'locked')],
      [],
      [],
    );
    expect(diff.users.added).toEqual([{ userId: 'abe', email: 'abe@example.com' }, { userId: 'zoe', email: 'zoe@example.com' }]);
    expect(diff.users.removed).toEqual([{ userId: 'amy', email: 'amy@example.com' }]);
    expect(diff.users.changed).toEqual([{ userId: 'bob', email: 'bob@example.com', from: 'enabled', to: 'disabled' }]);
    expect(diff.totals).toMatchObject({ usersAdded: 2, usersRemoved: 1, usersChanged: 1 });
  });

  it('groups license assignments gained and lost per application and names license changes', () => {
    const diff = diffSnapshots(
      [],
      [license('a1', 'Slack', 'Slack'), license('a2', null, 'Zoom'), license('a3', 'Jira', null), license('a4', 'Old', 'New'), license('a5', 'Quiet', 'Quiet')],
      [
        assignment('a1', 'bob', false, true),
        assignment('a1', 'amy', true, false),
        assignment('a1', 'cat', true, true),
        assignment('a2', 'bob', false, true),
        assignment('a3', 'amy', true, false),
      ],
    );
    expect(diff.applications).toEqual([
      { appId: 'a3', name: 'Jira', change: 'removed', previousName: null, gained: [], lost: [{ userId: 'amy', email: 'amy@example.com' }] },
      { appId: 'a4', name: 'New', change: 'renamed', previousName: 'Old', gained: [], lost: [] },
      { appId: 'a1', name: 'Slack', change: 'kept', previousName: null, gained: [{ userId: 'bob', email: 'bob@example.com' }], lost: [{ userId: 'amy', email: 'amy@example.com' }] },
      { appId: 'a2', name: 'Zoom', change: 'added', previousName: null, gained: [{ userId: 'bob', email: 'bob@example.com' }], lost: [] },
    ]);
    expect(diff.totals).toMatchObject({ applicationsAdded: 1, applicationsRemoved: 1, assignmentsGained: 2, assignmentsLost: 2 });
  });

  it('refuses an assignment whose application has no license row', () => {
    expect(() => diffSnapshots([], [], [assignment('ghost', 'bob', false, true)])).toThrow(/application ghost/);
  });

  it('bounds the rows one answer carries, in print order, keeping the totals whole', () => {
    const diff = diffSnapshots(
      [user('amy', null, 'enabled'), user('bob', null, 'enabled'), user('cat', 'enabled', null)],
      [license('a1', 'Slack', 'Slack')],
      [assignment('a1', 'amy', false, true), assignment('a1', 'bob', false, true)],
    );
    const { diff: cut, rowsLeftOut } = bounded(diff, 3);
    expect(cut.users.added.map((u) => u.userId)).toEqual(['amy', 'bob']);
    expect(cut.users.removed.map((u) => u.userId)).toEqual(['cat']);
    expect(cut.applications[0].gained).toEqual([]);
    expect(rowsLeftOut).toBe(2);
    expect(cut.totals).toEqual(diff.totals);
    expect(bounded(diff, 100)).toEqual({ diff, rowsLeftOut: 0 });
  });

  it('prints tables without colour off a TTY, cut at the limit with a hint', () => {
    const diff = diffSnapshots([user('amy', null, 'enabled'), user('bob', null, 'enabled'), user('cat', 'enabled', 'disabled')], [license('a1', 'Slack', 'Slack')], [assignment('a1', 'amy', false, true)]);
    const result: ConnectionDiff = {
      connectionId: 'acme',
      before: { snapshotId: 'aaaaaaaa-1', status: 'published', finishedAt: '2026-01-02T03:04:00.000Z', environmentId: 'e' },
      after: { snapshotId: 'bbbbbbbb-2', status: 'dry-run', finishedAt: '2026-01-03T03:04:00.000Z', environmentId: 'e' },
      diff,
      usage: [],
      rowsLeftOut: 0,
    };
    const out = capturingTerminal();
    printDiff(out, result, { limit: 2 });
    expect(out.text()).toBe(
      [
        'Diff of acme: aaaaaaaa (published 2026-01-02 03:04 UTC) → bbbbbbbb (dry run 2026-01-03 03:04 UTC)',
        'Users: 2 added, 0 removed, 1 changed status',
        'Licenses: 1 assignment gained, 0 lost in 1 application',
        '',
        'USER   EMAIL            PINGONE ID  STATUS',
        'added  amy@example.com  amy',
        'added  bob@example.com  bob',
        '… 1 more (show all with --limit 0, or --json)',
        '',
        'APPLICATION  LICENSE  GAINED  LOST',
        'Slack                     +1    -0',
        '',
        'APPLICATION  ASSIGNMENT  EMAIL',
        'Slack        gained      amy@example.com',
        '',
      ].join('\n'),
    );
    const colored = capturingTerminal({ color: true });
    printDiff(colored, result);
    expect(colored.text()).toContain('\u001b[32m2 added\u001b[39m');
  });

  it('prints the usage each mapped application gained, also when nothing else changed', () => {
    const result: ConnectionDiff = {
      connectionId: 'acme',
      before: { snapshotId: 'aaaaaaaa-1', status: 'published', finishedAt: '2026-01-02T03:04:00.000Z', environmentId: 'e' },
      after: { snapshotId: 'bbbbbbbb-2', status: 'published', finishedAt: '2026-01-03T03:04:00.000Z', environmentId: 'e' },
      diff: diffSnapshots([], [], []),
      usage: [
        { appId: 'a1', name: 'Slack', users: 40, signedOn: 31, gained: 12, firstSeen: 5 },
        { appId: 'a2', name: 'Zoom', users: 3, signedOn: 0, gained: 0, firstSeen: 0 },
      ],
      rowsLeftOut: 0,
    };
    const out = capturingTerminal();
    printDiff(out, result);
    expect(out.text()).toBe(
      [
        'Diff of acme: aaaaaaaa (published 2026-01-02 03:04 UTC) → bbbbbbbb (published 2026-01-03 03:04 UTC)',
        'Users: 0 added, 0 removed, 0 changed status',
        'Licenses: 0 assignments gained, 0 lost in 0 applications',
        'Usage: 12 users with a newer sign-on in 2 mapped applications',
        'No changes.',
        '',
        'MAPPED APPLICATION  USERS  SIGNED ON  USAGE GAINED  FIRST SEEN',
        'Slack                  40         31           +12           5',
        'Zoom                    3          0            +0           0',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(diffAsJson(result)).usage).toEqual(result.usage);
  });
});
