// The usage read's and the app accounts' activities: plan the window of this sync's audit read,
// read one page of sign-on events into the store (the next link is the checkpoint), close the read
// (the high-water mark moves), settle one mapped application's users (what the deletion guard
// weighs) and write and upload its Torii file.
// Audit requests wait for a budget of their own per license, so the usage read and the listings
// run side by side without starving each other.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { ConnectionArgs } from '.';
import { endpointsFor, licenseKeyOf, pingOneApiFor } from './connection';
import { PingOneApi } from './pingone/api';
import { AUDIT_PERMISSION_FIX, auditDeniedCause, auditPath, DEFAULT_USAGE_ACTION_TYPES, toUsageEvent, USAGE_OVERLAP_MS, USAGE_REACH_MS } from './pingone/audit';
import { malformedAnswer } from './pingone/classify';
import type { HostPolicy } from './pingone/hosts';
import { embeddedRecords, nextLink } from './pingone/listings';
import type { PingOneApiDeps } from './pingone/api';
import { ProblemError, reportingProblems } from './problem';
import type { SnapshotKey } from './store/pages';
import type { Sql } from './store/sql';
import { completeUsageRead, planUsageWindow, recordUsageEvents, type UsageEventRow, type UsageWindow } from './store/usage';
import { mappedApplication, pruneAppAccountRows, settleAppAccount } from './store/usage-app-accounts';
import type { ToriiSink } from './torii/api';
import { writeAppAccountFile } from './torii/app-account-file';
import type { ToriiTarget } from '../contract/sync';

export interface UsageSettings {
  /** PINGONE_USAGE_ACTION_TYPES */
  actionTypes: string[];
  /** PINGONE_AUDIT_REQUESTS_PER_SECOND: the audit budget per license. */
  requestsPerSecond: number;
}

export const DEFAULT_AUDIT_REQUESTS_PER_SECOND = 4;

export interface UsageDeps extends PingOneApiDeps {
  sql: Sql;
  hostPolicy: HostPolicy;
  filesDir: string;
  usage?: UsageSettings;
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

export interface MappedAppKey extends SnapshotKey {
  pingOneApplicationId: string;
  toriiAppAccountId: number;
}

/** A mapped application settled for this snapshot, or `missing` when this snapshot does not license it (gone, disabled). */
export type SettledAppOutcome =
  | { status: 'missing' }
  | { status: 'settled'; appId: string; name: string; usersDeleted: number; previousUsers: number };

export interface MappedAppArgs extends MappedAppKey {
  torii: ToriiTarget;
  dryRun: boolean;
  /** The application as settleAppAccount found it. */
  appId: string;
  name: string;
  /** False when this sync could not read usage: the file carries no lastUsedDate. */
  withUsage: boolean;
}

export interface MappedAppOutcome {
  /** Null on a dry run. */
  fileId: number | null;
  /** Where a dry run kept the file; null otherwise. */
  filePath: string | null;
  users: number;
  lastUsedDates: number;
}

/** The audit API of a connection: the management API's target with the license's audit budget. */
export function auditApiFor(args: ConnectionArgs, deps: PingOneApiDeps & Pick<UsageDeps, 'hostPolicy' | 'usage'>): PingOneApi {
  const api = pingOneApiFor(args.pingOne, deps.hostPolicy, deps, args.rateLimit);
  const tokenUrl = endpointsFor(args.pingOne, deps.hostPolicy).tokenUrl;
  const budget = deps.budgets.for(`audit|${licenseKeyOf(args.pingOne, tokenUrl, args.rateLimit)}`, {
    requestsPerSecond: deps.usage?.requestsPerSecond ?? DEFAULT_AUDIT_REQUESTS_PER_SECOND,
    concurrency: 2,
  });
  return new PingOneApi(deps, { ...api.target, budget });
}

export function createUsageActivities(deps: UsageDeps, sinkFor: (torii: ToriiTarget) => ToriiSink) {
  const actionTypes = deps.usage?.actionTypes ?? DEFAULT_USAGE_ACTION_TYPES;
  return {
    /** The window this sync's usage read covers (now is the worker's clock, read once and carried in the checkpoint). */
    async planUsageRead(args: { connectionId: string }): Promise<UsageWindow> {
      return planUsageWindow(deps.sql, args.connectionId, new Date(), USAGE_REACH_MS, USAGE_OVERLAP_MS);
    },

    /** Reads one page of sign-on events into the store; answers the next link. */
    async readUsagePage(args: UsagePageArgs): Promise<UsagePageOutcome> {
      return reportingProblems(async () => {
        const api = auditApiFor(args, deps);
        const url = args.url ?? api.environmentUrl(auditPath(args.window, actionTypes));
        let page: Record<string, unknown>;
        try {
          page = await api.get(url, 'activities', args.url !== undefined);
        } catch (err) {
          if (err instanceof ProblemError && err.problem.type === 'PingOneInsufficientPermissions') {
            const warning = `${auditDeniedCause(args.pingOne.environmentId)} The files were published without lastUsedDate. ${AUDIT_PERMISSION_FIX}`;
            return { next: null, read: 0, requests: api.stats.requests, denied: true, warning };
          }
          throw err;
        }
        const records = embeddedRecords(page, 'activities');
        if (!records) {
          throw new ProblemError(malformedAnswer('PingOne answered an audit activities page without a readable _embedded list.'));
        }
        const next = nextLink(page, url) ?? null;
        if (next !== null) api.checkLink(next, 'activities');
        if (next === url) {
          throw new ProblemError({
            type: 'PingOnePagingLoop',
            cause: 'PingOne answered an audit activities page whose next link is the page itself.',
            fix: 'Report this to PingOne support with the correlation id; the sync stopped instead of looping.',
            retryable: false,
          });
        }
        const events = records.map((raw) => toUsageEvent(raw, actionTypes)).filter((e): e is UsageEventRow => e !== undefined);
        await recordUsageEvents(deps.sql, args.connectionId, events, args.readTo);
        return { next, read: records.length, requests: api.stats.requests, denied: false };
      });
    },

    /** The read reached its last page: the high-water mark moves to the window's end; answers its new sign-ons. */
    async completeUsageRead(args: { connectionId: string; window: UsageWindow }): Promise<{ signOnsNew: number }> {
      return { signOnsNew: await completeUsageRead(deps.sql, args.connectionId, args.window, USAGE_OVERLAP_MS) };
    },

    /**
     * Settles one mapped application's users for this snapshot: who its app account gets and who
     * it is sent as deleted, the counts the deletion guard weighs before anything is published. An
     * application this snapshot does not license (gone, disabled) is answered `missing`.
     */
    async settleAppAccount(args: MappedAppKey): Promise<SettledAppOutcome> {
      return reportingProblems(async () => {
        await pruneAppAccountRows(deps.sql, args.connectionId);
        const app = await mappedApplication(deps.sql, args, args.pingOneApplicationId);
        if (!app) return { status: 'missing' };
        const settled = await settleAppAccount(deps.sql, args, app.appId);
        return { status: 'settled', appId: app.appId, name: app.name, usersDeleted: settled.deleted, previousUsers: settled.previousUsers };
      });
    },

    /** Writes and uploads a settled application's file (a dry run keeps it). */
    async publishAppAccount(args: MappedAppArgs): Promise<MappedAppOutcome> {
      return reportingProblems(async () => {
        const path = join(deps.filesDir, args.connectionId, `${args.snapshotId}.app-${args.toriiAppAccountId}.json`);
        const file = await writeAppAccountFile(deps.sql, args, { appId: args.appId, name: args.name }, path, args.withUsage);
        const built = { users: file.users, lastUsedDates: file.lastUsedDates };
        if (args.dryRun) return { ...built, fileId: null, filePath: file.path };
        try {
          const { fileId } = await sinkFor(args.torii).upload(file.path, file.bytes);
          return { ...built, fileId, filePath: null };
        } finally {
          await rm(file.path, { force: true });
        }
      });
    },
  };
}
