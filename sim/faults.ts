// Faults a test schedules on a simulator: answer with a chosen status, cut the connection mid-body,
// delay, send a 200 with half a JSON body, change the real answer's body (a record twice, a
// malformed record), or stream an endless-seeming page. Rules are consumed in the order they were added.

export interface FaultRequest { method: string; path: string; query: string }

export type FaultResponse =
  /** `headers` as a function are made when the request arrives (an HTTP-date Retry-After a moment ahead). */
  | { status: number; headers?: Record<string, string> | (() => Record<string, string>); body?: unknown }
  /** Headers and part of the real body are sent, then the socket is destroyed. The handler runs. */
  | { reset: true }
  /** Wait, then answer normally. */
  | { delayMs: number }
  /**
   * Held until the test releases it (the promise settles), then answered normally, or with the status
   * and body the promise resolves to: a fault gated on the test's signal, not a clock.
   */
  | { until: Promise<unknown> }
  /** Status 200 and the first half of the real body, with a matching Content-Length. The handler runs. */
  | { truncate: true }
  /** The handler runs; its (JSON) body is replaced by what `edit` makes of it. */
  | { edit: (body: unknown) => unknown }
  /**
   * Status 200 and a JSON users page of `bytes` bytes, generated while it is sent (never held) and
   * without Content-Length; it stops when the client hangs up. The handler does not run.
   */
  | { stream: { bytes: number } };

/** What a held request gets when its gate is released with one. */
export interface HeldAnswer { status: number; body?: unknown }

export interface FaultRule<Kind extends string> {
  kind?: Kind;
  match?: (req: FaultRequest) => boolean;
  /** How many requests this rule hits; default 1, Infinity for always. */
  times?: number;
  respond: FaultResponse;
}

/** A gate for `{ until }`: `release()` lets the held requests through; `release(answer)` answers them so. */
export function gate(): { until: Promise<HeldAnswer | void>; release: (answer?: HeldAnswer) => void } {
  let release: (answer?: HeldAnswer) => void = () => {};
  const until = new Promise<HeldAnswer | void>((resolve) => {
    release = resolve;
  });
  return { until, release };
}

export class FaultPlan<Kind extends string> {
  private rules: { rule: FaultRule<Kind>; left: number }[] = [];

  add(rule: FaultRule<Kind>): void {
    this.rules.push({ rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** How many scheduled hits are still unused. */
  get pending(): number {
    return this.rules.reduce((sum, entry) => sum + entry.left, 0);
  }

  /** The fault this request meets, if any; consumes one of its hits. */
  take(kind: Kind, req: FaultRequest): FaultResponse | undefined {
    const entry = this.rules.find(({ rule, left }) =>
      left > 0 && (rule.kind === undefined || rule.kind === kind) && (rule.match === undefined || rule.match(req)));
    if (!entry) return undefined;
    entry.left -= 1;
    this.rules = this.rules.filter((candidate) => candidate.left > 0);
    return entry.rule.respond;
  }
}
