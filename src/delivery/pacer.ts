/**
 * Spaces requests to Resend so a fault-free run draws no 429s yet keeps the rate limit's ceiling busy.
 * It counts requests in local windows of `windowMs` (Resend's limits are per second), learns the limit
 * from `ratelimit-limit`, trusts `ratelimit-remaining: 0` over its own count, and holds every request
 * back for `retry-after` after a 429.
 */
export class Pacer {
  private limit: number;
  private windowEnds = 0;
  private used = 0;
  private blockedUntil = 0;
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    /** A little over a second, so a window never straddles two of the server's. */
    private readonly windowMs = 1_050,
    initialLimit = 1,
  ) {
    this.limit = initialLimit;
  }

  /** Resolves when one more request may start. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.drain();
    });
  }

  /** Reads a response's rate-limit headers. */
  observe(headers: Record<string, string> | null): void {
    const limit = Number(headers?.['ratelimit-limit']);
    if (Number.isInteger(limit) && limit > 0) this.limit = limit;
    const remaining = Number(headers?.['ratelimit-remaining']);
    const reset = Number(headers?.['ratelimit-reset']);
    if (headers?.['ratelimit-remaining'] !== undefined && remaining === 0 && this.used < this.limit && Number.isFinite(reset)) {
      this.used = this.limit;
      this.windowEnds = Math.max(this.windowEnds, this.now() + reset * 1000);
    }
    this.drain();
  }

  /** Holds every request back for `ms` (a 429's retry-after, or a backoff). */
  holdFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }

  private drain(): void {
    while (this.waiting.length > 0) {
      const now = this.now();
      if (now < this.blockedUntil) return this.wake(this.blockedUntil - now);
      if (now >= this.windowEnds) {
        this.windowEnds = now + this.windowMs;
        this.used = 0;
      }
      if (this.used >= this.limit) return this.wake(this.windowEnds - now);
      this.used++;
      this.waiting.shift()!();
    }
  }

  private wake(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain();
    }, Math.max(1, ms));
  }
}
