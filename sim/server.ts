// The HTTP plumbing both simulators share: an HTTPS server on 127.0.0.1 (PingOne and Torii speak
// only HTTPS; the certificate is sim/tls.ts's), request log, connection count, fixed latency, and
// applying scheduled faults around a route handler that only returns data ({status, headers, body}).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { FaultPlan, FaultRequest, FaultResponse, HeldAnswer } from './faults';
import { simulatorTls } from './tls';

export interface SimRequest extends FaultRequest {
  headers: IncomingHttpHeaders;
  params: URLSearchParams;
  body: Buffer;
}

export interface SimReply { status: number; headers?: Record<string, string>; body?: unknown }

export interface RequestRecord<Kind extends string> {
  /** Date.now() on arrival. */
  at: number;
  method: string;
  path: string;
  /** Raw query string without `?`. */
  query: string;
  /** 0 while the request is still being answered. */
  status: number;
  kind: Kind;
  fault?: 'status' | 'reset' | 'delay' | 'truncate' | 'edit' | 'stream';
  /** Body bytes a streamed answer got out before the client hung up or it ended. */
  streamedBytes?: number;
}

export interface SimServerSpec<Kind extends string> {
  classify(method: string, path: string, params: URLSearchParams): Kind;
  handle(req: SimRequest, kind: Kind): SimReply | Promise<SimReply>;
  /** Read per request, so a test can change it while running. */
  latencyMs?: () => number;
  /** Bytes a second this request's body is read at (0: never read, a stalled receiver); undefined: as fast as it comes. */
  readBytesPerSecond?: (kind: Kind) => number | undefined;
}

export interface SimServer<Kind extends string> {
  origin: string;
  requests: RequestRecord<Kind>[];
  faults: FaultPlan<Kind>;
  readonly connections: number;
  /** How many requests hit exactly this URL (absolute, or path plus query). */
  fetchesByUrl(url: string): number;
  close(): Promise<void>;
}

// Large enough for the presigned upload of a benchmark directory (S3 takes up to 5 GB); a runaway client is cut off.
const BODY_LIMIT_BYTES = 1024 * 1024 * 1024;

export async function startSimServer<Kind extends string>(spec: SimServerSpec<Kind>): Promise<SimServer<Kind>> {
  const requests: RequestRecord<Kind>[] = [];
  const faults = new FaultPlan<Kind>();
  let connections = 0;

  const { key, certificate } = simulatorTls();
  const server = createServer({ key, cert: certificate }, (incoming, outgoing) => {
    const body = requestBody(incoming.headers['content-length']);
    // Classified on arrival: the kind decides how fast its body is read, and then how it is answered.
    const url = new URL(incoming.url ?? '/', 'https://sim');
    const method = incoming.method ?? 'GET';
    const kind = spec.classify(method, url.pathname, url.searchParams);
    const pace = bodyPace(incoming, spec.readBytesPerSecond?.(kind));
    incoming.on('data', (chunk: Buffer) => {
      if (!body.add(chunk)) incoming.destroy();
      pace(chunk.length);
    });
    incoming.on('end', () => {
      const req: SimRequest = {
        method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ''),
        params: url.searchParams,
        headers: incoming.headers,
        body: body.bytes(),
      };
      const record: RequestRecord<Kind> = { at: Date.now(), method: req.method, path: req.path, query: req.query, status: 0, kind };
      requests.push(record);
      // The latency is from the request's arrival to its answer, the simulator's own work of
      // answering within it, as PingOne's is within its latency: a benchmark's floor counts
      // `latency` per page of a chain, not latency plus the time this process takes to answer.
      const due = record.at + (spec.latencyMs?.() ?? 0);
      answer(req, kind, record).then(
        (reply) => send(reply, record, due),
        (error: unknown) => send({ status: 500, body: { error: 'simulator bug', message: String(error) } }, record, due),
      );
    });

    function send(reply: Delivery, record: RequestRecord<Kind>, due: number): void {
      const encoded = reply.stream ? undefined : encode(reply.body);
      const wait = due - Date.now();
      if (wait > 0) setTimeout(() => deliver(reply, record, encoded), wait);
      else deliver(reply, record, encoded);
    }

    function deliver(reply: Delivery, record: RequestRecord<Kind>, encoded: ReturnType<typeof encode> | undefined): void {
      record.status = reply.status;
      if (reply.stream || !encoded) {
        streamPage(outgoing, reply.stream?.bytes ?? 0, record);
        return;
      }
      const { bytes, contentType } = encoded;
      const headers: Record<string, string> = { 'content-type': contentType };
      for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
      if (reply.cut === 'reset') {
        outgoing.writeHead(reply.status, { ...headers, 'content-length': String(bytes.length) });
        outgoing.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => outgoing.destroy());
        return;
      }
      const body = reply.cut === 'truncate' ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
      outgoing.writeHead(reply.status, { ...headers, 'content-length': String(body.length) });
      outgoing.end(body);
    }
  });

  async function answer(req: SimRequest, kind: Kind, record: RequestRecord<Kind>): Promise<Delivery> {
    const fault: FaultResponse | undefined = faults.take(kind, req);
    if (fault && 'status' in fault) {
      record.fault = 'status';
      return { status: fault.status, headers: typeof fault.headers === 'function' ? fault.headers() : fault.headers, body: fault.body };
    }
    if (fault && 'until' in fault) {
      record.fault = 'delay';
      // Released with a status answer (the test decides what the held request gets), else answered normally.
      const released = (await fault.until.catch(() => undefined)) as HeldAnswer | undefined;
      if (typeof released?.status === 'number') {
        record.fault = 'status';
        return { status: released.status, body: released.body };
      }
    }
    if (fault && 'stream' in fault) {
      record.fault = 'stream';
      return { status: 200, stream: fault.stream };
    }
    if (fault && 'delayMs' in fault) {
      record.fault = 'delay';
      await sleep(fault.delayMs);
    }
    const reply = await spec.handle(req, kind);
    if (fault && 'reset' in fault) {
      record.fault = 'reset';
      return { ...reply, cut: 'reset' };
    }
    if (fault && 'truncate' in fault) {
      record.fault = 'truncate';
      return { ...reply, status: 200, cut: 'truncate' };
    }
    if (fault && 'edit' in fault) {
      record.fault = 'edit';
      return { ...reply, body: fault.edit(reply.body) };
    }
    return reply;
  }

  server.on('connection', () => { connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://localhost:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requests,
    faults,
    get connections() { return connections; },
    fetchesByUrl(url: string): number {
      const target = new URL(url, origin);
      const wanted = target.pathname + target.search;
      return requests.filter((record) => record.path + (record.query ? `?${record.query}` : '') === wanted).length;
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}

/**
 * A request's body, at most BODY_LIMIT_BYTES. When its length is declared, the body is copied into
 * one buffer of that length as it arrives, and each chunk the socket read is garbage at once: a
 * presigned upload of 800 MB kept as 64 KB chunks until the end grew the process's memory outside
 * the heap chunk by chunk, and V8 answered each 64 MB of it with a full collection of the heap,
 * which holds the whole simulated directory in a benchmark (measured: 11 collections of a 300 MB
 * heap for one 834 MB upload, 12 s of the simulator's CPU; 25-31 s with a 1,000,000-user directory).
 */
function requestBody(declared: string | undefined): { add(chunk: Buffer): boolean; bytes(): Buffer } {
  const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (length !== undefined && length <= BODY_LIMIT_BYTES) {
    const whole = Buffer.allocUnsafe(length);
    let filled = 0;
    return {
      // The HTTP parser delivers no more than the declared length.
      add: (chunk) => {
        filled += chunk.copy(whole, filled);
        return true;
      },
      bytes: () => whole.subarray(0, filled),
    };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add: (chunk) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) return false;
      chunks.push(chunk);
      return true;
    },
    bytes: () => Buffer.concat(chunks),
  };
}

const UNPACED = (): void => undefined;

/**
 * Holds a request's body to `bytesPerSecond` by pausing the stream whenever it is ahead, as a slow
 * receiver's full socket buffer holds back a client's upload; 0 pauses it for good.
 */
function bodyPace(incoming: IncomingMessage, bytesPerSecond: number | undefined): (bytes: number) => void {
  if (bytesPerSecond === undefined) return UNPACED;
  const started = Date.now();
  let received = 0;
  return (bytes) => {
    received += bytes;
    const ahead = started + (received / bytesPerSecond) * 1000 - Date.now();
    if (ahead <= 0) return;
    incoming.pause();
    if (Number.isFinite(ahead)) setTimeout(() => incoming.resume(), ahead);
  };
}

interface Delivery extends SimReply { cut?: 'reset' | 'truncate'; stream?: { bytes: number } }

/**
 * `{"_embedded":{"users":[{…},{…},…]}}` of about `bytes` bytes, written one generated chunk at a
 * time as the socket drains, so offering hundreds of megabytes costs the simulator one chunk.
 */
function streamPage(outgoing: ServerResponse, bytes: number, record: { streamedBytes?: number }): void {
  const user = (n: number) => `{"id":"${String(n).padStart(8, '0')}-0000-4000-8000-000000000000","username":"user${n}","email":"user${n}@example.com"}`;
  const users = Array.from({ length: 512 }, (_, i) => user(i)).join(',');
  const chunk = Buffer.from(`,${users}`);
  const head = Buffer.from(`{"_embedded":{"users":[${users}`);
  const tail = Buffer.from(']}}');
  record.streamedBytes = 0;
  let closed = false;
  outgoing.on('close', () => (closed = true));
  outgoing.writeHead(200, { 'content-type': 'application/hal+json' });
  const write = (part: Buffer): boolean => {
    record.streamedBytes = (record.streamedBytes ?? 0) + part.length;
    return outgoing.write(part);
  };
  const pump = () => {
    while (!closed) {
      if ((record.streamedBytes ?? 0) + chunk.length + tail.length > bytes) {
        outgoing.end(tail);
        return;
      }
      if (!write(record.streamedBytes === 0 ? head : chunk)) {
        outgoing.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/**
 * A value already serialized: a frozen directory's records are serialized once, not on every page
 * (the simulator shares the benchmark's two cores with the worker it measures).
 */
export class RawJson {
  constructor(readonly json: string) {}
}

function encode(body: unknown): { bytes: Buffer; contentType: string } {
  if (body === undefined) return { bytes: Buffer.alloc(0), contentType: 'text/plain' };
  if (Buffer.isBuffer(body)) return { bytes: body, contentType: 'application/octet-stream' };
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: 'text/plain; charset=utf-8' };
  // Each RawJson becomes a placeholder string ("\u0000" and its index: never in real data), then its JSON.
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => (value instanceof RawJson ? `\u0000${raws.push(value.json) - 1}` : value));
  const json = raws.length === 0 ? text : text.replace(/"\\u0000(\d+)"/g, (_match, index: string) => raws[Number(index)]);
  return { bytes: Buffer.from(json), contentType: 'application/json' };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
