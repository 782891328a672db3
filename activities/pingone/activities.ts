// The PingOne port's activities: open a sync (hosts, token, environment), read the pages of one
// listing, or of several listings together, into the snapshot, read admin-only candidates' role
// assignments, read one page of sign-on events, and run one check of the connection test. Each is
// one side effect with a small plain-data result: no page data and no token ever enters history.
import { activityInfo } from '@temporalio/activity';
import { recordProgress } from '../progress-beat';
import { auditApiFor, endpointsFor, pingOneApiFor, type ConnectionArgs } from '../connection';
import { reportingProblems, ProblemError } from '../problem';
import type { Sql } from '../store/sql';
import { openSnapshot } from '../store/snapshots';
import { adminCandidates } from '../store/access';
import { adminCheckFacts, insertAdminUsers, upsertRoles, type SnapshotKey } from '../store/pages';
import { recordUsageEvents, type UsageEventRow, type UsageWindow } from '../store/usage';
import { adminRoleIds, isAdminAssignment } from './admin-roles';
import type { PingOneApiDeps } from './api';
import { AUDIT_PERMISSION_FIX, auditDeniedCause, auditPath, DEFAULT_USAGE_ACTION_TYPES, toUsageEvent, type UsageSettings } from './audit';
import { verifyCheck, type VerifyCheckArgs, type VerifyCheckOutcome } from './connection-test';
import type { HostPolicy } from './hosts';
import { embeddedRecords, LISTINGS, type ListingRef } from './listings';
import { fetchListingPage, fetchListingPages, type PageOutcome, type PagesOutcome } from './listing-pages';
import { fetchListingsTogether, type ListingAt, type ListingOutcome } from './listings-together';
import { readAll, readPage } from './pages';
import { toRole, toRoleAssignment } from './records';

export type { ConnectionArgs };

export interface PingOneActivityDeps extends PingOneApiDeps {
  sql: Sql;
  hostPolicy: HostPolicy;
  /** How long the connection test asks again after a 403/404/invalid_client (PINGONE_PROPAGATION_GRACE_SECONDS). */
  propagationGraceMs?: number;
  /** The usage read's action types and audit budget (PINGONE_USAGE_ACTION_TYPES, PINGONE_AUDIT_REQUESTS_PER_SECOND). */
  usage?: UsageSettings;
}

export interface OpenedSync {
  /** Requests in flight this connection's budget allows; the workflow runs about as many listings. */
  concurrency: number;
  regionName: string;
  requests: number;
}

export interface PageArgs extends ConnectionArgs {
  snapshotId: string;
  listing: ListingRef;
  /** The next link to follow; absent for a listing's first page. */
  url?: string;
}

export type { PageOutcome, PagesOutcome } from './listing-pages';
export type { ListingAt, ListingOutcome } from './listings-together';

export interface ListingsArgs extends ConnectionArgs {
  snapshotId: string;
  /** Each listing where it stands; their progress rides in every beat, so a few (the workflow caps them). */
  listings: ListingAt[];
}

export interface AdminRolesArgs extends ConnectionArgs, SnapshotKey {
  appIds: string[];
  after: string;
  limit: number;
}

export interface UsagePageArgs extends ConnectionArgs {
  /** The slice of the window this page belongs to. */
  window: Pick<UsageWindow, 'from' | 'to'>;
  /** The end of the whole read's window: it names the read in the store. */
  readTo: string;
  /** The next link to follow; absent for the first page. */
  url?: string;
}

export interface UsagePageOutcome {
  next: string | null;
  /** Records on the page. */
  read: number;
  requests: number;
  /** The Worker app may not read audit activities: nothing was read, the sync goes on without usage. */
  denied: boolean;
  /** When denied: the warning the result carries (cause and fix). */
  warning?: string;
}

export function createPingOneActivities(deps: PingOneActivityDeps) {
  const pingOne = (args: ConnectionArgs) => pingOneApiFor(args.pingOne, deps.hostPolicy, deps, args.rateLimit);
  const actionTypes = deps.usage?.actionTypes ?? DEFAULT_USAGE_ACTION_TYPES;

  return {
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
          regionName: endpoints.regionName,
          requests: api.stats.requests,
        };
      });
    },

    /** Fetches one page of a listing and writes it to the snapshot; answers the next link (histories before pages-per-activity). */
    async fetchPage(args: PageArgs): Promise<PageOutcome> {
      return reportingProblems(() => fetchListingPage(deps.sql, pingOne(args), args));
    },

    /** Follows one listing's next links for a few seconds, page by page, resuming after a retried attempt's last beat. */
    async fetchPages(args: PageArgs): Promise<PagesOutcome> {
      const resumed = activityInfo().heartbeatDetails;
      return reportingProblems(() => fetchListingPages({ sql: deps.sql, api: pingOne(args), beat: recordProgress, resumed, now: Date.now }, args));
    },

    /** Follows several listings together for a few seconds, each page by page, resuming each after a retried attempt's last beat. */
    async fetchListingsTogether(args: ListingsArgs): Promise<ListingOutcome[]> {
      const resumed = activityInfo().heartbeatDetails;
      return reportingProblems(() => fetchListingsTogether({ sql: deps.sql, api: () => pingOne(args), beat: recordProgress, resumed, now: Date.now }, args));
    },

    /**
     * Reads role assignments of the next batch of admin-only candidates; answers where to go on.
     * The first batch also reads `GET /roles`, kept in the store so a retried batch does not read it
     * again: one request per sync. (PingOne documents no request that lists an environment's admins,
     * so each candidate costs one role-assignment read.)
     */
    async readAdminRoles(args: AdminRolesArgs): Promise<{ last: string | null; requests: number }> {
      return reportingProblems(async () => {
        const api = pingOne(args);
        let facts = await adminCheckFacts(deps.sql, args);
        if (facts.roles.length === 0) {
          // PingOne's built-in roles (`GET /v1/roles`, organization level), following next links if it pages.
          const roles = (await readAll(api, `${api.target.apiBaseUrl}/roles`, 'roles', 'roles')).map(toRole);
          await upsertRoles(deps.sql, args, roles.filter((role): role is NonNullable<typeof role> => role !== undefined));
          facts = await adminCheckFacts(deps.sql, args);
        }
        const adminIds = new Set(adminRoleIds(facts.roles));
        const scope = { environmentId: args.pingOne.environmentId, populationIds: new Set(facts.populationIds) };
        const userIds = await adminCandidates(deps.sql, args, args.appIds, args.after, args.limit);
        // The candidates' reads are independent: they go out together, as many at once as the
        // license's budget allows (it paces and caps them), instead of one latency after another.
        const isAdmin = await Promise.all(
          userIds.map(async (userId) => {
            const page = await api.get(api.environmentUrl(`/users/${encodeURIComponent(userId)}/roleAssignments`), 'roleAssignments');
            const assignments = (embeddedRecords(page, 'roleAssignments') ?? []).map(toRoleAssignment);
            return assignments.some((a) => a !== undefined && isAdminAssignment(a, adminIds, scope));
          }),
        );
        await insertAdminUsers(deps.sql, args, userIds.filter((_, i) => isAdmin[i]));
        return { last: userIds.length === args.limit ? userIds[userIds.length - 1] : null, requests: api.stats.requests };
      });
    },

    /** Reads one page of sign-on events into the store, on the audit budget; answers the next link. */
    async readUsagePage(args: UsagePageArgs): Promise<UsagePageOutcome> {
      return reportingProblems(async () => {
        const api = auditApiFor(args, deps);
        const url = args.url ?? api.environmentUrl(auditPath(args.window, actionTypes));
        let page;
        try {
          page = await readPage(api, url, 'activities', 'activities', args.url !== undefined);
        } catch (err) {
          if (err instanceof ProblemError && err.problem.type === 'PingOneInsufficientPermissions') {
            const warning = `${auditDeniedCause(args.pingOne.environmentId)} The files were published without lastUsedDate. ${AUDIT_PERMISSION_FIX}`;
            return { next: null, read: 0, requests: api.stats.requests, denied: true, warning };
          }
          throw err;
        }
        const events = page.records.map((raw) => toUsageEvent(raw, actionTypes)).filter((e): e is UsageEventRow => e !== undefined);
        await recordUsageEvents(deps.sql, args.connectionId, events, args.readTo);
        return { next: page.next, read: page.records.length, requests: api.stats.requests, denied: false };
      });
    },

    /** Runs one check of the connection test (pingone/connection-test.ts). */
    async verifyCheck(args: VerifyCheckArgs): Promise<VerifyCheckOutcome> {
      return verifyCheck(args, deps);
    },
  };
}

export type PingOneActivities = ReturnType<typeof createPingOneActivities>;
