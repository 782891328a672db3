// The deletion guard: a complete listing that would send more of last time's users to Torii as
// deleted than the connection allows does not publish. A bad day at PingOne (a role taken away, a
// population hidden from the Worker app) looks exactly like mass deletion, and Torii would believe it.
// The sync waits in phase `awaiting-approval` for the `approveDeletions` update; `rejectDeletions`
// or no decision before the deadline fails it with `DeletionGuardTripped`, naming both counts. A dry
// run never waits: it only warns.
import { ApplicationFailure, condition, defineUpdate, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SyncActivities } from '../activities';
import type { SnapshotKey } from '../activities/store/pages';
import type { ValidSyncInput } from './contract';
import {
  APPROVE_DELETIONS_UPDATE,
  DELETION_GUARD_DEFAULTS,
  REJECT_DELETIONS_UPDATE,
  type DeletionDecision,
  type DeletionDecisionArgs,
  type HeldDeletions,
} from './deletion-guard-contract';
import { HEARTBEAT_TIMEOUT } from './heartbeats';
import type { SyncProgressBoard } from './progress';

const store = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT.store,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 10 },
});

export const approveDeletionsUpdate = defineUpdate<DeletionDecision, [DeletionDecisionArgs]>(APPROVE_DELETIONS_UPDATE);
export const rejectDeletionsUpdate = defineUpdate<DeletionDecision, [DeletionDecisionArgs]>(REJECT_DELETIONS_UPDATE);

type Limits = { maxDeletedShare: number; maxDeletedUsers: number };

/** More than the share AND more than the number: a small directory losing 3 of 20 users is not held. */
export function tripsGuard(usersDeleted: number, previousUsers: number, limits: Limits): boolean {
  return usersDeleted > limits.maxDeletedUsers && usersDeleted > limits.maxDeletedShare * previousUsers;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

function heldSentence(held: Pick<HeldDeletions, 'usersDeleted' | 'previousUsers'> & Limits): string {
  const share = held.previousUsers > 0 ? percent(held.usersDeleted / held.previousUsers) : 'all';
  return (
    `This sync would send ${held.usersDeleted} of the ${held.previousUsers} users the last sync sent to Torii as deleted (${share}), ` +
    `more than the deletion guard allows (${percent(held.maxDeletedShare)} and ${held.maxDeletedUsers} users).`
  );
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

export class DeletionGuard {
  private held: HeldDeletions | undefined;
  private decision: (DeletionDecisionArgs & { approved: boolean }) | undefined;

  /** Registers the updates at the workflow's start, so an early one is refused in words, not as unknown. */
  constructor(private readonly board: SyncProgressBoard) {
    const validator = (_args: DeletionDecisionArgs) => {
      if (!this.held || this.decision) {
        throw new Error(`This sync is not waiting for an approval of deletions (it is in phase ${board.state.phase}).`);
      }
    };
    const decide = (approved: boolean) => (args: DeletionDecisionArgs): DeletionDecision => {
      const held = this.held as HeldDeletions;
      this.decision = { approved, by: args?.by, reason: args?.reason };
      log.info(approved ? 'Deletions approved' : 'Deletions rejected', { by: args?.by, usersDeleted: held.usersDeleted, previousUsers: held.previousUsers });
      return { decision: approved ? 'approved' : 'rejected', usersDeleted: held.usersDeleted, previousUsers: held.previousUsers };
    };
    setHandler(approveDeletionsUpdate, decide(true), { validator });
    setHandler(rejectDeletionsUpdate, decide(false), { validator });
  }

  /**
   * Lets publishing go ahead, waits for a decision, or fails the sync. Answers warnings for the
   * result (a dry run that a real sync would have held).
   */
  async check(key: SnapshotKey, usersDeleted: number, options: ValidSyncInput['options']): Promise<string[]> {
    const limits = { ...DELETION_GUARD_DEFAULTS, ...options.deletionGuard };
    const { previousUsers } = await store.countPreviousUsers(key);
    if (!tripsGuard(usersDeleted, previousUsers, limits)) return [];
    const sentence = heldSentence({ usersDeleted, previousUsers, ...limits });
    if (options.dryRun) return [`${sentence} A real sync would wait for approval before publishing.`];

    const timeoutMs = limits.approvalTimeoutSeconds * 1000;
    this.held = {
      usersDeleted,
      previousUsers,
      maxDeletedShare: limits.maxDeletedShare,
      maxDeletedUsers: limits.maxDeletedUsers,
      deadline: new Date(Date.now() + timeoutMs).toISOString(),
    };
    this.board.update({ heldDeletions: this.held });
    this.board.enterPhase('awaiting-approval');
    log.warn('Deletions held for approval', { usersDeleted, previousUsers, deadline: this.held.deadline });

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
      details: [{ usersDeleted, previousUsers, decision: decided ? 'rejected' : 'timed-out', by: this.decision?.by ?? null }],
    });
  }
}
