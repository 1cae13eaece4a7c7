import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows `limit` hits per window and key, then says when to retry', () => {
    const limiter = new RateLimiter(2, 60_000);
    expect(limiter.take('a', 0)).toEqual({ ok: true });
    expect(limiter.take('a', 10_000)).toEqual({ ok: true });
    expect(limiter.take('b', 10_000)).toEqual({ ok: true });
    expect(limiter.take('a', 20_000)).toEqual({ ok: false, retryAfterSeconds: 40 });
    expect(limiter.take('a', 60_001)).toEqual({ ok: true });
  });
});
