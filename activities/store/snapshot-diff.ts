// What changed between two snapshots as Torii saw them: users added, removed and changed status,
// and license assignments gained and lost per application. Pure: it classifies rows that pair the
// two snapshots (snapshot-diff-rows.ts reads them, already narrowed to what differs, so the diff
// costs memory in proportion to the change, not the directory). Unchanged pairs are ignored, so a
// test may hand in whole snapshots.
import type { ApplicationDiff, DiffUser, SnapshotDiff, StatusChange } from '../../contract/reports';

/** A user sent active in either snapshot, with their Torii status on each side (null: not there). */
export interface UserPairRow {
  user_id: string;
  email: string;
  before: string | null;
  after: string | null;
}

/** An application holding a license in either snapshot, with its license name on each side. */
export interface LicensePairRow {
  app_id: string;
  before_name: string | null;
  after_name: string | null;
}

/** One user's assignment of one application's license, present before and/or after. */
export interface AssignmentPairRow {
  app_id: string;
  user_id: string;
  email: string;
  before: boolean;
  after: boolean;
}





const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byEmail = (a: DiffUser, b: DiffUser) => byText(a.email.toLowerCase(), b.email.toLowerCase()) || byText(a.userId, b.userId);

export function diffSnapshots(users: UserPairRow[], licenses: LicensePairRow[], assignments: AssignmentPairRow[]): SnapshotDiff {
  const added: DiffUser[] = [];
  const removed: DiffUser[] = [];
  const changed: StatusChange[] = [];
  for (const row of users) {
    const user = { userId: row.user_id, email: row.email };
    if (row.before === null && row.after !== null) added.push(user);
    else if (row.before !== null && row.after === null) removed.push(user);
    else if (row.before !== null && row.after !== null && row.before !== row.after) changed.push({ ...user, from: row.before, to: row.after });
  }

  const apps = new Map<string, ApplicationDiff>();
  for (const row of licenses) {
    const name = row.after_name ?? row.before_name;
    if (name === null) continue;
    const change = row.before_name === null ? 'added' : row.after_name === null ? 'removed' : row.before_name !== row.after_name ? 'renamed' : 'kept';
    apps.set(row.app_id, { appId: row.app_id, name, change, previousName: change === 'renamed' ? row.before_name : null, gained: [], lost: [] });
  }
  for (const row of assignments) {
    if (row.before === row.after) continue;
    const app = apps.get(row.app_id);
    // An assignment only exists under a license, so its application is always among `licenses`.
    if (!app) throw new Error(`license assignment of application ${row.app_id} without the application's license row`);
    (row.after ? app.gained : app.lost).push({ userId: row.user_id, email: row.email });
  }

  const applications = [...apps.values()]
    .filter((app) => app.change !== 'kept' || app.gained.length > 0 || app.lost.length > 0)
    .map((app) => ({ ...app, gained: app.gained.sort(byEmail), lost: app.lost.sort(byEmail) }))
    .sort((a, b) => byText(a.name.toLowerCase(), b.name.toLowerCase()) || byText(a.appId, b.appId));

  return {
    users: { added: added.sort(byEmail), removed: removed.sort(byEmail), changed: changed.sort(byEmail) },
    applications,
    totals: {
      usersAdded: added.length,
      usersRemoved: removed.length,
      usersChanged: changed.length,
      applicationsAdded: applications.filter((a) => a.change === 'added').length,
      applicationsRemoved: applications.filter((a) => a.change === 'removed').length,
      assignmentsGained: applications.reduce((n, a) => n + a.gained.length, 0),
      assignmentsLost: applications.reduce((n, a) => n + a.lost.length, 0),
    },
  };
}
