// What the CLI's reports answer, as they cross Temporal: a connection's diff between two syncs
// (`diff`) and its usage per application (`usage`). The worker's store reads build them
// (activities/store/connection-diff.ts, usage-report.ts); the reports' workflows carry them
// (workflows/connection-reports.ts); the CLI prints them. Plain data only.

export interface DiffUser {
  userId: string;
  email: string;
}

export interface StatusChange extends DiffUser {
  from: string;
  to: string;
}

export interface ApplicationDiff {
  appId: string;
  /** The license name now (or last, for an application that lost its license). */
  name: string;
  /** `added`/`removed`: the license itself appeared or went; `renamed`: its name changed. */
  change: 'added' | 'removed' | 'renamed' | 'kept';
  previousName: string | null;
  gained: DiffUser[];
  lost: DiffUser[];
}

export interface SnapshotDiff {
  users: { added: DiffUser[]; removed: DiffUser[]; changed: StatusChange[] };
  applications: ApplicationDiff[];
  totals: {
    usersAdded: number;
    usersRemoved: number;
    usersChanged: number;
    applicationsAdded: number;
    applicationsRemoved: number;
    assignmentsGained: number;
    assignmentsLost: number;
  };
}

export interface AppUsageGain {
  appId: string;
  /** The application's name in the newer snapshot. */
  name: string;
  /** Users the newer snapshot sent the app account as active. */
  users: number;
  /** Of them, those sent with a last sign-on. */
  signedOn: number;
  /** Of those, with a sign-on newer than the older snapshot sent (first seen included). */
  gained: number;
  /** Of the gained, those the older snapshot sent no sign-on for (or did not send at all). */
  firstSeen: number;
}

/** A snapshot as it crosses Temporal: its finish time as ISO text. */
export interface DiffSnapshot {
  snapshotId: string;
  status: 'published' | 'dry-run';
  /** ISO time. */
  finishedAt: string;
  environmentId: string;
}

export interface ConnectionDiff {
  connectionId: string;
  /** null: nothing published before `after`, so everything in it is new. */
  before: DiffSnapshot | null;
  after: DiffSnapshot;
  diff: SnapshotDiff;
  /** Per application mapped to an app account of its own in `after`: the usage it gained over `before`. */
  usage: AppUsageGain[];
  /** Rows of users and assignments left out of `diff` to keep the answer one payload (totals count them). */
  rowsLeftOut: number;
}

export type ConnectionDiffAnswer = { found: true; diff: ConnectionDiff } | { found: false; reason: string };

export interface ConnectionDiffArgs {
  connectionId: string;
  /** A dry run's snapshot to compare against the newest published one. */
  afterSnapshotId?: string;
}

/** ~100 bytes a row: 10,000 rows stay far under Temporal's 2 MB payload limit. */
export const MAX_DIFF_ROWS = 10_000;

export interface ApplicationUsage {
  appId: string;
  name: string;
  licensed: number;
  activeInPeriod: number;
  /** Licensed users whose last sign-on came in the last sync's read: the usage it gained. */
  signedOnInLastRead: number;
  neverSeen: number;
  lastSignOn: string | null;
}

export interface UsageReport {
  connectionId: string;
  snapshotId: string;
  /** The usage read's high-water mark: sign-ons up to here are known. Null when usage was never read. */
  knownUntil: string | null;
  /** Where the last sync's read began. */
  lastReadFrom: string | null;
  since: string;
  applications: ApplicationUsage[];
}

/** What `usage` asks the worker: the period starts at `since` (ISO); `app` narrows to one application by name or id. */
export interface ConnectionUsageArgs {
  connectionId: string;
  since: string;
  app?: string;
}
