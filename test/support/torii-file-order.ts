// Owns comparing Torii files: the sync streams users and licenses in the store's order, the
// expectation in its own, so both are put in one canonical order before an exact comparison.
import type { ToriiFile } from '../oracle/expected';

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function sortedFile(file: ToriiFile): ToriiFile {
  return {
    users: [...file.users].sort((a, b) => byText(a.id, b.id) || byText(a.status, b.status)),
    licenses: [...file.licenses]
      .map((l) => ({ ...l, users: [...l.users].sort((a, b) => byText(a.email, b.email)) }))
      .sort((a, b) => byText(a.name, b.name)),
  };
}
