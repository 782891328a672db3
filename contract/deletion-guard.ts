// The deletion guard's public part: the per-connection limits in the sync input's
// `options.deletionGuard`, their defaults, and the updates that approve or reject a held sync's
// deletions (names and shapes the CLI and Torii's backend use). Pure data and zod only: the workflow
// bundle imports it.
import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { wrongType } from './input-words';

export const APPROVE_DELETIONS_UPDATE = 'approveDeletions';
export const REJECT_DELETIONS_UPDATE = 'rejectDeletions';

const DAY_SECONDS = 24 * 60 * 60;

/** A sync holds when it would delete more than `maxDeletedShare` of last time's users AND more than `maxDeletedUsers`. */
export const DELETION_GUARD_DEFAULTS = { maxDeletedShare: 0.1, maxDeletedUsers: 10, approvalTimeoutSeconds: DAY_SECONDS } as const;

export const DeletionGuardSchema = z.strictObject(
  {
    maxDeletedShare: z
      .number({ error: wrongType('a number between 0 and 1') })
      .min(0, { error: 'must be between 0 and 1 (0.1 is 10%)' })
      .max(1, { error: 'must be between 0 and 1 (0.1 is 10%; 1 turns the guard off)' })
      .optional(),
    maxDeletedUsers: z
      .number({ error: wrongType('a whole number of users') })
      .int({ error: 'must be a whole number of users' })
      .min(0, { error: 'must not be negative' })
      .optional(),
    approvalTimeoutSeconds: z
      .number({ error: wrongType('a whole number of seconds') })
      .int({ error: 'must be a whole number of seconds' })
      .min(1, { error: 'must be at least 1 second' })
      .max(30 * DAY_SECONDS, { error: 'must be at most 30 days (2592000 seconds)' })
      .optional(),
  },
  { error: 'must be an object' },
);

/** A mapped application's file (options.applicationAccounts) and what it would delete from its app account. */
export interface AppDeletions {
  pingOneApplicationId: string;
  toriiAppAccountId: number;
  name: string;
  usersDeleted: number;
  /** Users the last published sync sent that app account as present. */
  previousUsers: number;
}

/** What a held sync waits on, in the progress query and the UI's details. */
export interface HeldDeletions {
  /** The main file's deletions (held when they exceed the limits, or shown beside a held application's). */
  usersDeleted: number;
  /** Users the last published sync sent as present (active, disabled or locked). */
  previousUsers: number;
  /** The mapped applications whose files exceed the limits; one decision covers them and the main file. */
  applications: AppDeletions[];
  maxDeletedShare: number;
  maxDeletedUsers: number;
  /** When the sync fails unless someone approves (ISO time). */
  deadline: string;
}

export interface DeletionDecisionArgs {
  /** Who decided, for the workflow's log and the failure message. */
  by?: string;
  /** Why (a rejection's message carries it). */
  reason?: string;
}

export interface DeletionDecision {
  decision: 'approved' | 'rejected';
  usersDeleted: number;
  previousUsers: number;
  /** The held mapped applications' files the decision covers. */
  applications: AppDeletions[];
}

/** The operator's answer to a held sync (client/deletion-approval.ts sends them; the guard handles them). */
export const approveDeletionsUpdate = defineUpdate<DeletionDecision, [DeletionDecisionArgs]>(APPROVE_DELETIONS_UPDATE);
export const rejectDeletionsUpdate = defineUpdate<DeletionDecision, [DeletionDecisionArgs]>(REJECT_DELETIONS_UPDATE);
