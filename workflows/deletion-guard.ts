// The deletion guard: a complete listing that would send more of last time's users to Torii as
// deleted than the connection allows does not publish. A bad day at PingOne (a role taken away, a
// population hidden from the Worker app) looks exactly like mass deletion, and Torii would believe it.
// The same limits apply to each mapped application's file (options.applicationAccounts) against
// what its app account was sent last: when the main file or any of them exceeds them, the sync
// waits in phase `awaiting-approval` for the `approveDeletions` update, one decision for all held
// files; `rejectDeletions` or no decision before the deadline fails it with `DeletionGuardTripped`,
// naming the counts. A dry run never waits: it only warns. The guard holds the decision and answers
// the updates; the workflow registers them (validateDecision, decide).
import { ApplicationFailure, condition, log } from '@temporalio/workflow';
import type { SnapshotKey } from '../activities/store/pages';
import type { ValidSyncInput } from '../contract/sync';
import {
  DELETION_GUARD_DEFAULTS,
  type AppDeletions,
  type DeletionDecision,
  type DeletionDecisionArgs,
  type HeldDeletions,
} from '../contract/deletion-guard';
import { store } from './activity-options';
import type { SyncProgressBoard } from './progress';

type Limits = { maxDeletedShare: number; maxDeletedUsers: number };

/** More than the share AND more than the number: a small directory losing 3 of 20 users is not held. */
function tripsGuard(usersDeleted: number, previousUsers: number, limits: Limits): boolean {
  return usersDeleted > limits.maxDeletedUsers && usersDeleted > limits.maxDeletedShare * previousUsers;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

const shareOf = (d: Pick<AppDeletions, 'usersDeleted' | 'previousUsers'>) => (d.previousUsers > 0 ? percent(d.usersDeleted / d.previousUsers) : 'all');

/** What exceeds the limits: the main file when it does, then each held application's file. */
function heldSentence(held: Omit<HeldDeletions, 'deadline'>, mainHeld: boolean): string {
  const allowed = `more than the deletion guard allows (${percent(held.maxDeletedShare)} and ${held.maxDeletedUsers} users)`;
  const parts = held.applications.map(
    (a) => `the file of application "${a.name}" (app account ${a.toriiAppAccountId}) would send ${a.usersDeleted} of the ${a.previousUsers} users the last sync sent it as deleted (${shareOf(a)})`,
  );
  if (mainHeld) parts.unshift(`this sync would send ${held.usersDeleted} of the ${held.previousUsers} users the last sync sent to Torii as deleted (${shareOf(held)})`);
  const text = parts.join('; ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}, ${allowed}.`;
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

export class DeletionGuard {
  private held: HeldDeletions | undefined;
  private decision: (DeletionDecisionArgs & { approved: boolean }) | undefined;

  constructor(private readonly board: SyncProgressBoard) {}

  /** The two updates' validator: a decision when none is awaited is refused in words. */
  readonly validateDecision = (_args: DeletionDecisionArgs): void => {
    if (!this.held || this.decision) {
      throw new Error(`This sync is not waiting for an approval of deletions (it is in phase ${this.board.state.phase}).`);
    }
  };

  /** The handler of approveDeletions (`approved`) or rejectDeletions: records the decision check() waits for. */
  decide(approved: boolean): (args: DeletionDecisionArgs) => DeletionDecision {
    return (args) => {
      const held = this.held as HeldDeletions;
      this.decision = { approved, by: args?.by, reason: args?.reason };
      log.info(approved ? 'Deletions approved' : 'Deletions rejected', { by: args?.by, usersDeleted: held.usersDeleted, previousUsers: held.previousUsers, applications: held.applications.length });
      return { decision: approved ? 'approved' : 'rejected', usersDeleted: held.usersDeleted, previousUsers: held.previousUsers, applications: held.applications };
    };
  }

  /**
   * Lets publishing go ahead, waits for a decision, or fails the sync. `apps` are the mapped
   * applications' files, settled before publishing. Answers warnings for the result (a dry run
   * that a real sync would have held).
   */
  async check(key: SnapshotKey, usersDeleted: number, options: ValidSyncInput['options'], apps: AppDeletions[] = []): Promise<string[]> {
    const limits = { ...DELETION_GUARD_DEFAULTS, ...options.deletionGuard };
    const { previousUsers } = await store.countPreviousUsers(key);
    const mainHeld = tripsGuard(usersDeleted, previousUsers, limits);
    const applications = apps.filter((a) => tripsGuard(a.usersDeleted, a.previousUsers, limits));
    if (!mainHeld && applications.length === 0) return [];
    const counts = { usersDeleted, previousUsers, applications, maxDeletedShare: limits.maxDeletedShare, maxDeletedUsers: limits.maxDeletedUsers };
    const sentence = heldSentence(counts, mainHeld);
    if (options.dryRun) return [`${sentence} A real sync would wait for approval before publishing.`];

    const timeoutMs = limits.approvalTimeoutSeconds * 1000;
    this.held = { ...counts, deadline: new Date(Date.now() + timeoutMs).toISOString() };
    this.board.update({ heldDeletions: this.held });
    this.board.enterPhase('awaiting-approval');
    log.warn('Deletions held for approval', { usersDeleted, previousUsers, applications: applications.length, deadline: this.held.deadline });

    const decided = await condition(() => this.decision !== undefined, timeoutMs);
    this.board.update({ heldDeletions: undefined });
    if (decided && this.decision?.approved) return [];

    const approveLater = `pingone-torii-sync approve-deletions ${key.connectionId}`;
    const fix =
      `Nothing was sent to Torii. If PingOne really lost these users, run the sync again and approve it (${approveLater}) or raise options.deletionGuard; ` +
      `if not, check the Worker app's roles and population scope in PingOne (pingone-torii-sync verify).`;
    const cause = decided
      ? `${this.decision?.by ?? 'Someone'} rejected the deletions${this.decision?.reason ? ` (${this.decision.reason})` : ''}. ${sentence}`
      : `No one approved the deletions within ${duration(limits.approvalTimeoutSeconds)}. ${sentence}`;
    throw ApplicationFailure.create({
      type: 'DeletionGuardTripped',
      message: `${cause} ${fix}`,
      nonRetryable: true,
      details: [{ usersDeleted, previousUsers, applications, decision: decided ? 'rejected' : 'timed-out', by: this.decision?.by ?? null }],
    });
  }
}
