// Holds back requests to a host that asked us to wait (429/503 with Retry-After), across every
// chain and activity in this worker: a rate limit on one listing slows all of them, so nothing asks
// that host again sooner than it said.
export class HostGate {
  private readonly notBefore = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async pass(host: string): Promise<void> {
    for (;;) {
      const wait = (this.notBefore.get(host) ?? 0) - this.now();
      if (wait <= 0) return;
      await this.sleep(wait);
    }
  }

  holdBack(host: string, ms: number): void {
    const until = this.now() + ms;
    if (until > (this.notBefore.get(host) ?? 0)) this.notBefore.set(host, until);
  }
}
