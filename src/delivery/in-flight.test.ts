import { describe, expect, it } from 'vitest';
import { ByteBudget } from './in-flight.ts';

/** Which of `asks` the budget has granted so far, after the microtasks its grants queue have run. */
async function granted(asks: Promise<void>[]): Promise<boolean[]> {
  const done = asks.map(() => false);
  for (const [i, ask] of asks.entries()) void ask.then(() => (done[i] = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('ByteBudget', () => {
  it('holds no more than its bound at once, serving asks in order as bytes are released', async () => {
    const budget = new ByteBudget(100);
    const asks = [budget.acquire(60), budget.acquire(40), budget.acquire(30), budget.acquire(10)];
    expect(await granted(asks)).toEqual([true, true, false, false]);
    expect(budget.held).toBe(100);
    budget.release(40);
    // 30 fits beside 60; 10 would fit too but waits its turn behind 30.
    expect(await granted(asks)).toEqual([true, true, true, true]);
    expect(budget.held).toBe(100);
  });

  it('lets an ask larger than the bound through alone, once nothing else is held', async () => {
    const budget = new ByteBudget(100);
    const first = budget.acquire(10);
    const large = budget.acquire(250);
    const after = budget.acquire(1);
    expect(await granted([first, large, after])).toEqual([true, false, false]);
    budget.release(10);
    expect(await granted([large, after])).toEqual([true, false]);
    expect(budget.held).toBe(250);
    budget.release(250);
    expect(await granted([after])).toEqual([true]);
  });
});
