/**
 * Spaces requests to Resend so a fault-free run draws no 429s yet keeps the rate limit's ceiling busy.
 * Requests start evenly spaced at a little under the limit learned from `ratelimit-limit` (per second,
 * as Resend counts), so they never bunch up inside one of the server's windows. When a response says
 * `ratelimit-remaining: 0`, the next request also waits until the window that request filled has surely
 * ended: a second after the window's first request reached the server, estimated from that request's
 * extra delay over the fastest round trip seen. After a 429 every request waits out its `retry-after`.
 *
 * A timer wakes a millisecond or so late, which at 100 requests/s would cost a tenth of the rate, so a
 * request that starts a little late keeps its scheduled slot. Half the margin bounds that lateness:
 * no second then holds more requests than the limit.
 */
export class Pacer {
  private interval: number;
  /** How late a request may start and still count as on its slot, in milliseconds. */
  private readonly lateness: number;
  private lastStart = -Infinity;
  private blockedUntil = 0;
  private fastestRoundTrip = Infinity;
  /** The request that opened the server's current window: when it left, and how much slower than the fastest it was. */
  private opener: { sentAt: number; lag: number } | null = null;
  /** Requests take their turns one after another, so each sees the limit learned meanwhile. */
  private turns: Promise<void> = Promise.resolve();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    /** Until the first response tells the limit, go at Resend's default of 2 per second. */
    initialLimit = 2,
    /** Headroom against jitter in when requests reach the server. */
    private readonly margin = 1.015,
  ) {
    this.interval = (1000 * margin) / initialLimit;
    this.lateness = (1000 * (margin - 1)) / 2;
  }

  /** Resolves when one more request may start. */
  acquire(): Promise<void> {
    const turn = this.turns.then(() => this.waitTurn());
    this.turns = turn;
    return turn;
  }

  private async waitTurn(): Promise<void> {
    let slot: number;
    for (;;) {
      slot = Math.max(this.lastStart + this.interval, this.blockedUntil);
      const wait = slot - this.now();
      if (wait <= 0) break;
      await this.sleep(Math.min(wait, 50));
    }
    const now = this.now();
    this.lastStart = now - slot <= this.lateness ? slot : now;
  }

  /** Reads a response's rate-limit headers; `sentAt` is when its request started. */
  observe(headers: Record<string, string> | null, sentAt: number): void {
    const roundTrip = this.now() - sentAt;
    // Extra delay splits between the way there and back; with nothing to compare the first round trip with, all of it may have been the way there.
    const lag = Number.isFinite(this.fastestRoundTrip) ? Math.max(0, roundTrip - this.fastestRoundTrip) / 2 : roundTrip;
    this.fastestRoundTrip = Math.min(this.fastestRoundTrip, roundTrip);
    const limit = Number(headers?.['ratelimit-limit']);
    if (!(Number.isInteger(limit) && limit > 0)) return;
    this.interval = (1000 * this.margin) / limit;
    const remaining = Number(headers?.['ratelimit-remaining']);
    if (remaining === limit - 1) this.opener = { sentAt, lag };
    if (remaining === 0 && this.opener) {
      this.blockedUntil = Math.max(this.blockedUntil, this.opener.sentAt + this.opener.lag + 1000 * this.margin);
      this.opener = null;
    }
  }

  /** Holds every request back for `ms` (a 429's retry-after). */
  holdFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }
}
