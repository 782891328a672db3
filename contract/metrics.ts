// The sync's own Prometheus metrics, named once. They are created on a Temporal MetricMeter, so
// they leave through the same runtime exporter as the SDK's metrics: the workflow records outcomes
// (duration, users synced) on its replay-safe meter, the worker records requests, retries and
// uploads on the runtime's meter. Pure: the workflow bundle imports it.
import type { MetricMeter } from '@temporalio/common';

export function syncMetrics(meter: MetricMeter) {
  return {
    /** Users in each published file: sent active, disabled, locked, or sent as deleted. */
    usersSynced: meter.createCounter('sync_users_synced', 'users', 'Users sent to Torii, by dry_run'),
    /** Whole syncs, across continue-as-new, from start to done or failed. */
    syncDuration: meter.createHistogram('sync_duration_seconds', 'float', '', 'Sync duration from start to end, by outcome'),
    syncsEnded: meter.createCounter('sync_runs_ended', 'syncs', 'Syncs that ended, by outcome (done, failed)'),
    /** Every PingOne answer (token and API) by HTTP status, `network` when none came. */
    pingOneRequests: meter.createCounter('sync_pingone_requests', 'requests', 'Requests to PingOne, by status'),
    toriiRequests: meter.createCounter('sync_torii_requests', 'requests', 'Requests to Torii, by status'),
    rateLimited: meter.createCounter('sync_rate_limited', 'answers', 'HTTP 429 answers, by system (pingone, torii)'),
    /** Attempts after the first, per activity type: Temporal's retry policy at work. */
    activityRetries: meter.createCounter('sync_activity_retries', 'attempts', 'Activity attempts after the first, by activity'),
    toriiUploads: meter.createCounter('sync_torii_uploads', 'files', 'Files uploaded to Torii, by via (direct, presigned)'),
  };
}

export type SyncMetrics = ReturnType<typeof syncMetrics>;
