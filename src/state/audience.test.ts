import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/helpers/random.ts';
import { SubscriberList } from '../subscribers/list.ts';
import { sortByAddress } from './audience.ts';

describe('sortByAddress', () => {
  it('orders slots as sorting their addresses does: past shared prefixes longer than the radix reads, prefixes of each other, and characters from 254 up', () => {
    const random = mulberry32(5);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const parts = [
      '',
      'a',
      'b',
      '.',
      '-',
      '0',
      '9',
      '@',
      'francois.lukasiewicz',
      'x'.repeat(23),
      '\u00fe',
      '\u00ff',
      '\u0100',
      'ü',
      '日本',
    ];
    for (let round = 0; round < 20; round++) {
      const list = new SubscriberList();
      const size = 1 + Math.floor(random() * 400);
      while (list.size < size) {
        const email = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(parts)).join('');
        list.foldRow({ email, name: null, categories: [], status: 'active' });
      }
      const slots = Int32Array.from({ length: list.size }, (_, slot) => slot).filter(() => random() < 0.8);
      const sorted = sortByAddress(list, slots);
      expect(Array.from(sorted, (slot) => list.emailAt(slot))).toEqual(Array.from(slots, (slot) => list.emailAt(slot)).sort());
    }
  });
});
