// One rate budget per PingOne license, shared by every chain and activity of this worker: requests
// are paced to the budget's requests per second and capped at its concurrency. A 429 slows every
// chain of that license, not just the one that hit it: all of them wait out Retry-After (what
// PingOne asks of a client it limited), and the pace drops by a quarter, then climbs back over a few
// seconds. This is the one place that decides when a PingOne request may leave the worker, and how
// many bytes its answers in flight may hold together.
import { BodyAllowance } from './http';

export interface BudgetSettings {
  requestsPerSecond: number;
  concurrency: number;
}

/**
 * Pacing keeps a margin under the budget: a slot granted late (CATCH_UP_SLOTS) and arrival jitter
 * (a request whose sending waited behind other work on the event loop reaches PingOne with the
 * next ones) must not push a second over it. A measured compromise, not a documented rule: a
 * 1,000,000-user benchmark met seven 429s from the simulator's sliding second at 0.95 and seven at
 * 0.93 (its own event loop bunches its arrival stamps), and was faster at 0.93; with the quicker
 * recovery below, 15 and 28 in two runs at 0.93, each costing ~2 s instead of ~8 (BENCHMARKS.md).
 */
const PACE_MARGIN = 0.93;
/**
 * After a 429 the pace is a quarter lower, and climbs back to full over RECOVERY_MS. Another 429
 * that comes while it is lower lowers it again from there, down to MIN_PACE: a license another
 * client also spends settles below the share left to us, while a lone 429 (a second that ran over
 * by a few requests) costs its pause and about one second's worth of pace, not half a minute's.
 */
const SLOWED_PACE = 0.75;
const MIN_PACE = 0.1;
const RECOVERY_MS = 5_000;
/** Slots a late wake may still grant at once (a timer on a busy event loop fires tens of ms late). */
const CATCH_UP_SLOTS = 2;

type Grant = (release: () => void) => void;

export class RateBudget {
  private nextSlotAt = 0;
  private pausedUntil = 0;
  private inFlight = 0;
  /** Requests waiting for a slot, in arrival order: a chain's pages (`acquire(true)`) are granted first. */
  private readonly waiting = { chains: [] as Grant[], others: [] as Grant[] };
  /** The grants wait for the next pace slot (or a 429's pause) to come. */
  private sleeping = false;
  /** When the last 429's pause ends (ms on `now`): the pace is `slowedPace` then, back to full over RECOVERY_MS. */
  private slowedAt = -Infinity;
  private slowedPace = 1;
  /** Set by RateBudgets: what the bodies of this license's answers in flight may hold together. */
  bodies?: BodyAllowance;

  constructor(
    public settings: BudgetSettings,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Waits for a concurrency slot and a pace slot; call the returned function when the request ends.
   * `chain`: the request is a page of a user listing. A sync lasts at least as long as its longest
   * chain, whose pages follow one another, so a chain's page waiting behind group-scoped pages for a
   * slot lengthens the whole sync; a group's page waiting behind it costs nothing, as every page is
   * asked for anyway and the budget's pace is the same.
   */
  acquire(chain = false): Promise<() => void> {
    return new Promise((grant) => {
      (chain ? this.waiting.chains : this.waiting.others).push(grant);
      this.grant();
    });
  }

  /** Grants slots to waiting requests at the pace, chains first, while the concurrency allows. */
  private grant(): void {
    while (!this.sleeping && this.inFlight < this.settings.concurrency && this.waiting.chains.length + this.waiting.others.length > 0) {
      const t = this.now();
      const at = Math.max(this.nextSlotAt, this.pausedUntil);
      if (at > t) {
        this.sleeping = true;
        void this.sleep(at - t).then(() => {
          this.sleeping = false;
          this.grant();
        });
        return;
      }
      // Slots keep their schedule, not the wake's: a timer firing late would otherwise push every
      // later slot back (on a busy worker a third of the budget was lost so). A slot missed by more
      // than CATCH_UP_SLOTS intervals is gone: no burst makes up for idle time, and any second
      // holds at most requestsPerSecond × PACE_MARGIN + CATCH_UP_SLOTS + 1 slots.
      const interval = this.intervalMs(t);
      this.nextSlotAt = Math.max(at, t - CATCH_UP_SLOTS * interval) + interval;
      this.inFlight++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.grant();
      };
      (this.waiting.chains.shift() ?? this.waiting.others.shift())?.(release);
    }
  }

  /** Nothing in flight and nothing waiting: the budget may be dropped. */
  get idle(): boolean {
    return this.inFlight === 0 && this.waiting.chains.length + this.waiting.others.length === 0;
  }

  /**
   * The license answered 429 (or 503 with Retry-After): everyone waits, then goes slower. The
   * requests in flight when a second ran over are answered 429 together: those that come during
   * the pause it started only lengthen the pause, so one overrun lowers the pace once.
   */
  slowDown(retryAfterMs: number): void {
    const t = this.now();
    if (t >= this.pausedUntil) this.slowedPace = Math.max(MIN_PACE, this.pace(t) * SLOWED_PACE);
    this.pausedUntil = Math.max(this.pausedUntil, t + retryAfterMs);
    this.slowedAt = this.pausedUntil;
  }

  /** The share of the paced rate allowed at `t`: 1 unless a 429 came in the last RECOVERY_MS. */
  private pace(t: number): number {
    const recovered = Math.min(1, Math.max(0, (t - this.slowedAt) / RECOVERY_MS));
    return this.slowedPace + (1 - this.slowedPace) * recovered;
  }

  private intervalMs(t: number): number {
    return 1000 / (this.settings.requestsPerSecond * PACE_MARGIN * this.pace(t));
  }
}

/**
 * The worker's budgets by license key (activities/connection.ts decides the key: only connections
 * proving the same Worker app share one). Every key an input can make is a new entry, so the map is
 * bounded: past `maxBudgets`, the least recently used idle budgets are dropped.
 */
export class RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  constructor(
    readonly defaults: BudgetSettings,
    /** HTTP_MAX_RESPONSE_BYTES: what one license's answers in flight may hold together. */
    private readonly bodyLimitBytes = Infinity,
    private readonly maxBudgets = 10_000,
  ) {}

  for(key: string, settings: Partial<BudgetSettings> = {}): RateBudget {
    const wanted = { ...this.defaults, ...settings };
    let budget = this.budgets.get(key);
    if (budget) {
      // Most recently used last: the map's order is the eviction order.
      this.budgets.delete(key);
      this.budgets.set(key, budget);
    }
    if (!budget) {
      budget = new RateBudget(wanted);
      budget.bodies = new BodyAllowance(this.bodyLimitBytes);
      this.budgets.set(key, budget);
      this.evict();
    } else if (budget.settings.requestsPerSecond !== wanted.requestsPerSecond || budget.settings.concurrency !== wanted.concurrency) {
      budget.settings = wanted;
    }
    return budget;
  }

  get size(): number {
    return this.budgets.size;
  }

  private evict(): void {
    for (const [key, budget] of this.budgets) {
      if (this.budgets.size <= this.maxBudgets) return;
      if (budget.idle) this.budgets.delete(key);
    }
  }
}
