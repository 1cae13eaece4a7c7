import { describe, expect, it } from 'vitest';
import { tool } from '../../test/helpers/pairing.ts';
import { similarity, similarityIndex, wordTokens } from './similarity.ts';

describe('wordTokens', () => {
  it.each([
    [
      'lowercases and splits on punctuation',
      { name: 'SmolLM3', tagline: 'Tiny-model, big reach', description: 'Runs on-device.' },
      ['smollm3', 'tiny', 'model', 'big', 'reach', 'runs', 'device'],
    ],
    ['drops stopwords and one-letter words', { name: 'X', tagline: 'The AI for your docs', description: 'A writer.' }, ['docs', 'writer']],
    [
      'keeps non-Latin words',
      { name: 'Übersetzer', tagline: '翻訳 tool', description: 'Traduction.' },
      ['übersetzer', '翻訳', 'tool', 'traduction'],
    ],
  ])('%s', (_, text, expected) => {
    expect([...wordTokens(text)].sort()).toEqual([...expected].sort());
  });
});

describe('similarity', () => {
  const a = tool('a', { tagline: 'Code review bot for pull requests', pricing: { entry: 'paid' }, ship: 3, skip: 1 });
  const b = tool('b', { tagline: 'Reviews pull requests with comments', pricing: { entry: 'paid' }, ship: 2, skip: 2 });
  const c = tool('c', {
    name: 'Painter',
    tagline: 'Generates images',
    description: 'Pictures.',
    pricing: { entry: 'free' },
    category: 'Images',
  });

  it.each([
    ['identical tools score 1000', tool('x', { ship: 2 }), tool('x', { ship: 2 }), 1000],
    [
      'panel closeness: 75% vs 50% is 150 of 200; same pricing 100; 4 of 9 words (pull, requests, does, things)',
      a,
      b,
      100 + 150 + Math.round((700 * 4) / 9),
    ],
    [
      'nothing in common but an absent panel scores 0',
      c,
      tool('d', { pricing: { entry: 'paid' }, name: 'Zed', tagline: 'Mail sorter', description: 'Inbox.' }),
      0,
    ],
  ])('%s', (_, x, y, expected) => {
    expect(similarity(x, y)).toBe(expected);
  });

  it('ignores category', () => {
    expect(similarity(a, { ...b, category: 'Something else' })).toBe(similarity(a, b));
  });

  it('is symmetric and within 0..1000, and the index agrees with it', () => {
    const tools = [
      a,
      b,
      c,
      tool('e', { tagline: 'Pull requests, images and code', ship: 1, skip: 1 }),
      tool('f', { tagline: 'the a an', description: 'of' }),
    ];
    const index = similarityIndex(tools);
    for (const [i, x] of tools.entries()) {
      for (const [j, y] of tools.entries()) {
        const s = similarity(x, y);
        expect(Number.isInteger(s) && s >= 0 && s <= 1000).toBe(true);
        expect(similarity(y, x)).toBe(s);
        expect(index(i, j)).toBe(s);
      }
    }
  });
});
