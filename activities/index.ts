// The sync's activities, built by a factory from their dependencies (store, HTTP, token cache,
// host policy, Torii sink) so tests hand in simulators without module mocking. Each activity is one
// side effect with a small plain-data result: no page data and no token ever enters history.
import { rm } from 'node:fs/promises';
import type { Got } from 'got';
import type { PingOneConnection, RateLimitOptions, ToriiTarget } from '../workflows/contract';
import { endpointsFor, pingOneApiFor } from './connection';
import { ProblemError, reportingProblems } from './problem';
import { malformedAnswer } from './pingone/classify';
import type { PingOneApi } from './pingone/api';
import { dryRunFilePath, removeOlderDryRuns, stagedUploadPath } from './staged-files';
import type { RateBudgets } from './pingone/rate-budget';
import type { HostPolicy } from './pingone/hosts';
import { embeddedRecords, nextLink, type ListingRef } from './pingone/listings';
import { fetchListingPage, fetchListingPages, type PageOutcome, type PagesOutcome } from './pingone/listing-pages';
import { beatProgress } from './progress-beat';
import { activityInfo } from '@temporalio/activity';
import { adminRoleIds, isAdminAssignment } from './pingone/admin-roles';
import { toRole, toRoleAssignment } from './pingone/records';
import type { TokenCache } from './pingone/token';
import { adminCandidates, deriveAccess } from './store/access';
import { connectionDiff, type ConnectionDiffAnswer, type ConnectionDiffArgs } from './store/connection-diff';
import { usageReport, type ConnectionUsageArgs, type UsageReport } from './store/usage-report';
import { checkSplitPopulation, planUserChains, type PopulationCheck } from './store/chains';
import { previousSentUsers } from './store/deletion-baseline';
import { finalizeSnapshot, type FinalizedSnapshot } from './store/finalize';
import { adminCheckFacts, insertAdminUsers, insertRoles, type SnapshotKey } from './store/pages';
import { closeSnapshot, lastPublishedSnapshotId, openSnapshot } from './store/snapshots';
import type { Sql } from './store/sql';
import { DIRECT_UPLOAD_LIMIT, toriiApi, type ToriiSink } from './torii/api';
import { writeToriiFile } from './torii/file';
import type { SyncMetrics } from '../workflows/sync-metrics';
import { createVerifyActivities } from './verify';
import { createUsageActivities, type UsageSettings } from './usage-activities';

export interface ActivityDeps {
  sql: Sql;
  http: Got;
  tokens: TokenCache;
  budgets: RateBudgets;
  hostPolicy: HostPolicy;
  toriiApiUrl: string;
  /** The worker's TORII_API_KEY, used when the input brings none. */
  toriiApiKey?: string;
  /** Where dry runs keep their files and uploads stage theirs. */
  filesDir: string;
  /** Admin-only apps with more candidate users than this are left out with a warning. */
  adminLookupLimit: number;
  /** A population with more users than this is listed by several chains, split by username prefix. */
  chainSplitAbove: number;
  /** The sync's own metrics on the runtime's meter (requests are counted by the HTTP client itself). */
  metrics: SyncMetrics;
  /** Files up to this size are uploaded to Torii directly, larger ones through a presigned URL; default Torii's 3 MB. */
  toriiDirectUploadLimit?: number;
  /** TORII_UPLOAD_ALLOWED_HOSTS: presigned upload hosts exempt from the public-host rule (activities/torii/upload-url.ts). */
  toriiUploadAllowedHosts?: string[];
  /** Replaces the Torii sink (tests, other sinks). */
  toriiSink?: (apiKey: string) => ToriiSink;
  /** How long the connection test asks again after a 403/404/invalid_client (PINGONE_PROPAGATION_GRACE_SECONDS). */
  propagationGraceMs?: number;
  /** The usage read's action types and audit budget (PINGONE_USAGE_ACTION_TYPES, PINGONE_AUDIT_REQUESTS_PER_SECOND). */
  usage?: UsageSettings;
}

export interface ConnectionArgs {
  connectionId: string;
  pingOne: PingOneConnection;
  rateLimit?: RateLimitOptions;
}

export interface PageArgs extends ConnectionArgs {
  snapshotId: string;
  listing: ListingRef;
  /** The next link to follow; absent for a listing's first page. */
  url?: string;
}

export type { PageOutcome, PagesOutcome } from './pingone/listing-pages';

export interface OpenedSync {
  /** Requests in flight this connection's budget allows; the workflow runs about as many listings. */
  concurrency: number;
  region: string;
  regionName: string;
  requests: number;
}

export interface AccessPlan {
  /** Admin-only apps whose candidates' role assignments will be read. */
  resolveAppIds: string[];
  omittedAppIds: string[];
  warnings: string[];
}

export interface PublishArgs extends SnapshotKey {
  torii: ToriiTarget;
  dryRun: boolean;
}

/** PingOne's built-in roles (`GET /v1/roles`, organization level), following next links if it pages. */
async function readRoles(api: PingOneApi): Promise<{ id: string; name: string }[]> {
  const roles: { id: string; name: string }[] = [];
  let url: string | undefined = `${api.target.apiBaseUrl}/roles`;
  while (url) {
    const page = await api.get(url, 'roles', url !== `${api.target.apiBaseUrl}/roles`);
    const records = embeddedRecords(page, 'roles');
    if (!records) throw new ProblemError(malformedAnswer(`PingOne at ${new URL(url).host} answered roles with a page without a readable _embedded list.`));
    for (const raw of records) {
      const role = toRole(raw);
      if (role) roles.push(role);
    }
    const next = nextLink(page, url);
    if (next !== undefined) api.checkLink(next, 'roles');
    url = next === url ? undefined : next;
  }
  return roles;
}

export function createActivities(deps: ActivityDeps) {
  const pingOne = (args: ConnectionArgs) => pingOneApiFor(args.pingOne, deps.hostPolicy, deps, args.rateLimit);
  const sinkFor = (torii: ToriiTarget): ToriiSink => {
    const apiKey = torii.apiKey ?? deps.toriiApiKey;
    if (!apiKey) {
      throw new ProblemError({
        type: 'InvalidConfiguration',
        cause: 'No Torii API key: the input has no torii.apiKey and the worker has no TORII_API_KEY.',
        fix: 'Set TORII_API_KEY on the worker or pass torii.apiKey in the input.',
        retryable: false,
      });
    }
    return deps.toriiSink ? deps.toriiSink(apiKey) : toriiApi(deps.http, deps.toriiApiUrl, apiKey, deps.toriiDirectUploadLimit, deps.toriiUploadAllowedHosts);
  };

  return {
    ...createVerifyActivities(deps),
    ...createUsageActivities(deps, sinkFor),

    /** Checks hosts, gets a token and opens the snapshot: a bad connection fails here, before any data. */
    async openSync(args: ConnectionArgs & { snapshotId: string }): Promise<OpenedSync> {
      return reportingProblems(async () => {
        const endpoints = endpointsFor(args.pingOne, deps.hostPolicy);
        const api = pingOne(args);
        await api.authenticate();
        // Read first so a wrong Environment ID or region fails with the connection test's sentence.
        await api.get(api.environmentUrl(), 'environment');
        await openSnapshot(deps.sql, args, args.pingOne.environmentId);
        return {
          concurrency: api.target.budget.settings.concurrency,
          region: endpoints.region,
          regionName: endpoints.regionName,
          requests: api.stats.requests,
        };
      });
    },

    /** Fetches one page of a listing and writes it to the snapshot; answers the next link. */
    async fetchPage(args: PageArgs): Promise<PageOutcome> {
      return reportingProblems(() => fetchListingPage(deps.sql, pingOne(args), args));
    },

    /** Follows one listing's next links for a few seconds, page by page, resuming after a retried attempt's last beat. */
    async fetchPages(args: PageArgs): Promise<PagesOutcome> {
      const resumed = activityInfo().heartbeatDetails;
      return reportingProblems(() => fetchListingPages({ sql: deps.sql, api: pingOne(args), beat: beatProgress, resumed, now: Date.now }, args));
    },

    /** The user listing as chains, once populations are known. */
    async planUserChains(args: SnapshotKey): Promise<ListingRef[]> {
      return planUserChains(deps.sql, args, deps.chainSplitAbove);
    },

    /** Whether a split population's prefix chains found all its users. */
    async checkSplitPopulation(args: SnapshotKey & { populationId: string }): Promise<PopulationCheck> {
      return checkSplitPopulation(deps.sql, args, args.populationId);
    },

    /** The next groups (by id) whose members and parents are to be listed. */
    async nextGroups(args: SnapshotKey & { after: string; limit: number }): Promise<string[]> {
      const { rows } = await deps.sql.query<{ group_id: string }>(
        `SELECT group_id FROM snapshot_groups WHERE connection_id = $1 AND snapshot_id = $2 AND group_id > $3
          ORDER BY group_id LIMIT $4`,
        [args.connectionId, args.snapshotId, args.after, args.limit],
      );
      return rows.map((r) => r.group_id);
    },

    /** Derives who may use which app; decides which admin-only apps are affordable to resolve. */
    async planAccess(args: SnapshotKey): Promise<AccessPlan> {
      const adminApps = await deriveAccess(deps.sql, args);
      const plan: AccessPlan = { resolveAppIds: [], omittedAppIds: [], warnings: [] };
      for (const app of adminApps) {
        if (app.candidates <= deps.adminLookupLimit) plan.resolveAppIds.push(app.appId);
        else {
          plan.omittedAppIds.push(app.appId);
          plan.warnings.push(
            `Application "${app.name}" (${app.appId}) is for admin users only; telling them apart would take ${app.candidates} requests ` +
              `(one per candidate user), so its license was left out. Raise PINGONE_ADMIN_LOOKUP_LIMIT above ${app.candidates} to include it.`,
          );
        }
      }
      return plan;
    },

    /**
     * Reads role assignments of the next batch of admin-only candidates; answers where to go on.
     * The first batch also reads `GET /roles`, kept in the store so a retried batch does not read it
     * again: one request per sync. (PingOne documents no request that lists an environment's admins,
     * so each candidate costs one role-assignment read.)
     */
    async readAdminRoles(args: ConnectionArgs & SnapshotKey & { appIds: string[]; after: string; limit: number }): Promise<{ last: string | null; requests: number }> {
      return reportingProblems(async () => {
        const api = pingOne(args);
        let facts = await adminCheckFacts(deps.sql, args);
        if (facts.roles.length === 0) {
          await insertRoles(deps.sql, args, await readRoles(api));
          facts = await adminCheckFacts(deps.sql, args);
        }
        const adminIds = new Set(adminRoleIds(facts.roles));
        const scope = { environmentId: args.pingOne.environmentId, populationIds: new Set(facts.populationIds) };
        const userIds = await adminCandidates(deps.sql, args, args.appIds, args.after, args.limit);
        const admins: string[] = [];
        for (const userId of userIds) {
          const page = await api.get(api.environmentUrl(`/users/${encodeURIComponent(userId)}/roleAssignments`), 'roleAssignments');
          const assignments = (embeddedRecords(page, 'roleAssignments') ?? []).map(toRoleAssignment);
          if (assignments.some((a) => a !== undefined && isAdminAssignment(a, adminIds, scope))) admins.push(userId);
        }
        await insertAdminUsers(deps.sql, args, admins);
        return { last: userIds.length === args.limit ? userIds[userIds.length - 1] : null, requests: api.stats.requests };
      });
    },

    /** Settles what the file holds, deletions included; only ever called after a complete listing. */
    async finalizeSnapshot(args: SnapshotKey & { omittedAppIds: string[] }): Promise<FinalizedSnapshot> {
      const previous = await lastPublishedSnapshotId(deps.sql, args.connectionId, args.snapshotId);
      return finalizeSnapshot(deps.sql, args, previous, args.omittedAppIds);
    },

    /** The deletion guard's baseline: users the last published sync sent as present. */
    async countPreviousUsers(args: SnapshotKey): Promise<{ previousUsers: number }> {
      return { previousUsers: await previousSentUsers(deps.sql, args) };
    },

    /** Builds the Torii file from the store and uploads it (a dry run keeps it instead). */
    async publishSnapshot(args: PublishArgs): Promise<{ fileId: number | null; filePath: string | null; bytes: number }> {
      return reportingProblems(async () => {
        const sink = args.dryRun ? undefined : sinkFor(args.torii);
        const path = sink
          ? await stagedUploadPath(deps.filesDir, args.connectionId, args.snapshotId)
          : await dryRunFilePath(deps.filesDir, args.connectionId, args.snapshotId);
        const file = await writeToriiFile(deps.sql, args, path);
        if (!sink) {
          await removeOlderDryRuns(file.path);
          return { fileId: null, filePath: file.path, bytes: file.bytes };
        }
        try {
          const fileId = await sink.upload(file.path, file.bytes);
          deps.metrics.toriiUploads.add(1, { via: file.bytes <= DIRECT_UPLOAD_LIMIT ? 'direct' : 'presigned' });
          return { fileId, filePath: null, bytes: file.bytes };
        } finally {
          await rm(file.path, { force: true });
        }
      });
    },

    /** Asks Torii to sync the uploaded file into the app account; 409 (busy) is retried by Temporal. */
    async syncTorii(args: { torii: ToriiTarget; fileId: number }): Promise<void> {
      return reportingProblems(() => sinkFor(args.torii).sync(args.fileId, args.torii.appAccountId));
    },

    /** A connection's diff between syncs, for the CLI (workflows/connection-diff.ts). */
    async readConnectionDiff(args: ConnectionDiffArgs): Promise<ConnectionDiffAnswer> {
      return connectionDiff(deps.sql, args);
    },

    /** A connection's usage per application, for the CLI's `usage` (workflows/connection-reports.ts). */
    async readConnectionUsage(args: ConnectionUsageArgs): Promise<UsageReport | null> {
      return (await usageReport(deps.sql, args.connectionId, new Date(args.since), args.app)) ?? null;
    },

    async closeSnapshot(args: SnapshotKey & { status: 'published' | 'dry-run'; fileId: number | null; summary: unknown }): Promise<void> {
      await closeSnapshot(deps.sql, args, args.status, args.fileId, args.summary);
    },
  };
}

export type SyncActivities = ReturnType<typeof createActivities>;
