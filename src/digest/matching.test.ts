import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/helpers/random.ts';
import { maxWeightMatching } from './matching.ts';

/** The best total weight of a matching with floor(n/2) pairs, by dynamic programming over vertex subsets. */
function bestTotalWeight(n: number, weight: (i: number, j: number) => number): number {
  const best = new Float64Array(1 << n);
  for (let set = 1; set < 1 << n; set++) {
    const i = 31 - Math.clz32(set & -set);
    const rest = set & ~(1 << i);
    let size = 0;
    for (let s = set; s; s &= s - 1) size++;
    let value = size % 2 === 1 ? best[rest]! : -Infinity; // an odd set leaves one vertex over, maybe i
    for (let s = rest; s; s &= s - 1) {
      const j = 31 - Math.clz32(s & -s);
      value = Math.max(value, weight(i, j) + best[rest & ~(1 << j)]!);
    }
    best[set] = value;
  }
  return best[(1 << n) - 1]!;
}

describe('maxWeightMatching', () => {
  const uniform = (range: number) => (n: number, rand: () => number) => Array.from({ length: n * n }, () => Math.floor(rand() * range));
  it.each([
    ['with many ties', uniform(3)],
    ['with few ties', uniform(1000)],
    ['with a wide range', uniform(1e9)],
    [
      'whose weights mostly follow vertex values',
      (n: number, rand: () => number) => {
        const value = Array.from({ length: n }, () => Math.floor(rand() * 100));
        return Array.from({ length: n * n }, (_, k) => value[Math.floor(k / n)]! + value[k % n]! + Math.floor(rand() * 10));
      },
    ],
  ])('finds the best maximum-cardinality matching of 600 random complete graphs %s', (_, weights) => {
    const rand = mulberry32(1);
    for (let c = 0; c < 600; c++) {
      const n = c % 17;
      const w = weights(n, rand);
      const weight = (i: number, j: number) => w[i * n + j]!;
      const mate = maxWeightMatching(n, weight);
      let total = 0;
      mate.forEach((m, i) => {
        if (m !== -1) expect(mate[m]).toBe(i);
        if (i < m) total += weight(i, m);
      });
      expect(mate.filter((m) => m === -1)).toHaveLength(n % 2);
      expect(total).toBe(bestTotalWeight(n, weight));
    }
  });
});
