// The shared PingOne budget on a virtual clock: pacing, the concurrency cap, and a 429 that holds
// back and slows every chain of the license, not only the one that hit it; and a budget only a
// connection proving the same Worker app can reach, so no input can change or slow another's.
import { randomUUID } from 'node:crypto';
import type { Got } from 'got';
import { pingOneApiFor } from '../activities/connection';
import { RateBudget, RateBudgets } from '../activities/pingone/rate-budget';
import { TokenCache } from '../activities/pingone/token';

function virtualClock() {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    /** Advances time to the next sleeper and wakes it; answers false when nobody sleeps. */
    async step(): Promise<boolean> {
      await new Promise((r) => setImmediate(r));
      sleepers.sort((a, b) => a.at - b.at);
      const next = sleepers.shift();
      if (!next) return false;
      now = Math.max(now, next.at);
      next.wake();
      await new Promise((r) => setImmediate(r));
      return true;
    },
  };
}

async function startTimes(budget: RateBudget, clock: ReturnType<typeof virtualClock>, requests: number, holdMs = 0): Promise<number[]> {
  const starts: number[] = [];
  const all = Array.from({ length: requests }, async () => {
    const release = await budget.acquire();
    starts.push(clock.now());
    if (holdMs) await clock.sleep(holdMs);
    release();
  });
  let settled = false;
  void Promise.all(all).then(() => (settled = true));
  while (!settled) if (!(await clock.step())) await new Promise((r) => setImmediate(r));
  return starts;
}

describe('RateBudget', () => {
  it('paces requests under the budget: never more than requestsPerSecond in any second', async () => {
    const clock = virtualClock();
    const budget = new RateBudget({ requestsPerSecond: 10, concurrency: 50 }, clock.now, clock.sleep);
    const starts = await startTimes(budget, clock, 40);
    for (const t of starts) expect(starts.filter((s) => s > t - 1000 && s <= t).length).toBeLessThanOrEqual(10);
    expect(starts.at(-1)).toBeLessThan(4300); // 40 requests at ~9.5/s
  });

  it('keeps its pace when its timer wakes late, still never more than requestsPerSecond in any second', async () => {
    const clock = virtualClock();
    // Every wake 30 ms late, as on a busy event loop: the slots keep their schedule.
    const budget = new RateBudget({ requestsPerSecond: 10, concurrency: 50 }, clock.now, (ms) => clock.sleep(ms + 30));
    const starts = await startTimes(budget, clock, 40);
    for (const t of starts) expect(starts.filter((s) => s > t - 1000 && s <= t).length).toBeLessThanOrEqual(10);
    // 40 slots at 9.5 a second end near 4.1 s; a pace reset at each late wake would end near 5.3 s.
    expect(starts.at(-1)).toBeLessThan(4300);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const clock = virtualClock();
    const budget = new RateBudget({ requestsPerSecond: 1000, concurrency: 3 }, clock.now, clock.sleep);
    const starts = await startTimes(budget, clock, 9, 500);
    // Nine requests of 500 ms, three at a time: three waves.
    expect(new Set(starts.map((s) => Math.floor(s / 500))).size).toBe(3);
  });

  it('holds every chain back for Retry-After after a 429, then goes slower', async () => {
    const clock = virtualClock();
    const budget = new RateBudget({ requestsPerSecond: 10, concurrency: 50 }, clock.now, clock.sleep);
    budget.slowDown(2000);
    const starts = await startTimes(budget, clock, 5);
    // PingOne: "Retry after the delay specified in the Retry-After header" (retry-best-practices).
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(2000);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]);
    for (const gap of gaps) expect(gap).toBeGreaterThan(1000 / 10 / 0.95); // slower than full pace
  });

  /** Gaps between grants, 20 requests from `from` on, after the 429s `hits` sends (each at its time). */
  async function gapsAfter(hits: (budget: RateBudget, clock: ReturnType<typeof virtualClock>) => Promise<void>) {
    const clock = virtualClock();
    const budget = new RateBudget({ requestsPerSecond: 10, concurrency: 50 }, clock.now, clock.sleep);
    await hits(budget, clock);
    const starts = await startTimes(budget, clock, 80);
    return { starts, gaps: starts.slice(1).map((s, i) => s - starts[i]) };
  }

  it('lowers the pace once for the 429s of one overrun, again for a 429 after its pause, and climbs back to full', async () => {
    const full = 1000 / 10; // a gap at the whole budget; the pace keeps a margin under it
    // Three requests in flight answered 429 together: one overrun.
    const together = await gapsAfter(async (budget) => {
      for (let i = 0; i < 3; i++) budget.slowDown(1000);
    });
    // One 429, then another after the first one's pause ended: two overruns.
    const twice = await gapsAfter(async (budget, clock) => {
      budget.slowDown(1000);
      const release = await new Promise<() => void>((resolve) => {
        void budget.acquire().then(resolve);
        void clock.step();
      });
      release();
      budget.slowDown(1000);
    });
    expect(together.starts[0]).toBeGreaterThanOrEqual(1000);
    // Right after the pause both are slower than the budget, and two overruns slower than one.
    expect(together.gaps[0]).toBeGreaterThan(full);
    expect(twice.gaps[0]).toBeGreaterThan(together.gaps[0] * 1.15);
    // A lone overrun costs seconds of pace, not half a minute: back within 5% of full 7 s after it.
    const late = together.gaps.filter((_, i) => together.starts[i] > 8000);
    expect(late.length).toBeGreaterThan(10);
    for (const gap of late) expect(gap).toBeLessThan(full * 1.1);
  });

  it("grants a chain's page the next slot ahead of group-scoped pages waiting before it", async () => {
    const clock = virtualClock();
    const budget = new RateBudget({ requestsPerSecond: 1000, concurrency: 1 }, clock.now, clock.sleep);
    const order: string[] = [];
    const request = async (name: string, chain: boolean) => {
      const release = await budget.acquire(chain);
      order.push(name);
      await clock.sleep(100);
      release();
    };
    const all = [request('members-1', false), request('members-2', false), request('members-3', false), request('chain-1', true), request('members-4', false), request('chain-2', true)];
    let settled = false;
    void Promise.all(all).then(() => (settled = true));
    while (!settled) if (!(await clock.step())) await new Promise((r) => setImmediate(r));
    // members-1 had the slot when the others came; then the chains in arrival order, then the rest in theirs.
    expect(order).toEqual(['members-1', 'chain-1', 'chain-2', 'members-2', 'members-3', 'members-4']);
  });

  it('shares one budget per license key and follows changed settings', () => {
    const budgets = new RateBudgets({ requestsPerSecond: 20, concurrency: 8 });
    const a = budgets.for('license:acme');
    expect(budgets.for('license:acme')).toBe(a);
    expect(budgets.for('license:other')).not.toBe(a);
    budgets.for('license:acme', { requestsPerSecond: 50 });
    expect(a.settings).toEqual({ requestsPerSecond: 50, concurrency: 8 });
  });
});

describe('whose budget an input reaches', () => {
  const environmentId = randomUUID();
  const owner = { environmentId, clientId: randomUUID(), clientSecret: 'owner-secret-Vb7Qm2Lx9' };
  const policy = { allowedHosts: [] };
  const budgetOf = (budgets: RateBudgets, pingOne: typeof owner, rateLimit?: Parameters<typeof pingOneApiFor>[3]) =>
    // No request is made: building the API client only resolves the endpoints and picks the budget.
    pingOneApiFor(pingOne, policy, { http: {} as Got, tokens: new TokenCache({} as Got), budgets }, rateLimit).target.budget;

  it('gives the owner one budget across its environments and syncs', () => {
    const budgets = new RateBudgets({ requestsPerSecond: 20, concurrency: 8 });
    const budget = budgetOf(budgets, owner);
    expect(budgetOf(budgets, owner)).toBe(budget);
    expect(budgetOf(budgets, { ...owner, environmentId: randomUUID(), tokenUrl: `https://auth.pingone.com/${environmentId}/as/token` } as typeof owner)).toBe(budget);
  });

  it("leaves the owner's budget untouched by someone else's Client ID with a wrong secret and an absurd rateLimit", async () => {
    const budgets = new RateBudgets({ requestsPerSecond: 20, concurrency: 8 });
    const budget = budgetOf(budgets, owner);
    const stranger = budgetOf(budgets, { ...owner, clientSecret: 'not-the-owners-secret-1' }, { requestsPerSecond: 0.001, concurrency: 1 });
    expect(stranger).not.toBe(budget);
    // The stranger's 429s and pace are its own.
    stranger.slowDown(3_600_000);
    expect(budget.settings).toEqual({ requestsPerSecond: 20, concurrency: 8 });
    const release = await budget.acquire();
    release();
  });

  it("leaves the owner's budget untouched by a stranger naming the owner's licenseKey", () => {
    const budgets = new RateBudgets({ requestsPerSecond: 20, concurrency: 8 });
    const budget = budgetOf(budgets, owner, { licenseKey: 'acme-license' });
    const other = { environmentId: randomUUID(), clientId: randomUUID(), clientSecret: 'stranger-secret-Tn4Wz8' };
    expect(budgetOf(budgets, other, { licenseKey: 'acme-license', requestsPerSecond: 0.001 })).not.toBe(budget);
    expect(budgetOf(budgets, { ...owner, clientSecret: 'guessed-secret-Zx1' }, { licenseKey: 'acme-license', concurrency: 1 })).not.toBe(budget);
    expect(budget.settings).toEqual({ requestsPerSecond: 20, concurrency: 8 });
  });

  it('keeps at most maxBudgets, dropping the least recently used idle ones', async () => {
    const budgets = new RateBudgets({ requestsPerSecond: 20, concurrency: 8 }, Infinity, 3);
    const busy = budgets.for('a');
    const release = await busy.acquire();
    for (const key of ['b', 'c', 'd', 'e']) budgets.for(key);
    expect(budgets.size).toBe(3);
    // The one with a request in flight stayed.
    expect(budgets.for('a')).toBe(busy);
    release();
  });
});
