// The codec server: lets authorized operators read this service's encrypted history in the Temporal
// UI or CLI, credentials masked (codec-masking.ts). Temporal's codec server protocol: POST
// <endpoint>/decode (and /encode) with `{"payloads":[{"metadata":{"<key>":"<base64>"},"data":"<base64>"}]}`,
// answered in the same shape. Every request is authorized by one of:
// - the bearer token (CODEC_SERVER_TOKEN) as `Authorization: Bearer …` (the Temporal CLI's --codec-auth);
// - a session (codec-sessions.ts) as the cookie a browser gets from /session by entering the token (the
//   UI's "Include cross-origin credentials" sends it);
// - a session in the endpoint's path, `/session/<id>/decode`, for a UI that cannot send credentials
//   (the dev server's, whose only codec setting is the endpoint): the demo's, never opened by default.
// CORS answers only the configured UI origins. With a certificate and key it serves HTTPS.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { maskForDisplay, refuseMasked } from './codec-masking';
import { CodecSessions, sameToken } from './codec-sessions';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every request must carry (or trade for a session). */
  token: string;
  /** Temporal UI origins allowed to call from a browser, like http://localhost:8233. */
  corsOrigins: string[];
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM certificate and private key: serve HTTPS (CODEC_SERVER_TLS_CERT, CODEC_SERVER_TLS_KEY). */
  tls?: { cert: Buffer; key: Buffer };
  /** How long a browser session lives; default 12 hours. */
  sessionSeconds?: number;
  /** The sessions' clock (tests). */
  now?: () => number;
}

export interface CodecServer {
  url: string;
  /**
   * A codec endpoint that carries a new session in its path, for a UI that cannot send credentials.
   * Whoever can read the endpoint (the UI's settings) can decode until the session expires.
   */
  sessionEndpoint(): string;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 32 * 1024 * 1024;
/** The sign-in form holds one token: a few KB is plenty, and nobody unauthenticated gets more. */
export const SESSION_BODY_LIMIT_BYTES = 4 * 1024;
const SESSION_COOKIE = 'codec_session';
const SESSION_SECONDS = 12 * 60 * 60;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const sessions = new CodecSessions({ seconds: opts.sessionSeconds ?? SESSION_SECONDS, now: opts.now });
  const allowed = new Set(opts.corsOrigins);
  const scheme = opts.tls ? 'https' : 'http';

  const authorized = (req: IncomingMessage, pathSession: string | undefined): boolean => {
    if (pathSession !== undefined) return sessions.valid(pathSession);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return sameToken(bearer, opts.token);
    return sessions.valid(cookies(req.headers.cookie)[SESSION_COOKIE]);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : 'internal error';
      // A body refused half-read is not drained: the connection closes with the answer.
      if (status === 413) res.setHeader('connection', 'close');
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createHttpServer(onRequest);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    // The sign-in form posts from the server's own page: same-origin, no CORS involved.
    const sameOrigin = origin === `${scheme}://${req.headers.host}`;
    if (origin !== undefined && !sameOrigin) {
      if (!allowed.has(origin)) throw new HttpError(403, `origin ${origin} is not in CODEC_CORS_ORIGINS`);
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, x-namespace',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    if (path === '/session') return session(req, res);
    const match = /^(?:\/session\/([\w-]+))?(?:\/[^/]+)?\/(encode|decode)$/.exec(path);
    if (!match) throw new HttpError(404, 'POST /encode or /decode');
    const [, pathSession, operation] = match as unknown as [string, string | undefined, 'encode' | 'decode'];
    if (req.method !== 'POST') throw new HttpError(405, `${operation} takes POST`);
    if (!authorized(req, pathSession)) throw new HttpError(401, 'a valid bearer token (CODEC_SERVER_TOKEN) or session is required');
    const payloads = payloadsFromJson(await readBody(req, BODY_LIMIT_BYTES));
    let answer: Payload[];
    try {
      if (operation === 'encode') {
        refuseMasked(payloads);
        answer = await opts.codec.encode(payloads);
      } else {
        answer = (await opts.codec.decode(payloads)).map(maskForDisplay);
      }
    } catch (err) {
      throw new HttpError(422, err instanceof Error ? err.message : `could not ${operation}`);
    }
    sendJson(res, 200, { payloads: answer.map(payloadToJson) });
  }

  // A browser cannot add an Authorization header to the UI's requests, so it trades the token for a
  // session cookie here once; the UI then sends it with "Include cross-origin credentials".
  async function session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        '<!doctype html><title>Codec server sign-in</title><form method="post" action="/session">' +
          '<label>Codec server token <input type="password" name="token" autofocus></label> <button>Sign in</button></form>',
      );
      return;
    }
    if (req.method !== 'POST') throw new HttpError(405, 'session takes GET or POST');
    const token = new URLSearchParams((await readBody(req, SESSION_BODY_LIMIT_BYTES)).toString('utf8')).get('token') ?? '';
    if (!sameToken(token, opts.token)) throw new HttpError(401, 'that is not the codec server token');
    res.writeHead(200, {
      'set-cookie': `${SESSION_COOKIE}=${sessions.open()}; Max-Age=${sessions.seconds}; Path=/; HttpOnly; Secure; SameSite=None`,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    // The operator signed in from a browser form: say what happened and what to do next.
    res.end(
      `<!doctype html><title>Codec server: signed in</title><p>Signed in for ${lasting(sessions.seconds)}. ` +
        'Reload the Temporal UI; its Codec Server setting must include cross-origin credentials.</p>',
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host}:${address.port}`;
  return {
    url,
    sessionEndpoint: () => `${url}/session/${sessions.open()}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const lasting = (seconds: number) => (seconds >= 3600 ? `${Math.round(seconds / 360) / 10} hours` : `${Math.round(seconds / 60)} minutes`);

function cookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `the body is larger than ${limit} bytes`);
  // A declared length over the cap is refused before a byte is read.
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesOf(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new HttpError(400, `${where} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

/** The protocol's JSON (proto3 JSON of Payloads: bytes as base64) into payloads. */
export function payloadsFromJson(body: Buffer): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body must be JSON like {"payloads":[{"metadata":{…},"data":"…"}]}');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'the body must have a "payloads" array');
  return payloads.map((raw, i) => {
    if (!raw || typeof raw !== 'object') throw new HttpError(400, `payloads[${i}] must be an object`);
    const { metadata, data } = raw as { metadata?: unknown; data?: unknown };
    const meta: Record<string, Uint8Array> = {};
    if (metadata !== undefined && metadata !== null) {
      if (typeof metadata !== 'object') throw new HttpError(400, `payloads[${i}].metadata must be an object`);
      for (const [key, value] of Object.entries(metadata)) meta[key] = bytesOf(value, `payloads[${i}].metadata.${key}`);
    }
    return { metadata: meta, data: data === undefined || data === null ? new Uint8Array() : bytesOf(data, `payloads[${i}].data`) };
  });
}

export function payloadToJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = Buffer.from(value ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
