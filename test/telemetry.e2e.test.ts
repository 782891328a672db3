// The worker's telemetry as `npm start` installs it: the Prometheus endpoint, scraped before and
// after a sync that meets one 429, shows the SDK's metrics and the sync's own counters moving; the
// JSON log lines carry workflow, run and connection ids, and no secret in plain text.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { freePort } from '../dev/dev-server';
import { generateDirectory, type Directory } from '../sim/directory';
import { expectedToriiFile } from './oracle/expected';
import type { SimClient } from '../sim/pingone';
import { eventually } from './support/eventually';
import { connectionId, startHarness, TORII_KEY, type Harness } from './support/harness';

type Samples = Map<string, number>;

/** Prometheus text format to `name{labels}` → value (labels as written by the exporter). */
function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The sum over every series of `name` whose labels include all of `labels`. */
function total(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of samples) {
    const brace = series.indexOf('{');
    const seriesName = brace === -1 ? series : series.slice(0, brace);
    if (seriesName !== name) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

describe('telemetry', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;
  let metricsUrl: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    directory = generateDirectory({ seed: 71, users: 220, groups: 8, applications: 12 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-tele-P8mW2xq', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    h = await startHarness({
      pingone: { environments: [directory], clients: [client] },
      telemetry: { logLevel: 'INFO', metricsBindAddress: `127.0.0.1:${port}`, logDestination: destination },
    });
  });
  afterAll(() => h?.close());

  const scrape = async () => parseMetrics(await (await fetch(metricsUrl)).text());

  it('serves SDK and sync metrics that move with a sync', async () => {
    const before = await scrape();
    const pingOneBefore = h.pingone.requests.length;
    const toriiBefore = h.torii.requests.length;
    h.pingone.faults.add({ kind: 'users', respond: { status: 429, headers: { 'retry-after': '1' }, body: { code: 'REQUEST_LIMITED', message: 'Too many requests' } } });
    const result = await h.sync(h.input(connectionId('metrics'), client, directory));
    const sent = result.usersActive + result.usersDisabled + result.usersLocked + result.usersVerificationRequired + result.usersDeleted;
    expect(sent).toBe(expectedToriiFile(directory).counts.sent);

    const moved = (after: Samples, name: string, labels?: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    // The workflow's metrics leave through sinks after its last task: wait for them.
    const after = await eventually('the sync outcome metrics', scrape, (s) => moved(s, 'sync_runs_ended_total', { outcome: 'done' }) === 1);
    expect(moved(after, 'sync_users_synced_total', { dry_run: 'false' })).toBe(sent);
    expect(moved(after, 'sync_duration_seconds_count', { outcome: 'done' })).toBe(1);
    // Every request the simulators saw was counted once, by its answer's status.
    expect(moved(after, 'sync_pingone_requests_total')).toBe(h.pingone.requests.length - pingOneBefore);
    expect(moved(after, 'sync_pingone_requests_total', { status: '200' })).toBe(h.pingone.requests.length - pingOneBefore - 1);
    expect(moved(after, 'sync_pingone_requests_total', { status: '429' })).toBe(1);
    expect(moved(after, 'sync_torii_requests_total')).toBe(h.torii.requests.length - toriiBefore);
    expect(moved(after, 'sync_rate_limited_total', { system: 'pingone' })).toBe(1);
    expect(moved(after, 'sync_activity_retries_total', { activity: 'fetchPages' })).toBe(1);
    expect(moved(after, 'sync_torii_uploads_total', { via: 'direct' })).toBe(1);
    // The SDK's own, from the same endpoint.
    expect(moved(after, 'temporal_workflow_completed_total')).toBeGreaterThanOrEqual(1);
    expect(moved(after, 'temporal_activity_execution_latency_count')).toBeGreaterThan(0);
  });

  it('writes JSON log lines with workflow, run and connection ids and no secret', async () => {
    const id = connectionId('logs');
    h.pingone.faults.add({ kind: 'groups', respond: { status: 503, headers: { 'retry-after': '1' }, body: { code: 'SERVICE_UNAVAILABLE', message: 'Try again' } } });
    await h.sync(h.input(id, client, directory));
    // Workflow log lines leave through the SDK's sinks after each workflow task: wait for the last.
    const entries = await eventually(
      'the sync\'s log lines',
      async () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>),
      (all) => all.some((e) => e.msg === 'Sync entered phase done' && e.connectionId === id),
      { timeoutMs: 15_000 },
    );
    const phase = entries.find((e) => e.msg === 'Sync entered phase publishing' && e.connectionId === id);
    expect(phase).toMatchObject({ workflowId: `pingone-sync/${id}`, phase: 'publishing', level: 30 });
    expect(typeof phase?.runId).toBe('string');
    const retried = entries.find((e) => e.msg === 'Activity failed' && e.connectionId === id);
    expect(retried).toMatchObject({ activityType: 'fetchPages', workflowId: `pingone-sync/${id}` });
    const everything = logLines.join('\n');
    for (const secret of [client.clientSecret, TORII_KEY, ...h.pingone.issuedTokens]) expect(everything).not.toContain(secret);
  });
});
