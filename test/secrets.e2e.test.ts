// Credentials never in plain text: after a completed sync and failed ones, the raw bytes of the
// workflow histories hold no byte sequence of the Client Secret, the Torii API keys or any access
// token PingOne issued, yet the codec (here through the codec server, as an operator's UI would)
// finds the input again; and the worker's logs across those runs hold none of them either.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { inspect } from 'node:util';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startCodecServer, type CodecServer } from '../client/codec-server';
import { SECRET_MASK } from '../client/codec-masking';
import { startSync } from '../client/start-sync';
import { AesGcmPayloadCodec } from '../contract/codec';
import { parseEncryptionKeys } from '../contract/encryption-keys';
import type { SyncInput } from '../contract/sync';
import { generateDirectory, type Directory } from '../sim/directory';
import type { SimClient } from '../sim/pingone';
import { connectionId, startHarness, TEST_ENCRYPTION_KEYS, TORII_KEY, type Harness } from './support/harness';

const WRONG_TORII_KEY = 'torii-wrong-key-Pz8vN3qL5t';
const WRONG_SECRET = 'sim-secret-wrong-Yt6wE1';
const CODEC_TOKEN = 'codec-token-for-tests-4vJ9mQ2xR7kL';

// Everything the worker logs, through the SDK's logger (core logs forwarded too), as inspected text.
const logLines: string[] = [];
Runtime.install({
  logger: new DefaultLogger('TRACE', (entry) => logLines.push(`${entry.level} ${entry.message} ${inspect(entry.meta, { depth: 8 })}`)),
  telemetryOptions: { logging: { filter: { core: 'INFO', other: 'INFO' }, forward: {} } },
});

describe('credentials in history and logs', () => {
  let h: Harness;
  let directory: Directory;
  let client: SimClient;
  let codecServer: CodecServer;
  const consoleLines: string[] = [];
  const runs: { handle: WorkflowHandle; input: SyncInput; outcome: 'completed' | 'failed' }[] = [];

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error'] as const) {
      const original = console[method].bind(console);
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleLines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
        original(...args);
      });
    }
    directory = generateDirectory({ seed: 41, users: 60, groups: 5, applications: 12 });
    client = { clientId: randomUUID(), clientSecret: 'sim-secret-history-Q7m3Kd9Xw2', environmentId: directory.environmentId, authMethod: 'CLIENT_SECRET_BASIC' };
    h = await startHarness({ pingone: { environments: [directory], clients: [client] } });
    codecServer = await startCodecServer({
      codec: new AesGcmPayloadCodec(parseEncryptionKeys(TEST_ENCRYPTION_KEYS).keys),
      token: CODEC_TOKEN,
      corsOrigins: [],
      host: '127.0.0.1',
      port: 0,
    });

    const run = async (input: SyncInput, expect: 'completed' | 'failed') => {
      const handle = await startSync(h.env.client, input, h.taskQueue);
      const outcome = await handle.result().then(() => 'completed' as const, (err: unknown) => {
        if (!(err instanceof WorkflowFailedError)) throw err;
        return 'failed' as const;
      });
      if (outcome !== expect) throw new Error(`${input.connectionId}: ${outcome}, expected ${expect}`);
      runs.push({ handle, input, outcome });
    };
    // Completed, with the Torii key in the input and a connection reset on the way (a got error).
    h.pingone.faults.add({ kind: 'users', respond: { reset: true } });
    await run(h.input(connectionId('secret-ok'), client, directory, { torii: { appAccountId: 4242, apiKey: TORII_KEY } }), 'completed');
    // Failed at Torii: a wrong key in the input, refused with 401 after the PingOne reads.
    await run(h.input(connectionId('secret-torii'), client, directory, { torii: { appAccountId: 4242, apiKey: WRONG_TORII_KEY } }), 'failed');
    // Failed at PingOne: a wrong Client Secret (sent in a Basic header, then in a form).
    await run(h.input(connectionId('secret-pingone'), { ...client, clientSecret: WRONG_SECRET }, directory), 'failed');
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await codecServer?.close();
    await h?.close();
  });

  /** Every secret, in the forms it travels in: as is, base64, and inside a Basic header. */
  function secretForms(): { name: string; bytes: Buffer }[] {
    const secrets: [string, string][] = [
      ['client secret', client.clientSecret],
      ['wrong client secret', WRONG_SECRET],
      ['Torii key', TORII_KEY],
      ['wrong Torii key', WRONG_TORII_KEY],
      ['encryption key', TEST_ENCRYPTION_KEYS.split(':')[1]],
      ...h.pingone.issuedTokens.map((t, i): [string, string] => [`access token ${i}`, t]),
    ];
    return secrets.flatMap(([name, value]) => [
      { name, bytes: Buffer.from(value) },
      { name: `${name} (base64)`, bytes: Buffer.from(Buffer.from(value).toString('base64')) },
      { name: `${name} (Basic header)`, bytes: Buffer.from(Buffer.from(`${client.clientId}:${value}`).toString('base64')) },
    ]);
  }

  it('ran a completed sync and two failed ones, with tokens issued', () => {
    expect(runs.map((r) => r.outcome)).toEqual(['completed', 'failed', 'failed']);
    expect(h.pingone.issuedTokens.length).toBeGreaterThan(0);
    expect(h.pingone.requests.some((r) => r.fault === 'reset')).toBe(true);
  });

  it('keeps every secret out of the raw history bytes', async () => {
    for (const { handle } of runs) {
      const raw = Buffer.from(temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
      expect(raw.includes(Buffer.from('binary/encrypted'))).toBe(true);
      const leaks = secretForms().filter((form) => raw.includes(form.bytes)).map((form) => form.name);
      expect({ workflowId: handle.workflowId, leaks }).toEqual({ workflowId: handle.workflowId, leaks: [] });
      // Nothing readable either: the connection id is in the workflow id, but never in a payload.
      const started = (await handle.fetchHistory()).events?.[0].workflowExecutionStartedEventAttributes;
      const payloadBytes = Buffer.concat((started?.input?.payloads ?? []).map((p) => Buffer.from(p.data ?? [])));
      expect(payloadBytes.includes(Buffer.from(directory.environmentId))).toBe(false);
    }
  });

  it('finds the input again by decoding the history through the codec server, credentials masked', async () => {
    for (const { handle, input } of runs) {
      const started = (await handle.fetchHistory()).events?.[0].workflowExecutionStartedEventAttributes;
      const payloads = (started?.input?.payloads ?? []).map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(p.data ?? []).toString('base64'),
      }));
      const response = await fetch(`${codecServer.url}/decode`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CODEC_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ payloads }),
      });
      expect(response.status).toBe(200);
      const decoded = ((await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
      const value = defaultPayloadConverter.fromPayload({
        metadata: Object.fromEntries(Object.entries(decoded[0].metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(decoded[0].data, 'base64'),
      });
      // Everything but the credentials, which the codec server shows as its mask.
      const masked = { ...input.torii, ...(input.torii.apiKey ? { apiKey: SECRET_MASK } : {}) };
      expect(value).toMatchObject({ connectionId: input.connectionId, pingOne: { ...input.pingOne, clientSecret: SECRET_MASK }, torii: masked });
      expect(JSON.stringify(value)).not.toContain(input.pingOne.clientSecret);
    }
  });

  it('lets the Temporal CLI read the history through the codec server with the token', async () => {
    const cli = process.env.TEMPORAL_CLI_PATH;
    if (!cli) throw new Error('TEMPORAL_CLI_PATH is unset: run the tests through jest (its global setup finds the Temporal CLI)');
    const { handle, input } = runs[0];
    const args = ['workflow', 'show', '--address', h.env.address, '--namespace', 'default', '-w', handle.workflowId, '--output', 'json'];
    const { stdout } = await promisify(execFile)(cli, [...args, '--codec-endpoint', codecServer.url, '--codec-auth', `Bearer ${CODEC_TOKEN}`]);
    const started = (JSON.parse(stdout) as { events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { metadata: { encoding: string }; data: string }[] } } }[] }).events[0];
    const [payload] = started.workflowExecutionStartedEventAttributes?.input.payloads ?? [];
    expect(Buffer.from(payload.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payload.data, 'base64').toString())).toMatchObject({ connectionId: input.connectionId, pingOne: { ...input.pingOne, clientSecret: SECRET_MASK } });
    expect(stdout).not.toContain(input.pingOne.clientSecret);
    // Without the codec server the same command sees ciphertext: every payload but the search
    // attributes (Temporal indexes them) and patch markers (the SDK writes the patch id itself),
    // which never pass through a codec and hold no secret.
    const plain = JSON.parse((await promisify(execFile)(cli, args)).stdout) as unknown;
    const encodings = new Map<string, string>();
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const encoding = (node as { metadata?: { encoding?: string } }).metadata?.encoding;
      if (typeof encoding === 'string') encodings.set(path, Buffer.from(encoding, 'base64').toString());
      for (const [key, child] of Object.entries(node)) walk(child, `${path}.${key}`);
    };
    walk(plain, '');
    const readable = [...encodings].filter(([path, encoding]) => encoding !== 'binary/encrypted' && !/\.searchAttributes\.|\.markerRecordedEventAttributes\.details\.patch-data\./.test(path));
    expect(encodings.size).toBeGreaterThan(10);
    expect(readable).toEqual([]);
  });

  it('keeps every secret out of the worker’s logs across the failing runs', () => {
    // The capture works: the failed activities were logged, with their cause.
    expect(logLines.some((line) => line.includes('Activity failed') && line.includes('Torii'))).toBe(true);
    expect(logLines.some((line) => line.includes('PingOneInvalidClient'))).toBe(true);
    const text = Buffer.from([...logLines, ...consoleLines].join('\n'));
    const leaks = secretForms().filter((form) => text.includes(form.bytes)).map((form) => form.name);
    expect(leaks).toEqual([]);
  });
});
