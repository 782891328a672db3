// Owns the small Temporal helpers test files use: a dev server per file and collision-free task queues.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer, type DevServerOptions } from '../../dev/dev-server';
import { currentTestLogFile } from './test-logs';

/**
 * Start a dev server for one test file, reusing the CLI that global-setup resolved (TEMPORAL_CLI_PATH).
 * Its banner and output go to the test file's log, not between the test results.
 * Remember `await env.teardown()` in afterAll.
 */
export async function startTestServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const cliPath = quietCli(process.env.TEMPORAL_CLI_PATH);
  try {
    return await startDevServer({ cliPath, ...opts });
  } finally {
    if (cliPath) rmSync(cliPath, { force: true }); // the server has started through it (exec: it is the server now)
  }
}

/** A wrapper that runs the CLI with its output appended to the test file's log (the SDK spawns the server with ours). */
function quietCli(cli: string | undefined): string | undefined {
  if (!cli) return undefined;
  const log = currentTestLogFile();
  const wrapper = join(dirname(log), `temporal-${process.pid}-${randomBytes(3).toString('hex')}.sh`);
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(cli)} "$@" >>${quote(log)} 2>&1\n`, { mode: 0o755 });
  return wrapper;
}

/** A task queue name no other test (or earlier run against the same server) uses. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
