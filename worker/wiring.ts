// Builds the activities' dependencies from the configuration: the store (PostgreSQL or the
// embedded default, migrated here), the HTTP client, the worker-wide token cache and rate budgets.
import { resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { ActivityDeps } from './activities';
import { countingRequests } from '../activities/request-metrics';
import { RateBudgets } from '../activities/pingone/rate-budget';
import { createHttp } from '../activities/pingone/http';
import { TokenCache } from '../activities/pingone/token';
import { registerSecret } from '../contract/redact';
import { migrate } from '../activities/store/schema';
import { embeddedStore, postgresStore, type Sql } from '../activities/store/sql';
import { syncMetrics } from '../contract/metrics';
import type { WorkerConfig } from '../contract/config';

export async function openStore(config: Pick<WorkerConfig, 'DATABASE_URL' | 'EMBEDDED_DATABASE_DIR'>): Promise<Sql> {
  const sql = config.DATABASE_URL ? postgresStore(config.DATABASE_URL) : await embeddedStore(resolve(config.EMBEDDED_DATABASE_DIR));
  await migrate(sql);
  return sql;
}

export function activityDeps(config: WorkerConfig, sql: Sql, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  registerSecret(config.TORII_API_KEY);
  for (const { key } of config.SYNC_ENCRYPTION_KEYS ?? []) registerSecret(key.toString('base64'));
  if (config.DATABASE_URL) registerSecret(databasePassword(config.DATABASE_URL));
  // On the runtime's meter, so they leave through the runtime's Prometheus exporter (worker/telemetry.ts).
  const metrics = syncMetrics(Runtime.instance().metricMeter);
  const http = countingRequests(createHttp({ requestTimeoutMs: config.HTTP_TIMEOUT_MS, maxResponseBytes: config.HTTP_MAX_RESPONSE_BYTES }), metrics);
  return {
    sql,
    http,
    metrics,
    tokens: new TokenCache(http),
    budgets: new RateBudgets({ requestsPerSecond: config.PINGONE_REQUESTS_PER_SECOND, concurrency: config.PINGONE_CONCURRENCY }, config.HTTP_MAX_RESPONSE_BYTES),
    hostPolicy: {
      authBaseUrl: config.PINGONE_AUTH_URL,
      apiBaseUrl: config.PINGONE_API_URL,
      allowedHosts: config.PINGONE_ALLOWED_HOSTS,
    },
    toriiApiUrl: config.TORII_API_URL,
    toriiApiKey: config.TORII_API_KEY,
    toriiUploadAllowedHosts: config.TORII_UPLOAD_ALLOWED_HOSTS,
    filesDir: resolve(config.SYNC_FILES_DIR),
    adminLookupLimit: config.PINGONE_ADMIN_LOOKUP_LIMIT,
    chainSplitAbove: config.PINGONE_CHAIN_SPLIT_USERS,
    propagationGraceMs: config.PINGONE_PROPAGATION_GRACE_SECONDS * 1000,
    usage: { actionTypes: config.PINGONE_USAGE_ACTION_TYPES, requestsPerSecond: config.PINGONE_AUDIT_REQUESTS_PER_SECOND },
    ...overrides,
  };
}

function databasePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
