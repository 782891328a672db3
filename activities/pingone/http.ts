// The HTTP client every PingOne and Torii request goes through: got with its own retries off
// (Temporal's retry policy is the one retry owner), no redirects (a redirect could carry a
// credential to another host), bounded timeouts, and bodies read as text (or as bytes, for
// PingOne's pages: parseJsonBytes) so this code, not got, decides what a malformed answer means.
// No answer may cost the worker more than a bounded amount of memory: a body is counted as it
// streams in (after decompression) and the request is aborted the moment it passes the cap, and
// JSON nested deeper than a real answer is never parsed. One tenant's hostile or broken server
// must not take down the worker every other tenant runs on.
import got, { type Got } from 'got';

export interface HttpSettings {
  /** Milliseconds a single request may take before it counts as a timeout. */
  requestTimeoutMs: number;
  /** HTTP_MAX_RESPONSE_BYTES: bytes (decompressed) a response body, or a group sharing a BodyAllowance, may hold before it is aborted. */
  maxResponseBytes: number;
}

/** PingOne's and Torii's answers nest a handful of levels (a user's address in `_embedded.users`). */
export const MAX_JSON_DEPTH = 64;

/** A response body passed `limitBytes` (as declared by Content-Length or as counted while reading). */
export class ResponseTooLargeError extends Error {
  readonly code = 'ERR_RESPONSE_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`The response body exceeded ${limitBytes} bytes; the request was aborted.`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * Bytes the bodies of a group of requests in flight may hold together: one connection's PingOne
 * requests share one (its rate budget's), so a hostile server cannot multiply the cap by the
 * connection's concurrency. A request without one is capped on its own.
 */
export class BodyAllowance {
  private held = 0;
  /**
   * Answers opened before the limit was last passed are refused too: they come from the same
   * server, and each would otherwise grow to the limit in turn as the one before it is dropped.
   * Answers opened after it start afresh.
   */
  private generation = 0;
  constructor(readonly limitBytes: number) {}

  /** An answer begins; hand its ticket to `take`. */
  open(): number {
    return this.generation;
  }

  /** Takes `bytes` more for the answer of `ticket`; false when refused (nothing is taken then). */
  take(ticket: number, bytes: number): boolean {
    if (ticket < this.generation) return false;
    if (this.held + bytes > this.limitBytes) {
      this.generation++;
      return false;
    }
    this.held += bytes;
    return true;
  }

  /** The answer ended (read whole or aborted): its bytes are free again. */
  close(bytes: number): void {
    this.held -= bytes;
  }
}

/** got's `context` key that hands a request its group's allowance. */
export const BODY_ALLOWANCE = 'bodyAllowance';

interface Progress {
  transferred: number;
  total?: number;
}

interface Cancelable extends Promise<unknown> {
  on(event: 'downloadProgress', listener: (progress: Progress) => void): unknown;
  cancel(reason?: string): void;
}

export function createHttp(settings: HttpSettings): Got {
  const limit = settings.maxResponseBytes;
  return got.extend({
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    responseType: 'text',
    timeout: { request: settings.requestTimeoutMs },
    headers: { 'user-agent': 'pingone-torii-sync/0.1' },
    handlers: [
      (options, next) => {
        const allowance = (options.context[BODY_ALLOWANCE] as BodyAllowance | undefined) ?? new BodyAllowance(limit);
        const request = next(options) as unknown;
        if (!(request instanceof Promise)) return request as ReturnType<typeof next>;
        const pending = request as Cancelable;
        const ticket = allowance.open();
        let held = 0;
        let tooLarge: ResponseTooLargeError | undefined;
        const refuse = () => {
          tooLarge = new ResponseTooLargeError(allowance.limitBytes);
          pending.cancel();
        };
        pending.on('downloadProgress', ({ transferred, total }) => {
          if (tooLarge) return;
          // A declared length above the limit is refused before its body is read.
          if (total !== undefined && total > allowance.limitBytes) return refuse();
          if (transferred === held) return;
          if (!allowance.take(ticket, transferred - held)) return refuse();
          held = transferred;
        });
        return pending.then(
          (response) => {
            allowance.close(held);
            return response;
          },
          (err: unknown) => {
            allowance.close(held);
            throw tooLarge ?? err;
          },
        ) as unknown as ReturnType<typeof next>;
      },
    ],
  });
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false; tooDeep: boolean };

/**
 * Parses a body read as bytes (`responseType: 'buffer'`, as PingOne's data requests read theirs).
 * A page's text is ~90,000 characters, and with one character beyond Latin-1 (Ł, ř) V8 holds it as a
 * two-byte string of ~180 KB: a large object, which a scavenge promotes to the old generation the
 * first time it finds it alive, to be freed only by a mark-compact. got keeps its response (and a
 * text body with it) reachable for a few ticks after the request resolves, across the page's
 * parse and mapping, so nearly every page's text was promoted (~190 KB a page; a mark-compact every
 * ~25 pages; BENCHMARKS.md, issue 13 fourth pass). Decoded here, the text is this function's alone
 * and is garbage as soon as it is parsed. With `keptText`, the bytes are read as Latin-1 first (KeptText).
 */
export function parseJsonBytes(body: Buffer, keptText?: KeptText): ParsedJson {
  if (keptText) {
    const read = parseJson(body.toString('latin1'));
    if (read.ok && keptText(read.value).every(isAsciiOrNotText)) return read;
  }
  return parseJson(body.toString('utf8'));
}

/**
 * The strings a reader keeps of a parsed answer (a member page's ids and next link). Given one,
 * parseJsonBytes reads the bytes as Latin-1 first: a byte per character, decoded with no UTF-8
 * validation, a one-byte string half the size of the two-byte string a page with one name beyond
 * Latin-1 becomes, and parsed quicker (BENCHMARKS.md, issue 13 sixth pass). It is exact for what is
 * kept: JSON's structure is ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so both
 * decodings see the same structure (every object, array, key and string begins and ends at the same
 * byte), and a string that is ASCII when read as Latin-1 came from ASCII bytes and escapes, which
 * UTF-8 reads alike. When a kept string is not ASCII (an id or a link beyond ASCII, or from a `\u`
 * escape), or the Latin-1 text is not JSON, the bytes are read again as UTF-8 and that reading is
 * the answer.
 */
export type KeptText = (value: unknown) => unknown[];

const ASCII = /^[\x00-\x7f]*$/;
const isAsciiOrNotText = (value: unknown) => typeof value !== 'string' || ASCII.test(value);

export function parseJson(text: string): ParsedJson {
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) return { ok: false, tooDeep: true };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, tooDeep: false };
  }
}

/**
 * One pass over the text, counting brackets outside strings: cheap next to parsing it. Most of a
 * page is inside strings, so a string is skipped to its closing quote (`indexOf`, native) rather
 * than read character by character.
 */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The closing quote is the first one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) return false; // an unterminated string: JSON.parse refuses the text
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
