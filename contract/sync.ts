// The sync's public contract: names Torii's backend depends on, the input schema it validates
// against, and the result and progress shapes. Pure data and zod only: the workflow bundle imports it.
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { shown, wrongType } from './input-words';
import { DeletionGuardSchema, type HeldDeletions } from './deletion-guard';
import { ApplicationAccountsSchema, type UsageSummary } from './usage';

export const SYNC_WORKFLOW_TYPE = 'pingOneSync';
export const DEFAULT_TASK_QUEUE = 'pingone-torii-sync';
export const PROGRESS_QUERY = 'progress';

/** One workflow per connection: a second start attaches to the running one. */
export function syncWorkflowId(connectionId: string): string {
  return `pingone-sync/${connectionId}`;
}

const uuid = z
  .string({ error: wrongType('a string') })
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    error: (i) => `must be a UUID, got ${shown(i.input)}`,
  });

const requiredString = (what: string, max: number) =>
  z
    .string({ error: wrongType('a string') })
    .min(1, { error: `must not be empty (${what})` })
    .max(max, { error: `must be at most ${max} characters` });

// A credential is never quoted back: the messages say what is wrong with it, not what it is.
const credential = (what: string, max: number) =>
  requiredString(what, max)
    .refine((v) => v.trim() === v, { error: 'must not start or end with spaces or line breaks (a copy-paste slip?)', abort: true })
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'must not contain control characters' });

/** A connection's id in Torii: it names the workflows, so it is kept to safe characters. */
export const ConnectionIdSchema = z
  .string({ error: wrongType('a string') })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, {
    error: 'must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit',
  });

export const PingOneConnectionSchema = z.strictObject(
  {
    environmentId: uuid,
    clientId: uuid,
    clientSecret: credential('the Worker app’s Client Secret', 1024),
    tokenUrl: z
      .string({ error: wrongType('a URL string') })
      .min(1, { error: 'must not be empty; leave it out to use the environment’s own Token URL' })
      .max(2048, { error: 'must be at most 2048 characters' })
      .optional(),
  },
  { error: (i) => (i.input === undefined ? 'required' : 'must be an object') },
);

export const ToriiTargetSchema = z.strictObject(
  {
    appAccountId: z
      .number({ error: wrongType('a number') })
      .max(Number.MAX_SAFE_INTEGER, { error: 'is too large for an app account id', abort: true })
      .int({ error: 'must be a whole number' })
      .positive({ error: 'must be a positive app account id' }),
    apiKey: credential('a Torii API key', 512).optional(),
  },
  { error: (i) => (i.input === undefined ? 'required' : 'must be an object') },
);

/** The PingOne rate budget of a connection's Worker app (activities/connection.ts); a `licenseKey` separates budgets within one app. */
export const RateLimitSchema = z.strictObject(
  {
    requestsPerSecond: z
      .number({ error: 'must be a number of requests per second' })
      .positive({ error: 'must be positive' })
      .max(1000, { error: 'must be at most 1000 requests per second' })
      .optional(),
    concurrency: z
      .number({ error: 'must be a whole number of requests in flight' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(64, { error: 'must be at most 64' })
      .optional(),
    licenseKey: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(128, { error: 'must be at most 128 characters' }).optional(),
  },
  { error: 'must be an object' },
);

export const SyncOptionsSchema = z.strictObject(
  {
    dryRun: z.boolean({ error: 'must be true or false' }).default(false),
    rateLimit: RateLimitSchema.optional(),
    /** Limits on deletions before the sync waits for approval; defaults in deletion-guard-contract.ts. */
    deletionGuard: DeletionGuardSchema.optional(),
    /** Applications published to app accounts of their own, each with who uses it (workflows/usage-contract.ts). */
    applicationAccounts: ApplicationAccountsSchema.optional(),
  },
  { error: 'must be an object' },
);
export type RateLimitOptions = z.output<typeof RateLimitSchema>;

export const SyncInputSchema = z.strictObject(
  {
    connectionId: ConnectionIdSchema,
    pingOne: PingOneConnectionSchema,
    torii: ToriiTargetSchema,
    options: SyncOptionsSchema.default({ dryRun: false }),
  },
  { error: 'must be an object' },
).superRefine((input, ctx) => {
  (input.options.applicationAccounts ?? []).forEach((a, i) => {
    if (a.toriiAppAccountId === input.torii.appAccountId) {
      ctx.addIssue({
        code: 'custom',
        path: ['options', 'applicationAccounts', i, 'toriiAppAccountId'],
        message: `is the main app account (torii.appAccountId ${input.torii.appAccountId}): give the application an app account of its own`,
      });
    }
  });
});

export type SyncInput = z.input<typeof SyncInputSchema>;
export type ValidSyncInput = z.output<typeof SyncInputSchema>;
export type PingOneConnection = z.output<typeof PingOneConnectionSchema>;
export type ToriiTarget = z.output<typeof ToriiTargetSchema>;

/** Every problem of an input in words, one per line: `pingOne.environmentId: must be a UUID, got "abc"`. */
export function describeInputProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => shown(k)).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'}`
        : issue.message;
    return path ? `${path}: ${message}` : message;
  });
}

export type SkipReason = 'noEmail' | 'duplicateEmail' | 'malformedRecord';

/** Why a listed application got no license; every reason but malformedRecord is decided in the store. */
export type StoreApplicationSkipReason = 'disabled' | 'notLicensedType' | 'unknownType' | 'adminLookupLimit';
export type ApplicationSkipReason = StoreApplicationSkipReason | 'malformedRecord';

/** Skipped records of one kind and reason: how many, and the first few ids (for warnings). */
export interface SkippedRecords {
  count: number;
  ids: string[];
}

/** Records read from PingOne and left out of the file, other than users (those are `usersSkipped`). */
export interface RecordsSkipped {
  applications: Record<ApplicationSkipReason, number>;
  groups: { malformedRecord: number };
  populations: { malformedRecord: number };
  /** Entries of a group's member listing without a usable user id. */
  groupMembers: { malformedRecord: number };
  /** Entries of a group's parent listing without a usable group id. */
  groupParents: { malformedRecord: number };
}

export interface SyncCounts {
  usersActive: number;
  usersDisabled: number;
  usersLocked: number;
  /** Sent with externalStatus `verification-required` (PingOne lifecycle.status VERIFICATION_REQUIRED). */
  usersVerificationRequired: number;
  usersDeleted: number;
  usersSkipped: Record<SkipReason, number>;
  recordsSkipped: RecordsSkipped;
  applications: number;
  licenseAssignments: number;
  pagesFetched: number;
  pingOneRequests: number;
}

export interface SyncResult extends SyncCounts {
  connectionId: string;
  snapshotId: string;
  dryRun: boolean;
  /** The Torii file id of the published file; null on a dry run. */
  toriiFileId: number | null;
  /** Where a dry run kept the file it built; null when the file was uploaded. */
  filePath: string | null;
  warnings: string[];
  /** Who signs on to which application (absent from syncs that ran before the usage read existed). */
  usage?: UsageSummary;
}

export type SyncPhase = 'starting' | 'listing' | 'resolving-access' | 'awaiting-approval' | 'publishing' | 'done' | 'failed';

export interface SyncProgress {
  phase: SyncPhase;
  pagesFetched: number;
  users: number;
  groups: number;
  applications: number;
  licenseAssignments: number;
  listingsRunning: number;
  startedAt: string;
  lastError: string | null;
  /** Set while the sync waits in `awaiting-approval`: the deletions it holds back. */
  heldDeletions?: HeldDeletions;
  /** The usage read (audit activities) so far; absent from a sync that does not read usage. */
  usageRead?: UsageReadProgress;
}

export interface UsageReadProgress {
  /** Audit records read so far, and the pages that held them. */
  eventsRead: number;
  pages: number;
  /** Time slices of the window read to their last page, of all. */
  slicesDone: number;
  slices: number;
  /** The Worker app may not read audit activities: the read stopped (a warning says so in the result). */
  denied: boolean;
}

/** The sync's progress, answered by the running workflow (and by `watch`, `status` and the UI). */
export const progressQuery = defineQuery<SyncProgress>(PROGRESS_QUERY);
