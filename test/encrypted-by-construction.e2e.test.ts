// Encrypted by construction: the documented backend path cannot put credentials into history in
// plain text. A plain Temporal client is refused by startSync, startVerify and schedule creation
// before any request (no workflow or schedule exists afterwards); an input that reaches the worker
// unencrypted anyway (a client starting the workflow type by hand) fails at once, non-retryable, as
// UnencryptedInput, before PingOne is asked anything; and a client from the package's own
// connectClient() passes the guard.
import { randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createSyncSchedule, syncScheduleId } from '../client/schedule-command';
import { connectClient, startSync, startVerify, UnencryptedClientError, verifyWorkflowId, syncWorkflowId, SYNC_WORKFLOW_TYPE, VERIFY_WORKFLOW_TYPE } from '../client';
import { loadConfig } from '../contract/config';
import { generateDirectory, type Directory } from '../sim/directory';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, TEST_ENCRYPTION_KEYS, type Harness } from './support/harness';

describe('encrypted by construction', () => {
  let h: Harness;
  let plain: Client;
  let directory: Directory;
  let simClient: SimClient;

  beforeAll(async () => {
    directory = generateDirectory({ seed: 9, users: 20, groups: 2, applications: 3 });
    simClient = { clientId: randomUUID(), clientSecret: 'sim-secret-plain-Lk4sW8qZ1e', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [simClient] } });
    // What README "From code" used to show: a client with Temporal's default (plain JSON) converter.
    plain = new Client({ connection: h.env.client.connection, namespace: h.env.namespace ?? 'default' });
  });

  afterAll(async () => {
    await h?.close();
  });

  const pingOneRequests = () => h.pingone.requests.length;

  it('refuses a plain client in startSync, startVerify and schedule creation, making no request to Temporal', async () => {
    const id = connectionId('plain-client');
    const input = h.input(id, simClient, directory);
    await expect(startSync(plain, input, h.taskQueue)).rejects.toThrow(UnencryptedClientError);
    await expect(startSync(plain, input, h.taskQueue)).rejects.toThrow(/connectClient\(\)/);
    await expect(startVerify(plain, { connectionId: id, pingOne: input.pingOne }, h.taskQueue)).rejects.toThrow(UnencryptedClientError);
    await expect(createSyncSchedule(plain, input)).rejects.toThrow(UnencryptedClientError);

    // Nothing was started or created: asked through the encrypting client, Temporal knows none of them.
    await expect(h.env.client.workflow.getHandle(syncWorkflowId(id)).describe()).rejects.toThrow(WorkflowNotFoundError);
    await expect(h.env.client.workflow.getHandle(verifyWorkflowId(id)).describe()).rejects.toThrow(WorkflowNotFoundError);
    await expect(h.env.client.schedule.getHandle(syncScheduleId(id)).describe()).rejects.toThrow(/not found/i);
  });

  it.each([
    ['sync', SYNC_WORKFLOW_TYPE, syncWorkflowId],
    ['connection test', VERIFY_WORKFLOW_TYPE, verifyWorkflowId],
  ])('fails a %s whose input arrived unencrypted at once, non-retryable, before PingOne is asked', async (what, workflowType, workflowId) => {
    const id = connectionId('plain-input');
    const input = h.input(id, simClient, directory);
    const args = workflowType === SYNC_WORKFLOW_TYPE ? [input] : [{ connectionId: id, pingOne: input.pingOne }];
    const before = pingOneRequests();
    const handle = await plain.workflow.start(workflowType, { args, taskQueue: h.taskQueue, workflowId: workflowId(id) });
    // The worker's failure is encrypted like everything it writes: read it through the encrypting client.
    const failure = await h.env.client.workflow.getHandle(handle.workflowId).result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('UnencryptedInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain(`This ${what}'s input reached Temporal unencrypted`);
    expect(cause.message).toMatch(/Rotate the PingOne Worker app's Client Secret/);
    expect(cause.message).toMatch(/connectClient\(\)/);
    // One workflow task and the failure: no activity was scheduled, PingOne never asked.
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    expect(pingOneRequests()).toBe(before);
  });

  it('lets a client from connectClient() start a sync that completes', async () => {
    const client = await connectClient(
      loadConfig({ ...h.workerEnv, SYNC_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS }),
    );
    try {
      const id = connectionId('connect-client');
      const handle = await startSync(client, h.input(id, simClient, directory), h.taskQueue);
      const result = await handle.result();
      expect(result.usersActive + result.usersDisabled + result.usersLocked).toBeGreaterThan(0);
      expect(h.torii.syncs.length).toBeGreaterThan(0);
    } finally {
      await client.connection.close();
    }
  });
});
