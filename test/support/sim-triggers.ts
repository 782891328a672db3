// Owns "do this when the simulator gets there": an action run the moment a simulator receives the
// nth request of a kind, before answering it, so a test can change the world mid-run at a chosen
// point (revoke tokens, expire cursors) instead of racing a timer against the sync.
import type { FaultPlan, FaultRequest } from '../../sim/faults';

/** `only`: count just the requests it accepts (e.g. followed next links). */
export function whenRequest<Kind extends string>(faults: FaultPlan<Kind>, kind: Kind, nth: number, action: () => void, only?: (req: FaultRequest) => boolean): void {
  let seen = 0;
  faults.add({
    kind,
    times: Number.POSITIVE_INFINITY,
    // Never matches, so it never answers: the rule only watches requests go by.
    match: (req) => {
      if (only && !only(req)) return false;
      seen += 1;
      if (seen === nth) action();
      return false;
    },
    respond: { delayMs: 0 },
  });
}
