// The workflows this worker runs; the worker bundles this file.
export { pingOneSync } from './sync';
export { scheduledPingOneSync } from './scheduled-sync';
export { pingOneVerifyConnection } from './verify';
export { pingOneConnectionDiff, pingOneConnectionUsage } from './connection-reports';
