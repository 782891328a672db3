// The Torii sink: uploads a file (direct up to 3 MB, through a presigned URL above) and asks Torii
// to sync it into an app account. Behind the `ToriiSink` port so another sink can replace it.
import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Got } from 'got';
import { ProblemError } from '../problem';
import { registerSecret } from '../../contract/redact';
import { MAX_JSON_DEPTH, parseJson, ResponseTooLargeError } from '../pingone/http';
import { NOT_PUBLIC_CODE, publicOnlyLookup, uploadUrlAllowed, uploadUrlRefused } from './upload-url';
import { classifyToriiAnswer, classifyToriiTransport, toriiResponseTooLarge, type ToriiStep } from './classify';
import { fileChunks } from './file-bytes';

export const DIRECT_UPLOAD_LIMIT = 3 * 1024 * 1024;

/** How a file reached Torii: the sink says, since only it knows the limit it was configured with. */
export interface UploadedFile {
  fileId: number;
  via: 'direct' | 'presigned';
}

/** The slowest a presigned PUT may move the file and still finish: 1 MB a second. */
const PUT_MIN_BYTES_PER_SECOND = 1024 * 1024;

/**
 * A presigned PUT carries the whole file, hundreds of MB for a large directory, which one request's
 * timeout (HTTP_TIMEOUT_MS) does not fit: it may take that timeout plus a second a MB, and it fails
 * sooner when no byte moves for HTTP_TIMEOUT_MS (got's `socket` timeout is the socket's idle time),
 * as when the receiver stalls.
 */
export function presignedPutTimeout(requestTimeoutMs: number, bytes: number): { request: number; socket: number } {
  return { request: requestTimeoutMs + Math.ceil((bytes / PUT_MIN_BYTES_PER_SECOND) * 1000), socket: requestTimeoutMs };
}

export interface ToriiSink {
  upload(path: string, bytes: number): Promise<UploadedFile>;
  sync(fileId: number, appAccountId: number): Promise<void>;
}

/**
 * `directUploadLimit`: files up to this size are uploaded directly, larger ones through a presigned
 * URL. `uploadAllowedHosts` (TORII_UPLOAD_ALLOWED_HOSTS): presigned URL hosts exempt from the public-host rule.
 */
export function toriiApi(http: Got, apiUrl: string, apiKey: string, directUploadLimit = DIRECT_UPLOAD_LIMIT, uploadAllowedHosts: string[] = []): ToriiSink {
  registerSecret(apiKey);
  // HTTP_TIMEOUT_MS, as createHttp set it; a client without one gives the PUT none either.
  const requestTimeoutMs = http.defaults.options.timeout.request;
  const base = apiUrl.replace(/\/+$/, '');
  const host = new URL(base).host;
  const auth = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };

  async function call(step: ToriiStep, send: () => Promise<{ statusCode: number; body: string; headers: Record<string, string | string[] | undefined> }>): Promise<Record<string, unknown>> {
    let response;
    try {
      response = await send();
    } catch (err) {
      if (err instanceof ResponseTooLargeError) throw new ProblemError(toriiResponseTooLarge(step, host, err));
      if ((err as { code?: string }).code === NOT_PUBLIC_CODE) throw new ProblemError(uploadUrlRefused());
      throw new ProblemError(classifyToriiTransport(step, err as { code?: string }, host));
    }
    // The presigned URL's storage host is named by an answer, not by configuration: what it says is
    // never read into a message (its status is enough to classify).
    const json = step === 'presigned-put' ? ({ ok: false, tooDeep: false } as const) : parseJson(response.body);
    if (!json.ok && json.tooDeep) throw new ProblemError(toriiResponseTooLarge(step, host, { maxDepth: MAX_JSON_DEPTH }));
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new ProblemError(classifyToriiAnswer(step, response.statusCode, json.ok ? json.value : undefined, response.headers));
    }
    return json.ok && json.value && typeof json.value === 'object' ? (json.value as Record<string, unknown>) : {};
  }

  function fileIdOf(answer: Record<string, unknown>, step: ToriiStep): number {
    const id = Number(answer.id);
    if (!Number.isSafeInteger(id)) {
      throw new ProblemError({ type: 'ToriiMalformedResponse', cause: `Torii answered ${step} without a file id.`, fix: 'Nothing to do: the upload is tried again.', retryable: true });
    }
    return id;
  }

  return {
    async upload(path, bytes) {
      const name = basename(path);
      if (bytes <= directUploadLimit) {
        const form = new FormData();
        form.set('file', await openAsBlob(path, { type: 'application/json' }), name);
        form.set('type', 'customIntegrationData');
        return { fileId: fileIdOf(await call('upload', () => http.post(`${base}/files/upload`, { body: form, headers: auth })), 'upload'), via: 'direct' };
      }
      // A presigned URL lives 5 minutes: when the PUT is refused as expired, ask for a new one.
      for (let attempt = 1; ; attempt++) {
        const presigned = await call('presign', () => http.get(`${base}/files/url`, { searchParams: { name, type: 'application/json' }, headers: auth }));
        const params = presigned.uploadFileParameters as { url?: unknown; filePath?: unknown } | undefined;
        if (typeof params?.url !== 'string' || typeof params.filePath !== 'string') {
          throw new ProblemError({ type: 'ToriiMalformedResponse', cause: 'Torii answered the upload URL request without url and filePath.', fix: 'Nothing to do: the upload is tried again.', retryable: true });
        }
        const url = params.url;
        const target = uploadUrlAllowed(url, uploadAllowedHosts);
        if (!target.allowed) throw new ProblemError(uploadUrlRefused());
        // The file goes out through one reused buffer (file-bytes.ts fileChunks), read a chunk at a
        // time as the socket takes the last: a read stream's fresh 64 KB buffer per chunk added
        // up to 28 MB to the worker's RSS while a 100,000-user file was uploaded (bench/torii-file.ts).
        // The file is opened inside the request's step, so a file that cannot be read fails as the
        // read stream's error did, classified as the PUT's transport failure.
        try {
          await call('presigned-put', async () => {
            const file = await open(path, 'r');
            try {
              return await http.put(url, {
                body: fileChunks(file),
                headers: { 'content-type': 'application/json', 'content-length': String(bytes) },
                ...(requestTimeoutMs === undefined ? {} : { timeout: presignedPutTimeout(requestTimeoutMs, bytes) }),
                // Connect only to public addresses, whatever the name resolves to by then.
                ...(target.exempt ? {} : { dnsLookup: publicOnlyLookup as never }),
              });
            } finally {
              await file.close();
            }
          });
        } catch (err) {
          if (attempt < 3 && err instanceof ProblemError && err.problem.type === 'ToriiUploadUrlExpired') continue;
          throw err;
        }
        const filePath = params.filePath;
        const fileId = fileIdOf(await call('register', () => http.post(`${base}/files`, { json: { path: filePath, type: 'customIntegrationData' }, headers: auth })), 'register');
        return { fileId, via: 'presigned' };
      }
    },
    async sync(fileId, appAccountId) {
      await call('sync', () => http.put(`${base}/services/sync/custom`, { json: { idFile: fileId, idAppAccount: appAccountId }, headers: auth }));
    },
  };
}
