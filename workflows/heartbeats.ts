// How long the server waits for a running activity's heartbeat before it retries the activity
// elsewhere: how soon a sync recovers from a worker that died mid-activity (worker/heartbeat.ts
// makes every activity beat while it runs). Activities that wait on PingOne or Torii keep the
// worker's event loop free and beat on time. A store activity may not: the embedded store (PGlite)
// runs each query on the worker's own thread, so a large query holds every heartbeat until it ends.
export const HEARTBEAT_TIMEOUT = { network: '10s', store: '60s' } as const;
