// The codec server over real HTTP: Temporal's /encode and /decode protocol, the bearer token (or a
// random server-side session traded for it) required, CORS only for the configured Temporal UI
// origin, credentials masked on decode and the mask refused on encode, HTTPS from a certificate.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { Command } from 'commander';
import { registerSecurityCommands } from '../client/verify-command';
import { payloadToJson, SESSION_BODY_LIMIT_BYTES, startCodecServer, type CodecServer } from '../client/codec-server';
import { SECRET_MASK } from '../client/codec-masking';
import { AesGcmPayloadCodec } from '../contract/codec';

const TOKEN = 'codec-server-test-token-8Hq2Lm5Vx';
const UI = 'http://localhost:8233';

describe('codec server', () => {
  let server: CodecServer;
  const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);

  beforeAll(async () => {
    server = await startCodecServer({ codec, token: TOKEN, corsOrigins: [UI], host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const encrypted = async (value: unknown) => payloadToJson((await codec.encode([defaultPayloadConverter.toPayload(value)]))[0]);

  it('decodes what the worker encrypted, in the protocol’s JSON', async () => {
    const response = await post('/decode', { payloads: [await encrypted({ hello: 'history' })] });
    expect(response.status).toBe(200);
    const [payload] = ((await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(payload.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payload.data, 'base64').toString())).toEqual({ hello: 'history' });
  });

  it('encodes, and answers under a namespaced endpoint too', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload('typed in the UI'));
    const response = await post('/default/encode', { payloads: [plain] });
    expect(response.status).toBe(200);
    const [sealed] = ((await response.json()) as { payloads: { metadata: Record<string, string> }[] }).payloads;
    expect(Buffer.from(sealed.metadata['encryption-key-id'], 'base64').toString()).toBe('k1');
  });

  it('requires the bearer token', async () => {
    const body = { payloads: [await encrypted('x')] };
    expect((await post('/decode', body, {})).status).toBe(401);
    const wrong = await post('/decode', body, { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'a valid bearer token (CODEC_SERVER_TOKEN) or session is required' });
  });

  it('trades the token for a session cookie a browser sends with the UI’s requests', async () => {
    const refused = await fetch(`${server.url}/session`, { method: 'POST', body: new URLSearchParams({ token: 'wrong' }) });
    expect(refused.status).toBe(401);
    const signIn = await fetch(`${server.url}/session`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^codec_session=[\w-]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=None$/);
    expect(cookie).not.toContain(TOKEN);
    const response = await post('/decode', { payloads: [await encrypted('via cookie')] }, { cookie: cookie.split(';')[0], origin: UI });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('answers CORS preflights for the Temporal UI’s origin only', async () => {
    const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: UI, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-namespace');
    const stranger = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post('/decode', { payloads: [] }, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' })).status).toBe(403);
  });

  const decoded = async (response: Response) =>
    ((await response.json()) as { payloads: { data: string }[] }).payloads.map((p) => JSON.parse(Buffer.from(p.data, 'base64').toString()));

  it('gives each sign-in its own random session, not derived from the token, that a new server does not know', async () => {
    const signIn = async (on: CodecServer) => {
      const response = await fetch(`${on.url}/session`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
      expect(response.status).toBe(200);
      return (response.headers.get('set-cookie') ?? '').split(';')[0];
    };
    const [first, second] = [await signIn(server), await signIn(server)];
    expect(first).not.toBe(second);
    const body = { payloads: [await encrypted('x')] };
    expect((await post('/decode', body, { cookie: first })).status).toBe(200);
    expect((await post('/decode', body, { cookie: second })).status).toBe(200);
    // Same token, another process: the old cookie names no session there.
    const restarted = await startCodecServer({ codec, token: TOKEN, corsOrigins: [UI], host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${restarted.url}/decode`, { method: 'POST', headers: { cookie: first }, body: JSON.stringify(body) });
      expect(response.status).toBe(401);
    } finally {
      await restarted.close();
    }
  });

  it('ends a session when it expires', async () => {
    let now = 1_000_000;
    const clocked = await startCodecServer({ codec, token: TOKEN, corsOrigins: [UI], host: '127.0.0.1', port: 0, sessionSeconds: 60, now: () => now });
    try {
      const signIn = await fetch(`${clocked.url}/session`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
      expect(signIn.headers.get('set-cookie')).toContain('Max-Age=60;');
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
      const decode = async () => (await fetch(`${clocked.url}/decode`, { method: 'POST', headers: { cookie }, body: JSON.stringify({ payloads: [await encrypted('x')] }) })).status;
      now += 59_000;
      expect(await decode()).toBe(200);
      now += 1_000;
      expect(await decode()).toBe(401);
      // The path form of a session expires the same way.
      const endpoint = clocked.sessionEndpoint();
      const viaPath = async () => (await fetch(`${endpoint}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [await encrypted('x')] }) })).status;
      expect(await viaPath()).toBe(200);
      now += 60_000;
      expect(await viaPath()).toBe(401);
    } finally {
      await clocked.close();
    }
  });

  it('caps what /session reads at a few KB', async () => {
    const huge = await fetch(`${server.url}/session`, { method: 'POST', body: new URLSearchParams({ token: TOKEN, pad: 'x'.repeat(SESSION_BODY_LIMIT_BYTES) }) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: `the body is larger than ${SESSION_BODY_LIMIT_BYTES} bytes` });
  });

  it('decodes through a session endpoint with no credentials, and refuses a made-up one', async () => {
    const endpoint = server.sessionEndpoint();
    expect(endpoint).toMatch(new RegExp(`^${server.url}/session/[\\w-]{43}$`));
    const ok = await fetch(`${endpoint}/decode`, { method: 'POST', headers: { origin: UI }, body: JSON.stringify({ payloads: [await encrypted('through the path')] }) });
    expect(ok.status).toBe(200);
    expect(await decoded(ok)).toEqual(['through the path']);
    const madeUp = await fetch(`${server.url}/session/${randomBytes(32).toString('base64url')}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [] }) });
    expect(madeUp.status).toBe(401);
  });

  it('masks credentials on decode: the Client Secret, the Torii API key and tokens', async () => {
    const input = {
      connectionId: 'acme-prod',
      pingOne: { environmentId: 'e', clientId: 'c', clientSecret: 'pingone-secret-value-1', tokenUrl: 'https://auth.pingone.com/e/as/token' },
      torii: { appAccountId: 7, apiKey: 'torii-key-value-2' },
      headers: [{ authorization: 'Bearer abcdefghijklmnop' }],
      access_token: 'token-value-3',
      note: 'Authorization: Bearer abcdefghijklmnopqrstuv',
    };
    const response = await post('/decode', { payloads: [await encrypted(input), await encrypted(null)] });
    const [shown, nothing] = await decoded(response);
    expect(shown).toEqual({
      connectionId: 'acme-prod',
      pingOne: { environmentId: 'e', clientId: 'c', clientSecret: SECRET_MASK, tokenUrl: 'https://auth.pingone.com/e/as/token' },
      torii: { appAccountId: 7, apiKey: SECRET_MASK },
      headers: [{ authorization: SECRET_MASK }],
      access_token: SECRET_MASK,
      note: 'Authorization: Bearer [redacted]',
    });
    expect(nothing).toBeNull();
  });

  it('refuses to encode the mask, so a decoded input sent back never becomes a secret', async () => {
    const asJson = (text: string) => ({ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(text).toString('base64') });
    const masked = JSON.stringify({ pingOne: { clientSecret: SECRET_MASK } });
    for (const payload of [asJson(masked), asJson(masked.replace(/•/g, '\\u2022'))]) {
      const response = await post('/encode', { payloads: [payloadToJson(defaultPayloadConverter.toPayload('fine')), payload] });
      expect(response.status).toBe(422);
      expect(((await response.json()) as { error: string }).error).toMatch(/^payloads\[1\] holds the codec server's secret mask/);
    }
    expect((await post('/encode', { payloads: [asJson(JSON.stringify({ pingOne: { clientSecret: 'a real one' } }))] })).status).toBe(200);
  });

  it('serves HTTPS from a certificate and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const tls = await startCodecServer({ codec, token: TOKEN, corsOrigins: [UI], host: '127.0.0.1', port: 0, tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = JSON.stringify({ payloads: [await encrypted('over TLS')] });
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${tls.url}/decode`, { method: 'POST', ca: cert, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(Buffer.from((JSON.parse(answer.text) as { payloads: { data: string }[] }).payloads[0].data, 'base64').toString())).toBe('over TLS');
      // Plain HTTP to the TLS port gets no codec answer.
      await expect(fetch(tls.url.replace('https:', 'http:') + '/decode', { method: 'POST' })).rejects.toThrow();
    } finally {
      await tls.close();
    }
  });

  it('says what is wrong with a malformed request, and with a payload it cannot decrypt', async () => {
    const notJson = await post('/decode', 'not json');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'the body must be JSON like {"payloads":[{"metadata":{…},"data":"…"}]}' });
    expect(await (await post('/decode', { payloads: [{ metadata: { encoding: '%%%' } }] })).json()).toEqual({ error: 'payloads[0].metadata.encoding must be a base64 string' });
    const foreign = payloadToJson((await new AesGcmPayloadCodec([{ id: 'other', key: randomBytes(32) }]).encode([defaultPayloadConverter.toPayload(1)]))[0]);
    const unknown = await post('/decode', { payloads: [foreign] });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^A payload is encrypted with key "other"/);
    expect((await fetch(`${server.url}/decode`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });
});

describe('codec-server command', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  function command() {
    const printed: string[] = [];
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const program = new Command('pingone-torii-sync').exitOverride();
    registerSecurityCommands(program, { connect: () => Promise.reject(new Error('not used')), print: (line) => printed.push(line), setExitCode: () => {}, stopSignal: () => stopped });
    return { printed, stop, run: () => program.parseAsync(['codec-server'], { from: 'user' }) };
  }

  it('serves with the worker’s keys and the operator token from the environment', async () => {
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    // Port 0: the server binds any free port and names it (no free-port-then-bind race).
    Object.assign(process.env, { SYNC_ENCRYPTION_KEYS: keys, CODEC_SERVER_TOKEN: TOKEN, CODEC_SERVER_PORT: '0', CODEC_CORS_ORIGINS: UI });
    const cli = command();
    const running = cli.run();
    while (cli.printed.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(cli.printed).toEqual([expect.stringMatching(new RegExp(`^codec server on http://127\\.0\\.0\\.1:\\d+; CORS origins: ${UI}$`))]);
    const port = Number(/:(\d+);/.exec(cli.printed[0])?.[1]);
    expect(port).toBeGreaterThan(0);
    const codec = new AesGcmPayloadCodec([{ id: 'k1', key: Buffer.from(keys.slice(3), 'base64') }]);
    const sealed = payloadToJson((await codec.encode([defaultPayloadConverter.toPayload('from the worker')]))[0]);
    const response = await fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ payloads: [sealed] }) });
    expect(response.status).toBe(200);
    cli.stop();
    await running;
  });

  it('refuses a TLS certificate without its key', async () => {
    Object.assign(process.env, { SYNC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, CODEC_SERVER_TOKEN: TOKEN, CODEC_SERVER_TLS_CERT: '/etc/codec/cert.pem' });
    delete process.env.CODEC_SERVER_TLS_KEY;
    await expect(command().run()).rejects.toMatchObject({
      problems: ['CODEC_SERVER_TLS_CERT and CODEC_SERVER_TLS_KEY: set both (HTTPS) or neither (plain HTTP on loopback, or behind a TLS proxy)'],
    });
  });

  it('refuses to start without keys or a token, saying what to set', async () => {
    delete process.env.SYNC_ENCRYPTION_KEYS;
    delete process.env.CODEC_SERVER_TOKEN;
    await expect(command().run()).rejects.toMatchObject({
      problems: [
        'SYNC_ENCRYPTION_KEYS: required; the same keys as the worker',
        'CODEC_SERVER_TOKEN: required; generate one with `openssl rand -base64 32` and give it only to operators who may read history',
      ],
    });
  });
});
