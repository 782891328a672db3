// The presigned PUT's time: it carries the whole Torii file (hundreds of MB for a large directory),
// so it may outlast HTTP_TIMEOUT_MS while its bytes keep moving, and fails once none move for
// HTTP_TIMEOUT_MS. The Torii simulator's object store reads the body at a set pace (or not at all),
// over real HTTPS on loopback.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttp } from '../activities/pingone/http';
import { toriiApi } from '../activities/torii/api';
import { startToriiSimulator, type ToriiSimulator } from '../sim/torii';

const REQUEST_TIMEOUT_MS = 1500;
// Far more than loopback's socket buffers hold (a few MB), so the client sees its bytes move as the
// store reads them, as it would on a real link.
const FILE_BYTES = 48 * 1024 * 1024;

let torii: ToriiSimulator;
let dir: string;
let file: string;
let bytes: number;
beforeAll(async () => {
  torii = await startToriiSimulator({ apiKey: 'put-time-torii-key' });
  dir = await mkdtemp(join(tmpdir(), 'put-time-'));
  file = join(dir, 'users.json');
  const text = JSON.stringify({ users: [], padding: 'x'.repeat(FILE_BYTES) });
  await writeFile(file, text);
  bytes = Buffer.byteLength(text);
});
afterAll(async () => {
  await torii?.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  torii.settings.presignedPutBytesPerSecond = undefined;
});

/** Through the presigned URL (direct uploads stop at 1 KB here), with HTTP_TIMEOUT_MS at 1.5 s. */
const sink = () => toriiApi(createHttp({ requestTimeoutMs: REQUEST_TIMEOUT_MS, maxResponseBytes: 1024 * 1024 }), torii.apiUrl, 'put-time-torii-key', 1024, [new URL(torii.origin).host]);

it('a PUT that takes longer than HTTP_TIMEOUT_MS goes through while its bytes keep moving', async () => {
  torii.settings.presignedPutBytesPerSecond = 16 * 1024 * 1024;
  const from = torii.requests.length;
  const started = Date.now();
  const uploaded = await sink().upload(file, bytes);
  // The store read 48 MB at 16 MB a second: the upload outlasted two HTTP_TIMEOUT_MS, and it landed.
  expect(Date.now() - started).toBeGreaterThan(2 * REQUEST_TIMEOUT_MS);
  expect(uploaded.via).toBe('presigned');
  expect(torii.requests.slice(from).map((r) => `${r.kind} ${r.status}`)).toEqual(['uploadUrl 200', 'presignedPut 200', 'fileRegister 200']);
});

it('a PUT whose bytes stop moving fails after HTTP_TIMEOUT_MS of no progress, retryable, with nothing registered', async () => {
  torii.settings.presignedPutBytesPerSecond = 0;
  const from = torii.requests.length;
  const started = Date.now();
  const failure = await sink().upload(file, bytes).catch((err: unknown) => err);
  const took = Date.now() - started;
  expect(failure).toMatchObject({ problem: { type: 'ToriiUnreachable', cause: expect.stringMatching(/during presigned-put \(ETIMEDOUT\)\.$/), retryable: true } });
  // The idle limit ended it, not the PUT's whole allowance (one HTTP_TIMEOUT_MS plus a second a MB: 49.5 s).
  expect(took).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
  expect(took).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);
  // The simulator logs a request once its body is in, which the stalled PUT's never was; nothing was registered.
  expect(torii.requests.slice(from).map((r) => r.kind)).toEqual(['uploadUrl']);
});
