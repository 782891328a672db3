// Seeded randomness for the simulators: every generated directory, id and short page must be
// reproducible from a seed, so a failing test can be replayed exactly. Not for secrets.

export type Random = () => number;

/** mulberry32: tiny, fast, good enough spread for test data; returns floats in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, maxExclusive). */
export function randomInt(random: Random, min: number, maxExclusive: number): number {
  return min + Math.floor(random() * (maxExclusive - min));
}

export function pickOne<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pickOne: nothing to pick from');
  return items[randomInt(random, 0, items.length)];
}

/** Distinct items, at most `count` of them, in random order (partial Fisher-Yates: cheap for few of many). */
export function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const wanted = Math.max(0, Math.min(count, pool.length));
  for (let i = 0; i < wanted; i++) {
    const j = randomInt(random, i, pool.length);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, wanted);
}

/** Index into `shares` (weights that need not sum to 1). */
export function pickWeighted(random: Random, shares: readonly number[]): number {
  const total = shares.reduce((sum, share) => sum + share, 0);
  let roll = random() * total;
  for (let i = 0; i < shares.length; i++) {
    roll -= shares[i];
    if (roll < 0) return i;
  }
  return shares.length - 1;
}

/** A v4-shaped UUID drawn from the seeded stream, so PingOne ids look real but replay exactly. */
export function randomUuid(random: Random): string {
  const word = () => Math.floor(random() * 4294967296).toString(16).padStart(8, '0');
  const s = word() + word() + word() + word();
  const variant = '89ab'[parseInt(s[16], 16) & 3];
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20)}`;
}

/** Stable 32-bit hash of a string, to derive per-item seeds (e.g. a short page's size). */
export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
