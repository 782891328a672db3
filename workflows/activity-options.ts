// Every activity's timeouts and retry policy, in one place: the proxies the workflows call
// activities through, by the system the activity talks to. Temporal's retry policy is the only retry
// layer (README "Who retries what"); activity options are not commands, so changing them needs no patch.
import { proxyActivities } from '@temporalio/workflow';
import type { PingOneActivities } from '../activities/pingone/activities';
import type { StoreActivities } from '../activities/store/activities';
import type { ToriiActivities } from '../activities/torii/activities';

/** Every activity the worker registers (worker/activities.ts composes the three ports). */
type SyncActivities = PingOneActivities & ToriiActivities & StoreActivities;

// How long the server waits for a running activity's heartbeat before it retries the activity
// elsewhere: how soon a sync recovers from a worker that died mid-activity (worker/heartbeat.ts
// makes every activity beat while it runs). Activities that wait on PingOne or Torii keep the
// worker's event loop free and beat on time. A store activity may not: the embedded store (PGlite)
// runs each query on the worker's own thread, so a large query holds every heartbeat until it ends.
const HEARTBEAT_TIMEOUT = { network: '10s', store: '60s' } as const;

/** 1 s doubling to 60 s, 10 attempts: a PingOne page or a store write. */
const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', maximumAttempts: 10 };

/** Requests to PingOne: a listing's pages for up to 5 s (a page past that only if it waited on the budget), one batch of role assignments, one audit page. */
export const pingOne = proxyActivities<SyncActivities>({ startToCloseTimeout: '3m', heartbeatTimeout: HEARTBEAT_TIMEOUT.network, retry: RETRY });

/** Queries of the store; at 1,000,000 users deriving access and finalizing take minutes. */
export const store = proxyActivities<SyncActivities>({ startToCloseTimeout: '10m', heartbeatTimeout: HEARTBEAT_TIMEOUT.store, retry: RETRY });

/** Uploads to Torii and its sync call: 409 means another sync of the account is still being processed, so wait it out patiently. */
export const torii = proxyActivities<SyncActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT.network,
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
});

/** The connection test's checks: the activity bounds its own retries (propagation grace, a few attempts); this only stops a runaway. */
export const verifyChecks = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 60 },
});

/** The CLI's store reads (diff, usage): a person waits for the answer, so few, quick attempts. */
export const storeReads = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});
