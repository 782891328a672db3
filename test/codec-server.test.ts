// The codec server over real HTTP: Temporal's /encode and /decode protocol, the bearer token (or the
// browser session cookie traded for it) required, CORS only for the configured Temporal UI origin.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { Command } from 'commander';
import { freePort } from '../client/dev-server';
import { registerSecurityCommands } from '../client/verify-command';
import { payloadToJson, startCodecServer, type CodecServer } from '../client/codec-server';
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
    expect(await wrong.json()).toEqual({ error: 'a valid bearer token (CODEC_SERVER_TOKEN) is required' });
  });

  it('trades the token for a session cookie a browser sends with the UI’s requests', async () => {
    const refused = await fetch(`${server.url}/session`, { method: 'POST', body: new URLSearchParams({ token: 'wrong' }) });
    expect(refused.status).toBe(401);
    const signIn = await fetch(`${server.url}/session`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }) });
    expect(signIn.status).toBe(204);
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
    process.env = saved;
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
    const port = await freePort();
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    Object.assign(process.env, { SYNC_ENCRYPTION_KEYS: keys, CODEC_SERVER_TOKEN: TOKEN, CODEC_SERVER_PORT: String(port), CODEC_CORS_ORIGINS: UI });
    const cli = command();
    const running = cli.run();
    while (cli.printed.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(cli.printed).toEqual([`codec server on http://127.0.0.1:${port}; CORS origins: ${UI}`]);
    const codec = new AesGcmPayloadCodec([{ id: 'k1', key: Buffer.from(keys.slice(3), 'base64') }]);
    const sealed = payloadToJson((await codec.encode([defaultPayloadConverter.toPayload('from the worker')]))[0]);
    const response = await fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ payloads: [sealed] }) });
    expect(response.status).toBe(200);
    cli.stop();
    await running;
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
