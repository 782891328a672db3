// The Torii file's licenses are written from one stream of the listed licenses' lines (a start line,
// then each holder's record) with the licenses open to every user put in their places between them
// (activities/torii/file.ts LicensesWriter). The store's COPY hands the stream over in chunks cut
// anywhere, so every cut of one stream must give the same licenses: the ones the stream and the
// license list say, as JSON, each with its own users. A stream that does not match the list is an
// error, never a file giving someone another license's users.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriter } from '../activities/torii/file-bytes';
import { LicensesWriter } from '../activities/torii/file';
import type { LicenseRow } from '../activities/store/file-rows';

let dir: string;
let everyonePart: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'licenses-writer-'));
  everyonePart = join(dir, 'everyone.part');
  // As writeRecordLines leaves a part: records separated by commas, no trailing comma.
  await writeFile(everyonePart, `${record('ann@example.com', 'active')},${record('bo@example.com', 'inactive')}`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function record(email: string, licenseStatus: string): string {
  return JSON.stringify({ email, licenseStatus });
}
const everyone = [{ email: 'ann@example.com', licenseStatus: 'active' }, { email: 'bo@example.com', licenseStatus: 'inactive' }];

const license = (name: string, open: boolean): LicenseRow => ({ app_id: `app-${name}`, license_name: name, open_to_every_user: open });

/** Open, listed, listed with nobody, open, listed with a name that needs escaping, open: each kind borders the other. */
const all = [license('A', true), license('B', false), license('C', false), license('D', true), license('E "quoted"', false), license('F', true)];
const stream = [
  '!',
  record('b1@example.com', 'active'),
  record('b2!@example.com', 'inactive'),
  '!',
  '!',
  record('e1@example.com', 'active'),
  '',
].join('\n');
const expected = {
  licenses: [
    { name: 'A', users: everyone },
    { name: 'B', users: [{ email: 'b1@example.com', licenseStatus: 'active' }, { email: 'b2!@example.com', licenseStatus: 'inactive' }] },
    { name: 'C', users: [] },
    { name: 'D', users: everyone },
    { name: 'E "quoted"', users: [{ email: 'e1@example.com', licenseStatus: 'active' }] },
    { name: 'F', users: everyone },
  ],
};

/** The licenses written from `chunks` with `list`, read back as JSON. */
async function written(list: LicenseRow[], chunks: Buffer[], name: string): Promise<unknown> {
  const path = join(dir, `${name}.json`);
  const out = await FileWriter.open(path, 'create');
  try {
    await out.write('{');
    const licenses = await LicensesWriter.start(out, list, everyonePart);
    for (const chunk of chunks) await licenses.take(chunk);
    expect(await licenses.end()).toBe(list.length);
  } finally {
    await out.close();
  }
  return JSON.parse(await readFile(path, 'utf8'));
}

describe('LicensesWriter', () => {
  const bytes = Buffer.from(stream);

  it('writes each license with its users, open ones from the shared part, whole or in single bytes', async () => {
    expect(await written(all, [bytes], 'whole')).toEqual(expected);
    expect(await written(all, [...bytes].map((b) => Buffer.from([b])), 'bytes')).toEqual(expected);
  });

  it('writes the same licenses wherever the stream is cut in two', async () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await written(all, [bytes.subarray(0, cut), bytes.subarray(cut)], `cut-${cut}`)).toEqual(expected);
    }
  });

  it('writes licenses open to every user alone, and no license at all', async () => {
    const open = [license('A', true), license('D', true)];
    expect(await written(open, [], 'open-only')).toEqual({ licenses: [{ name: 'A', users: everyone }, { name: 'D', users: everyone }] });
    expect(await written([], [], 'none')).toEqual({ licenses: [] });
  });

  it('refuses a stream that does not match the license list', async () => {
    const listed = [license('B', false)];
    await expect(written(listed, [Buffer.from('!\n!\n')], 'more')).rejects.toThrow('more listed licenses than the snapshot has');
    await expect(written([license('B', false), license('C', false)], [Buffer.from('!\n')], 'fewer')).rejects.toThrow('fewer listed licenses');
    await expect(written(listed, [Buffer.from(`${record('x@example.com', 'active')}\n`)], 'orphan')).rejects.toThrow('record before its license');
    await expect(written(listed, [Buffer.from(`!\n${record('x@example.com', 'active')}`)], 'unended')).rejects.toThrow('without its closing newline');
    await expect(written(listed, [Buffer.from('!x\n')], 'start-text')).rejects.toThrow('start line with text after it');
  });
});
