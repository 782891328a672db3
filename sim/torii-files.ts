// Torii's two ways in for a file: direct multipart upload (3 MB cap) and the presigned object-store
// PUT followed by registering the path. Also the object store's own, XML-speaking, refusals.
import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import type { SimReply, SimRequest } from './server';

export interface StoredFile { id: number; bytes: Buffer; via: 'direct' | 'presigned'; name: string }

interface Presign { token: string; signature: string; name: string; contentType: string; filePath: string; expiresAt: number }

export const DIRECT_UPLOAD_LIMIT_BYTES = 3 * 1024 * 1024;
const SYNC_FILE_TYPE = 'customIntegrationData';

export class ToriiFileStore {
  readonly files = new Map<number, StoredFile>();
  private readonly presigns = new Map<string, Presign>();
  private readonly uploadedPaths = new Map<string, { bytes: Buffer; name: string }>();
  private nextId = 5001;

  constructor(private readonly presignTtlMs: () => number) {}

  async uploadDirect(req: SimRequest): Promise<SimReply> {
    let parts: MultipartParts;
    try {
      parts = await parseMultipart(req);
    } catch (error) {
      return toriiError(400, `Invalid multipart body: ${String(error)}`);
    }
    if (parts.tooLarge) return toriiError(413, 'File is larger than 3 MB; use the upload URL flow');
    if (parts.fields.type !== SYNC_FILE_TYPE) return toriiError(400, `"type" must be [${SYNC_FILE_TYPE}]`);
    if (!parts.file) return toriiError(400, '"file" is required');
    return { status: 201, body: { id: this.store(parts.file.bytes, 'direct', parts.file.name) } };
  }

  presign(req: SimRequest, origin: string): SimReply {
    const name = req.params.get('name');
    const contentType = req.params.get('type');
    if (!name) return toriiError(400, '"name" is required');
    if (!contentType) return toriiError(400, '"type" is required');
    const token = randomBytes(12).toString('hex');
    const signature = randomBytes(16).toString('hex');
    const filePath = `uploads/${token}/${name}`;
    this.presigns.set(token, { token, signature, name, contentType, filePath, expiresAt: Date.now() + this.presignTtlMs() });
    // The query string is part of the signature, as on S3: a client must PUT the URL verbatim.
    const url = `${origin}/presigned/${token}?X-Amz-Expires=${Math.round(this.presignTtlMs() / 1000)}&X-Amz-Signature=${signature}`;
    return { status: 200, body: { uploadFileParameters: { url, filePath } } };
  }

  putPresigned(req: SimRequest): SimReply {
    const presign = this.presigns.get(req.path.slice('/presigned/'.length));
    if (req.headers.authorization !== undefined) {
      return objectStoreError(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
    }
    if (!presign || req.params.get('X-Amz-Signature') !== presign.signature) return objectStoreError(403, 'AccessDenied', 'Access Denied');
    if (Date.now() > presign.expiresAt) return expiredPresignedUrl();
    if (req.headers['content-type'] !== presign.contentType) {
      return objectStoreError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    }
    this.uploadedPaths.set(presign.filePath, { bytes: req.body, name: presign.name });
    return { status: 200, headers: { ETag: `"${randomBytes(16).toString('hex')}"` } };
  }

  register(req: SimRequest): SimReply {
    const body = parseJson(req.body);
    if (!body || typeof body.path !== 'string') return toriiError(400, '"path" is required');
    if (body.type !== SYNC_FILE_TYPE) return toriiError(400, `"type" must be [${SYNC_FILE_TYPE}]`);
    const uploaded = this.uploadedPaths.get(body.path);
    if (!uploaded) return toriiError(404, 'File not found');
    return { status: 200, body: { id: this.store(uploaded.bytes, 'presigned', uploaded.name) } };
  }

  private store(bytes: Buffer, via: StoredFile['via'], name: string): number {
    const id = this.nextId++;
    this.files.set(id, { id, bytes, via, name });
    return id;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large',
};

export function toriiError(statusCode: number, message: string): SimReply {
  return { status: statusCode, body: { statusCode, error: REASONS[statusCode] ?? 'Error', message } };
}

/** What the object store answers a PUT to a presigned URL past its expiry. */
export const expiredPresignedUrl = () => objectStoreError(403, 'AccessDenied', 'Request has expired');

function objectStoreError(status: number, code: string, message: string): SimReply {
  return {
    status,
    headers: { 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

export function parseJson(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

interface MultipartParts { fields: Record<string, string>; file?: { bytes: Buffer; name: string }; tooLarge: boolean }

function parseMultipart(req: SimRequest): Promise<MultipartParts> {
  return new Promise((resolve, reject) => {
    const parts: MultipartParts = { fields: {}, tooLarge: false };
    let file: { chunks: Buffer[]; name: string } | undefined;
    const parser = busboy({ headers: req.headers, limits: { fileSize: DIRECT_UPLOAD_LIMIT_BYTES } });
    parser.on('field', (name, value) => { parts.fields[name] = value; });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      if (name === 'file') file = { chunks, name: info.filename ?? 'file' };
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => { parts.tooLarge = true; });
    });
    parser.on('close', () => {
      if (file) parts.file = { bytes: Buffer.concat(file.chunks), name: file.name };
      resolve(parts);
    });
    parser.on('error', reject);
    parser.end(req.body);
  });
}
