// Owns the small Temporal helpers test files use: a dev server per file and collision-free task queues.
import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer, type DevServerOptions } from '../../client/dev-server';

/**
 * Start a dev server for one test file, reusing the CLI that global-setup resolved (TEMPORAL_CLI_PATH).
 * Remember `await env.teardown()` in afterAll.
 */
export async function startTestServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  return startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, ...opts });
}

/** A task queue name no other test (or earlier run against the same server) uses. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
