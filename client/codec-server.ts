// The codec server: lets authorized operators read this service's encrypted history in the Temporal
// UI or CLI. Temporal's codec server protocol: POST <endpoint>/decode (and /encode) with
// `{"payloads":[{"metadata":{"<key>":"<base64>"},"data":"<base64>"}]}`, answered in the same shape.
// Every request needs the bearer token (CODEC_SERVER_TOKEN), sent as `Authorization: Bearer …` (the
// Temporal CLI's --codec-auth) or as the session cookie a browser gets from /session (the UI's
// "Include cross-origin credentials" sends it). CORS answers only the configured UI origins.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every request must carry. */
  token: string;
  /** Temporal UI origins allowed to call from a browser, like http://localhost:8233. */
  corsOrigins: string[];
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT_BYTES = 32 * 1024 * 1024;
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
  const expectedToken = digest(opts.token);
  // The cookie holds a value derived from the token, not the token itself.
  const sessionValue = createHmac('sha256', opts.token).update('codec-server-session').digest('base64url');
  const allowed = new Set(opts.corsOrigins);

  const authorized = (req: IncomingMessage): boolean => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return timingSafeEqual(digest(bearer), expectedToken);
    const cookie = cookies(req.headers.cookie)[SESSION_COOKIE];
    return cookie !== undefined && timingSafeEqual(digest(cookie), digest(sessionValue));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : 'internal error';
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    // The sign-in form posts from the server's own page: same-origin, no CORS involved.
    const sameOrigin = origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
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
    const operation = /\/(encode|decode)$/.exec(path)?.[1] as 'encode' | 'decode' | undefined;
    if (!operation) throw new HttpError(404, 'POST /encode or /decode');
    if (req.method !== 'POST') throw new HttpError(405, `${operation} takes POST`);
    if (!authorized(req)) throw new HttpError(401, 'a valid bearer token (CODEC_SERVER_TOKEN) is required');
    const payloads = payloadsFromJson(await readBody(req));
    let answer: Payload[];
    try {
      answer = await opts.codec[operation](payloads);
    } catch (err) {
      throw new HttpError(422, err instanceof Error ? err.message : `could not ${operation}`);
    }
    sendJson(res, 200, { payloads: answer.map(payloadToJson) });
  }

  // A browser cannot add an Authorization header to the UI's requests, so it trades the token for a
  // cookie here once; the UI then sends it with "Include cross-origin credentials".
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
    const token = new URLSearchParams((await readBody(req)).toString('utf8')).get('token') ?? '';
    if (!timingSafeEqual(digest(token), expectedToken)) throw new HttpError(401, 'that is not the codec server token');
    res.writeHead(204, {
      'set-cookie': `${SESSION_COOKIE}=${sessionValue}; Max-Age=${SESSION_SECONDS}; Path=/; HttpOnly; Secure; SameSite=None`,
      'cache-control': 'no-store',
    });
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function cookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) throw new HttpError(413, `the body is larger than ${BODY_LIMIT_BYTES} bytes`);
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
