// A sync's resumable state as plain data: carried across continue-as-new, readable in history. It
// never holds page data, only where each listing stands. It arrives as the workflow's second
// argument, so it is validated like the input (SyncCheckpointSchema): a checkpoint names the
// snapshot whose file is written to disk and the links a token is sent to.
import { z } from 'zod';
import type { ListingKind, ListingRef } from '../activities/pingone/listings';
import type { SkippedRecords } from './contract';
import type { UsageReadState } from './usage';

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

export interface SyncCheckpoint {
  snapshotId: string;
  startedAt: string;
  region: string;
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
  runs: number;
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

/** The checkpoint as the workflow accepts it; every recorded history's checkpoint passes it unchanged. */
export const SyncCheckpointSchema = z.strictObject({
  snapshotId: uuid,
  startedAt: isoTime,
  region: text(64),
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
  runs: z.number().int().min(1),
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

/** Compile-time guard: the schema and the interface describe one shape. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatches: Same<z.output<typeof SyncCheckpointSchema>['listings'][number]['ref'], ListingRef> = true;
void _schemaMatches;
