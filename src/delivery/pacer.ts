/**
 * Spaces requests to Resend so a fault-free run draws no 429s yet keeps the rate limit's ceiling busy.
 * Requests start evenly spaced at a little under the limit learned from `ratelimit-limit` (per second,
 * as Resend counts): evenly spaced requests never bunch up inside one of the server's windows, however
 * its windows are aligned. After a 429 every request waits out its `retry-after`.
 */
export class Pacer {
  private interval: number;
  private lastStart = -Infinity;
  private blockedUntil = 0;
  /** Requests take their turns one after another, so each sees the limit learned meanwhile. */
  private turns: Promise<void> = Promise.resolve();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    /** Until the first response tells the limit, go at Resend's default of 2 per second. */
    initialLimit = 2,
    /** Headroom against jitter in when requests reach the server. */
    private readonly margin = 1.03,
  ) {
    this.interval = (1000 * margin) / initialLimit;
  }

  /** Resolves when one more request may start. */
  acquire(): Promise<void> {
    const turn = this.turns.then(() => this.waitTurn());
    this.turns = turn;
    return turn;
  }

  private async waitTurn(): Promise<void> {
    for (;;) {
      const wait = Math.max(this.lastStart + this.interval, this.blockedUntil) - this.now();
      if (wait <= 0) break;
      await this.sleep(Math.min(wait, 50));
    }
    this.lastStart = this.now();
  }

  /** Learns the limit from a response's `ratelimit-limit`. */
  observe(headers: Record<string, string> | null): void {
    const limit = Number(headers?.['ratelimit-limit']);
    if (Number.isFinite(limit) && limit > 0) this.interval = (1000 * this.margin) / limit;
  }

  /** Holds every request back for `ms` (a 429's retry-after). */
  holdFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }
}
