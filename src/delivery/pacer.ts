/**
 * Spaces requests to Resend so a fault-free run draws no 429s yet keeps the rate limit's ceiling busy.
 *
 * - Until a first response tells the limit (`ratelimit-limit`), one request goes alone: guessing a limit and
 *   sending at that guess draws 429s from an account whose limit is lower, or from a slow first round trip.
 * - Then requests start evenly spaced at a little under the limit (per second, as Resend counts), so they
 *   never bunch up inside one of the server's windows.
 * - When a response says `ratelimit-remaining: 0`, the next request also waits until the window that response
 *   closed has surely ended: a second after the response to the window's first request came back, since that
 *   request can't have reached the server any later. Timers that run late or a loaded machine only make the
 *   wait longer, never shorter.
 * - After a 429 every request waits out its `retry-after`.
 *
 * A timer wakes a millisecond or so late, which at 100 requests/s would cost a tenth of the rate, so a request
 * that starts a little late keeps its scheduled slot. Half the margin bounds that lateness: no second then
 * holds more requests than the limit.
 */
export class Pacer {
  private interval: number;
  /** How late a request may start and still count as on its slot, in milliseconds. */
  private readonly lateness: number;
  private lastStart = -Infinity;
  private blockedUntil = 0;
  /** The limit the responses told; until then a request goes alone. */
  private limit: number | null = null;
  /** While the limit is unknown: settles when the request that went alone is answered or given back. */
  private probe: { answered: Promise<void>; settle: () => void } | null = null;
  /** When the response to the request that opened the server's current window came back. */
  private openerAnsweredAt: number | null = null;
  /** Requests take their turns one after another, so each sees the limit learned meanwhile. */
  private turns: Promise<void> = Promise.resolve();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    /** The pace while responses don't tell the limit: Resend's default of 2 per second. */
    initialLimit = 2,
    /** Headroom against jitter in when requests reach the server. */
    private readonly margin = 1.015,
  ) {
    this.interval = (1000 * margin) / initialLimit;
    this.lateness = (1000 * (margin - 1)) / 2;
  }

  /** Resolves when one more request may start; that request must then be `observe`d, or given back with `unused`. */
  acquire(): Promise<void> {
    const turn = this.turns.then(() => this.waitTurn());
    this.turns = turn;
    return turn;
  }

  private async waitTurn(): Promise<void> {
    while (this.limit === null && this.probe) await this.probe.answered;
    let slot: number;
    for (;;) {
      slot = Math.max(this.lastStart + this.interval, this.blockedUntil);
      const wait = slot - this.now();
      if (wait <= 0) break;
      await this.sleep(Math.min(wait, 50));
    }
    const now = this.now();
    this.lastStart = now - slot <= this.lateness ? slot : now;
    if (this.limit === null) {
      let settle!: () => void;
      const answered = new Promise<void>((resolve) => (settle = resolve));
      this.probe = { answered, settle };
    }
  }

  /** The request last granted will not be sent after all. */
  unused(): void {
    this.settleProbe();
  }

  private settleProbe(): void {
    this.probe?.settle();
    this.probe = null;
  }

  /** Reads a response's rate-limit headers as it arrives (null: the request got no answer). */
  observe(headers: Record<string, string> | null): void {
    const answeredAt = this.now();
    const limit = Number(headers?.['ratelimit-limit']);
    if (Number.isInteger(limit) && limit > 0) {
      this.limit = limit;
      this.interval = (1000 * this.margin) / limit;
      const remaining = Number(headers?.['ratelimit-remaining']);
      if (remaining === limit - 1) this.openerAnsweredAt = answeredAt;
      if (remaining === 0) {
        // The window's first request reached the server before its answer came back; without that answer, this one bounds it.
        this.blockedUntil = Math.max(this.blockedUntil, (this.openerAnsweredAt ?? answeredAt) + 1000 * this.margin);
        this.openerAnsweredAt = null;
      }
    }
    this.settleProbe();
  }

  /** Holds every request back for `ms` (a 429's retry-after). */
  holdFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + ms);
  }
}
