// A Torii file's bytes go through one reused buffer (activities/torii/file-bytes.ts): written from
// text and from other parts, and read for the presigned upload. Files here span many buffers, with
// multi-byte characters across their edges, so the reuse is what is exercised: the bytes on disk
// and the bytes Torii's object store received must be exactly the ones put in.
import { readFile, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttp } from '../activities/pingone/http';
import { toriiApi } from '../activities/torii/api';
import { CHUNK_BYTES, FileWriter } from '../activities/torii/file-bytes';
import { expiredPresignedUrl } from '../sim/torii-files';
import { startToriiSimulator, type ToriiSimulator } from '../sim/torii';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-bytes-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Text of `count` pieces of varied lengths and scripts: multi-byte characters land on every buffer edge sooner or later. */
function pieces(count: number): string[] {
  const words = ['a', 'Šimić', 'Mía', '名前', '😀', '"\\u0007"', 'x'.repeat(700)];
  return Array.from({ length: count }, (_, i) => `${words[i % words.length]}${i}`.repeat(1 + (i % 5)));
}

describe('FileWriter', () => {
  it('writes text and appended files byte for byte, across many buffers, 0600', async () => {
    const first = pieces(3000);
    const appended = Buffer.from(pieces(2000).join('|'));
    const huge = `${'Ω'.repeat(CHUNK_BYTES)}end`;
    const source = join(dir, 'source.part');
    await writeFile(source, appended);
    const path = join(dir, 'written.json');
    const out = await FileWriter.open(path, 'create');
    for (const text of first) await out.write(text);
    await out.append(source);
    await out.write(huge);
    await out.write('');
    await out.close();

    const expected = Buffer.concat([...first.map((t) => Buffer.from(t)), appended, Buffer.from(huge)]);
    expect(expected.length).toBeGreaterThan(4 * CHUNK_BYTES);
    const written = await readFile(path);
    expect(written.equals(expected)).toBe(true);
    expect(out.bytes).toBe(expected.length);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('writes bytes with one byte replaced, across buffer edges, and takes back the last one written', async () => {
    // Records' lines as the store sends them (Sql.copyLines), in chunks that end anywhere.
    const records = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ id: `u${i}`, name: `Šimić 名前 ${'x'.repeat(i % 300)}` }));
    const lines = Buffer.from(records.map((r) => `${r}\n`).join(''));
    const path = join(dir, 'replaced.json');
    const out = await FileWriter.open(path, 'create');
    await out.write('[');
    let replaced = 0;
    for (let at = 0, size = 1; at < lines.length; at += size, size = (size * 7 + 13) % 90_000 + 1) {
      replaced += await out.writeReplacing(lines.subarray(at, at + size), 0x0a, 0x2c);
    }
    expect(lines.length).toBeGreaterThan(4 * CHUNK_BYTES);
    expect(replaced).toBe(records.length);
    expect(out.unwriteLast(0x2c)).toBe(true);
    expect(out.unwriteLast(0x2c)).toBe(false);
    await out.write(']');
    await out.close();
    const written = await readFile(path);
    expect(out.bytes).toBe(written.length);
    expect(JSON.parse(written.toString('utf8'))).toEqual(records.map((r) => JSON.parse(r)));
  });

  it('appends to an existing file when opened to append, and empties it when opened to create', async () => {
    const path = join(dir, 'appended.json');
    await writeFile(path, 'head,');
    const appending = await FileWriter.open(path, 'append');
    await appending.write('tail');
    await appending.close();
    expect(await readFile(path, 'utf8')).toBe('head,tail');
    const creating = await FileWriter.open(path, 'create');
    await creating.write('new');
    await creating.close();
    expect(await readFile(path, 'utf8')).toBe('new');
  });
});

describe('the presigned upload, read through one buffer', () => {
  let torii: ToriiSimulator;
  beforeAll(async () => {
    torii = await startToriiSimulator({ apiKey: 'file-bytes-torii-key' });
  });
  afterAll(() => torii?.close());

  /** A Torii file of `users` users (names with multi-byte characters), as its text. */
  const toriiFile = (users: number) =>
    JSON.stringify({
      users: Array.from({ length: users }, (_, i) => ({ id: `u${i}`, email: `user.${i}@example.com`, firstName: 'Mía', lastName: `Šimić 名前 ${i}`, status: 'active', roles: ['Engineering 😀'] })),
      licenses: [{ name: 'App', users: Array.from({ length: users }, (_, i) => ({ email: `user.${i}@example.com`, licenseStatus: 'active' })) }],
    });

  const upload = async (text: string) => {
    const path = join(dir, `upload-${torii.syncs.length}.json`);
    await writeFile(path, text);
    const bytes = (await stat(path)).size;
    const http = createHttp({ requestTimeoutMs: 30_000, maxResponseBytes: 1024 * 1024 });
    // Every file through the presigned URL; the simulator's host is the one exempt from the public-host rule.
    const sink = toriiApi(http, torii.apiUrl, 'file-bytes-torii-key', 1024, [new URL(torii.origin).host]);
    const uploaded = await sink.upload(path, bytes);
    await sink.sync(uploaded.fileId, 7);
    return { uploaded, bytes };
  };

  it('Torii receives the file exactly, chunk after chunk', async () => {
    const text = toriiFile(12_000);
    const { uploaded, bytes } = await upload(text);
    expect(bytes).toBeGreaterThan(8 * CHUNK_BYTES);
    expect(uploaded.via).toBe('presigned');
    const synced = torii.syncs.at(-1)!;
    expect(synced.bytes).toBe(bytes);
    expect(synced.file).toEqual(JSON.parse(text));
  });

  it('a staged file that cannot be read fails the PUT as a retryable transport failure, and nothing is registered', async () => {
    const http = createHttp({ requestTimeoutMs: 30_000, maxResponseBytes: 1024 * 1024 });
    const sink = toriiApi(http, torii.apiUrl, 'file-bytes-torii-key', 1024, [new URL(torii.origin).host]);
    const from = torii.requests.length;
    const failure = await sink.upload(join(dir, 'missing.json'), 5000).catch((err: unknown) => err);
    expect(failure).toMatchObject({ problem: { type: 'ToriiUnreachable', retryable: true } });
    expect((failure as Error).message).not.toContain('X-Amz-Signature');
    expect(torii.requests.slice(from).map((r) => r.kind)).toEqual(['uploadUrl']);
  });

  it('a PUT refused as expired is sent again whole to the new URL', async () => {
    const text = toriiFile(2000);
    torii.faults.add({ kind: 'presignedPut', respond: expiredPresignedUrl() });
    const from = torii.requests.length;
    const { bytes } = await upload(text);
    expect(torii.requests.slice(from).map((r) => `${r.kind} ${r.status}`)).toEqual(['uploadUrl 200', 'presignedPut 403', 'uploadUrl 200', 'presignedPut 200', 'fileRegister 200', 'sync 200']);
    expect(torii.syncs.at(-1)!.bytes).toBe(bytes);
    expect(torii.syncs.at(-1)!.file).toEqual(JSON.parse(text));
  });
});
