// How a production worker's node process starts: its V8 flags and its malloc setting. `npm start`
// and the Dockerfile write them out (test/deployment.test.ts holds both to these); the benchmarks
// and the shipped-worker test start their worker processes with them, so what they measure is
// what production runs.
//
// A small old generation makes V8 collect early instead of growing: pages and file batches are
// small. Young generations of 2 MB semi-spaces, in each of the process's two isolates (the
// activities' and the workflows' thread): 4 MB ones held ~10 MB more at the peak of a
// 1,000,000-user sync for no measurable CPU (BENCHMARKS.md, issue 13's seventh pass). Two malloc
// arenas stop glibc from keeping one per native thread of the SDK's core.
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=96', '--max-semi-space-size=2'];

export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
