// No answer costs the worker more than HTTP_MAX_RESPONSE_BYTES: a body is counted while it streams
// in (decompressed, so a small gzip bomb counts at its full size), a declared Content-Length above
// the cap is refused before the body is read, one Worker app's answers in flight share one
// allowance, JSON nested deeper than any real answer is never parsed, and Torii's answers are held
// to the same rule (ToriiResponseTooLarge).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { BODY_ALLOWANCE, BodyAllowance, createHttp, MAX_JSON_DEPTH, parseJson, ResponseTooLargeError } from '../activities/pingone/http';
import { ProblemError } from '../activities/problem';
import { toriiApi } from '../activities/torii/api';

type Route = (res: ServerResponse) => void;

/** A loopback server whose routes write their answer; it counts what each route got out. */
async function serve(routes: Record<string, Route>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => (routes[req.url ?? ''] ?? ((r) => r.writeHead(404).end()))(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Writes `total` bytes of JSON-ish filler in 64 KB chunks as the socket drains, stopping when the client leaves. */
function stream(res: ServerResponse, total: number, sent: { bytes: number }): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let closed = false;
  res.on('close', () => (closed = true));
  res.writeHead(200, { 'content-type': 'application/json' });
  const pump = () => {
    while (!closed && sent.bytes < total) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!closed) res.end();
  };
  pump();
}

describe('response bodies', () => {
  let url: string;
  let server: Server;
  const streamed = { bytes: 0 };
  const held: ServerResponse[] = [];
  const LIMIT = 256 * 1024;

  beforeAll(async () => {
    ({ url, server } = await serve({
      '/endless': (res) => stream(res, 512 * 1024 * 1024, streamed),
      '/declared': (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) });
        res.write('{"_embedded":');
      },
      '/bomb': (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)));
      },
      '/page': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ _embedded: { users: Array.from({ length: 200 }, (_, i) => ({ id: i })) } })),
      '/half': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(' '.repeat(LIMIT * 0.6)),
      // 60% of the cap, then held open until the test lets the held answers end.
      '/held': (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(' '.repeat(LIMIT * 0.6));
        held.push(res);
      },
      '/services/sync/custom': (res) => stream(res, 64 * 1024 * 1024, { bytes: 0 }),
    }));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const http = () => createHttp({ requestTimeoutMs: 20_000, maxResponseBytes: LIMIT });

  it('aborts an endless body once it passes the cap, while it streams', async () => {
    await expect(http().get(`${url}/endless`)).rejects.toThrow(ResponseTooLargeError);
    // The server was cut off long before its 512 MB (what it got out is the cap plus socket buffers).
    expect(streamed.bytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a declared Content-Length above the cap before reading the body', async () => {
    await expect(http().get(`${url}/declared`)).rejects.toThrow(ResponseTooLargeError);
  });

  it('counts a compressed body at its decompressed size', async () => {
    await expect(http().get(`${url}/bomb`)).rejects.toThrow(ResponseTooLargeError);
  });

  it('reads an ordinary page', async () => {
    const response = await http().get(`${url}/page`);
    expect(JSON.parse(response.body)._embedded.users).toHaveLength(200);
  });

  it("shares one allowance across a Worker app's answers in flight, and frees it when they end", async () => {
    const allowance = new BodyAllowance(LIMIT);
    const context = { [BODY_ALLOWANCE]: allowance };
    // Each is 60% of the cap: alone each passes, two in flight at once do not both fit.
    const first = http().get(`${url}/held`, { context });
    const second = http().get(`${url}/held`, { context });
    const refused = await Promise.race([first, second].map((p) => p.then(() => undefined, (err: unknown) => err)));
    expect(refused).toBeInstanceOf(ResponseTooLargeError);
    for (const res of held) res.end();
    await Promise.allSettled([first, second]);
    // Nothing is held once they ended: the next one alone passes.
    await expect(http().get(`${url}/half`, { context })).resolves.toMatchObject({ statusCode: 200 });
  });

  it('holds Torii to the same cap', async () => {
    const sink = toriiApi(http(), url, 'torii-key-for-limits-Hq3Wm8');
    const failure = await sink.sync(1, 2).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ProblemError);
    expect((failure as ProblemError).problem).toMatchObject({ type: 'ToriiResponseTooLarge', retryable: false });
  });
});

describe('JSON nesting', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it(`parses ${MAX_JSON_DEPTH} levels and refuses one more, without parsing it`, () => {
    expect(parseJson(nested(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseJson(nested(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, tooDeep: true });
    expect(parseJson(nested(1_000_000))).toEqual({ ok: false, tooDeep: true });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ name: `${'['.repeat(500)}\\"{{{`, list: [[1]] });
    expect(parseJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('ends a string at its first quote not escaped, however many backslashes come before it', () => {
    // A string ending in an escaped backslash: the brackets after it are structure and count.
    const deepAfter = `["a\\\\",${nested(MAX_JSON_DEPTH)}]`;
    expect(JSON.parse(deepAfter)).toHaveLength(2);
    expect(parseJson(deepAfter)).toEqual({ ok: false, tooDeep: true });
    // An escaped quote does not end the string: the brackets after it are text.
    const textAfter = JSON.stringify([`a"${'['.repeat(MAX_JSON_DEPTH * 2)}`]);
    expect(parseJson(textAfter)).toEqual({ ok: true, value: JSON.parse(textAfter) });
    expect(parseJson('["no end')).toEqual({ ok: false, tooDeep: false });
  });

  it('tells a body that is not JSON from one nested too deep', () => {
    expect(parseJson('not json')).toEqual({ ok: false, tooDeep: false });
  });
});
