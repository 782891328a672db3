// One rate budget per PingOne license, shared by every chain and activity of this worker: requests
// are paced to the budget's requests per second and capped at its concurrency. A 429 slows every
// chain of that license, not just the one that hit it: all of them wait out Retry-After, and the pace
// halves, then recovers over half a minute. This is the one place that decides when a PingOne
// request may leave the worker.

export interface BudgetSettings {
  requestsPerSecond: number;
  concurrency: number;
}

/** Pacing keeps a margin under the budget: arrival jitter must not push a second over it. */
const PACE_MARGIN = 0.95;
const RECOVERY_MS = 30_000;

export class RateBudget {
  private nextSlotAt = 0;
  private pausedUntil = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  /** Pace factor after a 429 (0.5), back to 1 over RECOVERY_MS. */
  private slowedAt = -Infinity;

  constructor(
    public settings: BudgetSettings,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Waits for a concurrency slot and a pace slot; call the returned function when the request ends. */
  async acquire(): Promise<() => void> {
    while (this.inFlight >= this.settings.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.waiting.shift()?.();
    };
    try {
      for (;;) {
        const t = this.now();
        const at = Math.max(t, this.nextSlotAt, this.pausedUntil);
        if (at <= t) {
          this.nextSlotAt = t + this.intervalMs(t);
          return release;
        }
        await this.sleep(at - t);
      }
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The license answered 429 (or 503 with Retry-After): everyone waits, then goes slower. */
  slowDown(retryAfterMs: number): void {
    const t = this.now();
    this.pausedUntil = Math.max(this.pausedUntil, t + retryAfterMs);
    this.slowedAt = t + retryAfterMs;
  }

  private intervalMs(t: number): number {
    const recovered = Math.min(1, Math.max(0, (t - this.slowedAt) / RECOVERY_MS));
    const pace = 0.5 + 0.5 * recovered;
    return 1000 / (this.settings.requestsPerSecond * PACE_MARGIN * pace);
  }
}

/** The worker's budgets by license key. */
export class RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  constructor(readonly defaults: BudgetSettings) {}

  for(key: string, settings: Partial<BudgetSettings> = {}): RateBudget {
    const wanted = { ...this.defaults, ...settings };
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new RateBudget(wanted);
      this.budgets.set(key, budget);
    } else if (budget.settings.requestsPerSecond !== wanted.requestsPerSecond || budget.settings.concurrency !== wanted.concurrency) {
      budget.settings = wanted;
    }
    return budget;
  }
}
