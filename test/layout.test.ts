// The arrows between the top-level folders run one way (README "Layout"): contract/ imports nothing
// else of the project; activities/ never imports workflows/; workflows/ takes activities only as
// types (no I/O reaches the bundle); client/ reaches the worker only through Temporal, never by
// importing worker/ or activities/; the product imports nothing of test/, sim/, dev/ or bench/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = join(__dirname, '..');

function filesUnder(folder: string): string[] {
  const dir = join(root, folder);
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(relative(root, path));
    return name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

/** Every relative import of a file: the top-level folder it reaches and whether it is type-only. */
function importsOf(file: string): { folder: string; typeOnly: boolean; spec: string }[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^(import|export)(\s+type)?[^'";]*?from\s+'(\.[^']+)'/gms)].map(([, , type, spec]) => ({
    folder: relative(root, resolve(dirname(join(root, file)), spec)).split('/')[0],
    typeOnly: Boolean(type),
    spec,
  }));
}

const reaching = (folder: string, allowed: (i: { folder: string; typeOnly: boolean }) => boolean) =>
  filesUnder(folder).flatMap((file) => importsOf(file).filter((i) => !allowed(i)).map((i) => `${file} -> ${i.spec}`));

describe('the layout', () => {
  it('contract/ imports nothing else of the project', () => {
    expect(reaching('contract', (i) => i.folder === 'contract')).toEqual([]);
  });

  it('activities/ imports only itself and contract/', () => {
    expect(reaching('activities', (i) => ['activities', 'contract'].includes(i.folder))).toEqual([]);
  });

  it('workflows/ takes activities only as types', () => {
    expect(reaching('workflows', (i) => ['workflows', 'contract'].includes(i.folder) || (i.folder === 'activities' && i.typeOnly))).toEqual([]);
  });

  it('client/ imports neither worker/ nor activities/', () => {
    expect(reaching('client', (i) => ['client', 'contract'].includes(i.folder) || (i.folder === 'workflows' && i.typeOnly))).toEqual([]);
  });

  it('the product imports nothing of test/, sim/, dev/ or bench/', () => {
    const product = ['contract', 'workflows', 'activities', 'worker', 'client'];
    for (const folder of product) expect(reaching(folder, (i) => product.includes(i.folder))).toEqual([]);
  });
});
