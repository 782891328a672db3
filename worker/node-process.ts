// How a production worker's node process starts: its V8 flags and its malloc setting. `npm start`
// and the Dockerfile write them out (test/deployment.test.ts holds both to these); the benchmarks
// and the shipped-worker test start their worker processes with them, so what they measure is
// what production runs.
//
// A small old generation makes V8 collect early instead of growing: pages and file batches are
// small. Young generations of 2 MB semi-spaces, in each of the process's two isolates (the
// activities' and the workflows' thread), keep a 1,000,000-user sync under 200 MB: 4 MB ones held
// 8-16 MB more at its peak (191-195 against 203-207 MB). The price is garbage collection: ~0.4 ms
// more a page on the page path alone (0.8 -> 1.2-1.3 ms), within whole syncs' run-to-run spread
// (BENCHMARKS.md, issue 13's eighth pass). V8 rounds the size up to a power of two: 3 is 4. Two
// malloc arenas stop glibc from keeping one per native thread of the SDK's core.
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=96', '--max-semi-space-size=2'];

export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
