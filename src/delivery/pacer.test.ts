import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.ts';

/** A pacer on a virtual clock: sleeping advances time, so the test runs instantly. */
function virtualPacer(initialLimit = 2) {
  let clock = 0;
  const pacer = new Pacer(
    () => clock,
    async (ms) => {
      clock += ms;
    },
    initialLimit,
  );
  const starts: number[] = [];
  const acquire = async () => {
    await pacer.acquire();
    starts.push(clock);
    return clock;
  };
  return { pacer, acquire, starts, now: () => clock, advance: (ms: number) => (clock += ms) };
}

const headers = (limit: number, remaining: number) => ({
  'ratelimit-limit': String(limit),
  'ratelimit-remaining': String(remaining),
  'ratelimit-reset': '1',
});

describe('Pacer', () => {
  it('spaces requests evenly at a little under the learned limit', async () => {
    const { pacer, acquire, starts } = virtualPacer();
    await acquire();
    pacer.observe(headers(10, 9));
    for (let i = 0; i < 20; i++) await acquire();
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(101);
    expect(Math.max(...gaps)).toBeLessThan(110);
    // Never more than the limit in any one-second span.
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(10);
  });

  it('keeps the pace at 100 per second when every timer wakes late, and still never exceeds the limit', async () => {
    let clock = 0;
    let seed = 7;
    const late = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed / 2147483647) * 3;
    };
    const pacer = new Pacer(
      () => clock,
      async (ms) => {
        clock += ms + late();
      },
      100,
    );
    const starts: number[] = [];
    for (let i = 0; i < 1000; i++) {
      await pacer.acquire();
      starts.push(clock);
      if (i === 0) pacer.observe(headers(100, 99));
    }
    const perSecond = (starts.length - 1) / ((starts.at(-1)! - starts[0]!) / 1000);
    expect(perSecond).toBeGreaterThan(97);
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(100);
  });

  it('sends nothing else until the first response tells the limit, then paces at that limit', async () => {
    const { pacer, acquire, advance, starts } = virtualPacer();
    await acquire();
    let second = false;
    const next = acquire().then(() => (second = true));
    advance(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(second).toBe(false);
    pacer.observe(headers(10, 9));
    await next;
    await acquire();
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(101);
    expect(starts[2]! - starts[1]!).toBeLessThan(110);
  });

  it('lets the next request probe when the first got no answer or was given back', async () => {
    const { pacer, acquire, starts } = virtualPacer();
    await acquire();
    pacer.observe(null);
    await acquire();
    pacer.unused();
    await acquire();
    // Without a learned limit: Resend's default of 2 per second.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(500);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(500);
  });

  it('after a full window, waits a second past the answer to the request that opened it, however slow it was', async () => {
    const { pacer, acquire, advance } = virtualPacer(1);
    const first = await acquire();
    advance(300); // a slow first round trip: it may have reached the server only now
    pacer.observe(headers(1, 0));
    expect(await acquire()).toBeGreaterThanOrEqual(first + 300 + 1000);
  });

  it('measures the window from its first request, not from the one that filled it', async () => {
    const { pacer, acquire, advance } = virtualPacer(2);
    const a = await acquire();
    advance(20);
    pacer.observe(headers(2, 1));
    const b = await acquire();
    advance(20);
    pacer.observe(headers(2, 0));
    const c = await acquire();
    expect(c).toBeGreaterThanOrEqual(a + 20 + 1000);
    expect(c - b).toBeLessThan(1000);
  });

  it("holds every request back for a 429's retry-after", async () => {
    const { pacer, acquire } = virtualPacer(100);
    const first = await acquire();
    pacer.observe(headers(100, 99));
    pacer.holdFor(2000);
    expect(await acquire()).toBeGreaterThanOrEqual(first + 2000);
  });
});
