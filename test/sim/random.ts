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

/** Distinct items, at most `count` of them, in random order. */
export function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i + 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, Math.max(0, Math.min(count, pool.length)));
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
  const hex: string[] = [];
  for (let i = 0; i < 32; i++) hex.push(randomInt(random, 0, 16).toString(16));
  hex[12] = '4';
  hex[16] = ['8', '9', 'a', 'b'][randomInt(random, 0, 4)];
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
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
