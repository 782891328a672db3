// A sync's resumable state as plain data: carried across continue-as-new, readable in history. It
// never holds page data, only where each listing stands. It arrives as the workflow's second
// argument, so it is validated like the input (parseCheckpoint): a checkpoint names the snapshot
// whose file is written to disk and the links a token is sent to. It carries a version, and the
// parser reads every older version into the current one, so a run continued as new by an older
// worker resumes on a newer one.
import { z } from 'zod';
import type { SkippedRecords } from './sync';

export type ListingKind = 'users' | 'groups' | 'applications' | 'populations' | 'members' | 'groupParents';

/**
 * Which listing: a kind; for group-scoped kinds the group; for a user chain the population and,
 * when a large population is split, the username prefix. Plain data, carried in checkpoints.
 */
export interface ListingRef {
  kind: ListingKind;
  groupId?: string;
  populationId?: string;
  usernamePrefix?: string;
}

export interface UsageWindow {
  /** Exclusive lower bound of recordedat, ISO. */
  from: string;
  /** Exclusive upper bound, ISO: the moment the read began. */
  to: string;
  /** No earlier complete read: this one backfills as far as PingOne reaches. */
  backfill: boolean;
  /** The last read ended before PingOne's reach: sign-ons from here to `from` cannot be read. */
  missedFrom?: string;
}

/** One time slice of the window, read as a listing of its own: its next link is its checkpoint. */
export interface UsageSlice {
  from: string;
  to: string;
  /** The next link to fetch; null before the first page. */
  next: string | null;
  done: boolean;
  pages: number;
  restarts: number;
}

/** Where the usage read stands: plain data in the checkpoint. */
export interface UsageReadState {
  window: UsageWindow;
  slices: UsageSlice[];
  /** The high-water mark moved (the read is complete in the store). */
  completed: boolean;
  denied: boolean;
  deniedWarning?: string;
  eventsRead: number;
  signOnsNew: number;
  requests: number;
}

export interface ListingState {
  ref: ListingRef;
  /** The next link to fetch; null before the first page. The checkpoint of the listing. */
  next: string | null;
  done: boolean;
  pages: number;
  /** How often an expired cursor sent the listing back to its first page. */
  restarts: number;
  /** Records this pass of the listing counted (kept, skipped); taken back when a restart repeats them. */
  kept?: number;
  skipped?: number;
}

export type CheckpointPhase = 'listing' | 'access';

/** The checkpoint's shape; version 1 (no field) also carried `region` and `runs`, which nothing read. */
export const CHECKPOINT_VERSION = 2;

export interface SyncCheckpoint {
  version: typeof CHECKPOINT_VERSION;
  snapshotId: string;
  startedAt: string;
  regionName: string;
  phase: CheckpointPhase;
  /** Listings in progress or waiting: only open ones, so the checkpoint stays small. */
  listings: ListingState[];
  /** Requests in flight the connection's budget allows. */
  concurrency: number;
  /** Group-scoped listings are scheduled in id order up to here; null until the groups listing completes. */
  groupCursor: string | null;
  /** Every group has had its member and parent listings scheduled. */
  groupsScheduled: boolean;
  counts: {
    pagesFetched: number;
    pingOneRequests: number;
    users: number;
    groups: number;
    applications: number;
    malformedUsers: number;
  };
  /** Records a listing skipped (malformed), by listing kind, with the first few ids; absent in older checkpoints. */
  skipped?: Partial<Record<ListingKind, SkippedRecords>>;
  warnings: string[];
  /** The usage read (patched('usage-read')): its window and each slice's next link; absent before it starts. */
  usage?: UsageReadState;
}

export function newListing(ref: ListingRef): ListingState {
  return { ref, next: null, done: false, pages: 0, restarts: 0 };
}

const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, { error: 'must be a UUID' });
const count = z.number().int().min(0);
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/, { error: 'must be an ISO time' });
const text = (max: number) => z.string().max(max);
/** PingOne ids (UUIDs) as listings carry them; no character that could leave a URL path segment. */
const resourceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be a PingOne id' });

const ListingRefSchema = z.strictObject({
  kind: z.enum(['users', 'groups', 'applications', 'populations', 'members', 'groupParents']),
  groupId: resourceId.optional(),
  populationId: resourceId.optional(),
  usernamePrefix: z.string().regex(/^[a-z0-9]{1,8}$/, { error: 'must be a username prefix' }).optional(),
});

const ListingStateSchema = z.strictObject({
  ref: ListingRefSchema,
  next: z.string().max(4096).regex(/^https:\/\/|^http:\/\//, { error: 'must be an http(s) URL' }).nullable(),
  done: z.boolean(),
  pages: count,
  restarts: count,
  kept: count.optional(),
  skipped: count.optional(),
});

/** Version 2, as this code writes it. */
const CheckpointSchema = z.strictObject({
  version: z.literal(CHECKPOINT_VERSION),
  snapshotId: uuid,
  startedAt: isoTime,
  regionName: text(300),
  phase: z.enum(['listing', 'access']),
  listings: z.array(ListingStateSchema).max(1000),
  concurrency: z.number().int().min(1).max(1000),
  groupCursor: text(256).nullable(),
  groupsScheduled: z.boolean(),
  counts: z.strictObject({
    pagesFetched: count,
    pingOneRequests: count,
    users: count,
    groups: count,
    applications: count,
    malformedUsers: count,
  }),
  skipped: z
    .partialRecord(ListingRefSchema.shape.kind, z.strictObject({ count, ids: z.array(text(256)).max(100) }))
    .optional(),
  warnings: z.array(text(4000)).max(1000),
  usage: z
    .strictObject({
      window: z.strictObject({ from: isoTime, to: isoTime, backfill: z.boolean(), missedFrom: isoTime.optional() }),
      slices: z
        .array(
          z.strictObject({
            from: isoTime,
            to: isoTime,
            next: z.string().max(4096).regex(/^https:\/\/|^http:\/\//, { error: 'must be an http(s) URL' }).nullable(),
            done: z.boolean(),
            pages: count,
            restarts: count,
          }),
        )
        .max(100),
      completed: z.boolean(),
      denied: z.boolean(),
      deniedWarning: text(4000).optional(),
      eventsRead: count,
      signOnsNew: count,
      requests: count,
    })
    .optional(),
});

/** Version 1 (histories recorded before the version field): the same, with `region` and `runs`. */
const CheckpointV1Schema = CheckpointSchema.omit({ version: true }).extend({ region: text(64), runs: z.number().int().min(1) });

export type CheckpointParse = { success: true; checkpoint: SyncCheckpoint } | { success: false; error: z.ZodError };

/** Reads a checkpoint of any version into the current one; every recorded history's checkpoint passes. */
export function parseCheckpoint(raw: unknown): CheckpointParse {
  const versioned = typeof raw === 'object' && raw !== null && 'version' in raw;
  if (versioned) {
    const parsed = CheckpointSchema.safeParse(raw);
    return parsed.success ? { success: true, checkpoint: parsed.data } : { success: false, error: parsed.error };
  }
  const parsed = CheckpointV1Schema.safeParse(raw);
  if (!parsed.success) return { success: false, error: parsed.error };
  const { region: _region, runs: _runs, ...rest } = parsed.data;
  return { success: true, checkpoint: { version: CHECKPOINT_VERSION, ...rest } };
}

/** Compile-time guard: the schema and the interface describe one shape. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatches: Same<z.output<typeof CheckpointSchema>['listings'][number]['ref'], ListingRef> = true;
void _schemaMatches;
const _checkpointMatches: Same<z.output<typeof CheckpointSchema>, SyncCheckpoint> = true;
void _checkpointMatches;
