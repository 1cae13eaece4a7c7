/** A sliding-window limit in memory: at most `limit` hits per key within `windowMs`. Time comes from the caller. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts a hit for `key` at `now` (ms), or refuses it with the seconds until the oldest hit leaves the window. */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (this.hits.size > 10_000) this.sweep(now);
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    const [oldest] = recent;
    if (recent.length >= this.limit && oldest !== undefined) {
      this.hits.set(key, recent);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    this.hits.set(key, [...recent, now]);
    return { ok: true };
  }

  private sweep(now: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((t) => t <= now - this.windowMs)) this.hits.delete(key);
    }
  }
}
