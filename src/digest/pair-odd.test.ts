// pair.ts one tool at a time: the partner an odd tool gets, and the spotlight strategy; bestMatch is in pair.test.ts.
import { describe, expect, it } from 'vitest';
import { bestMatch, oddToolMatch, pairKey, spotlight } from './pair.ts';
import { shuffled, slugs, tool } from '../../test/helpers/pairing.ts';
import { mulberry32 } from '../../test/helpers/random.ts';

describe('oddToolMatch', () => {
  const odd = tool('new', { category: 'Design', tagline: 'Turns sketches into slides' });
  it.each([
    [
      'the most similar earlier tool of its category',
      [
        tool('far', { category: 'Design' }),
        tool('near', { category: ' design', tagline: 'Turns sketches into decks' }),
        tool('twin', { category: 'Audio', tagline: 'Turns sketches into slides' }),
      ],
      'near',
    ],
    ['on a similarity tie, the smaller slug', [tool('b-same', { category: 'DESIGN' }), tool('a-same')], 'a-same'],
    [
      'with none of its category, the best-ranked earlier tool',
      [
        tool('mixed', { category: 'Audio', ship: 2, skip: 2 }),
        tool('ship-low', { category: 'Audio', ship: 3, skip: 1, score: 60 }),
        tool('ship-high', { category: 'Video', ship: 3, skip: 1, score: 80 }),
      ],
      'ship-high',
    ],
    [
      'then by community ship percentage',
      [
        tool('crowd-low', { category: 'Audio', community: { ship: 1, skip: 9 } }),
        tool('crowd-high', { category: 'Audio', community: { ship: 9, skip: 1 } }),
      ],
      'crowd-high',
    ],
    ['then by slug', [tool('zed', { category: 'Audio' }), tool('abc', { category: 'Audio' })], 'abc'],
    ['with no earlier tool, nobody', [], null],
  ])('%s', (_, earlier, expected) => {
    expect(oddToolMatch(odd, earlier)?.slug ?? null).toBe(expected);
    expect(slugs(bestMatch([odd], earlier, new Set()))).toEqual([['new', expected]]);
  });

  it('prefers an earlier tool of its category it was not compared with before', () => {
    const earlier = [tool('near', { tagline: 'Turns sketches into slides' }), tool('far')];
    expect(oddToolMatch(odd, earlier, new Set([pairKey('new', 'near')]))?.slug).toBe('far');
    expect(oddToolMatch(odd, [earlier[0]!], new Set([pairKey('new', 'near')]))?.slug).toBe('near');
  });
});

describe('spotlight', () => {
  const newTools = [
    tool('alpha', { community: { ship: 5, skip: 5 } }),
    tool('beta', { community: { ship: 20, skip: 5 }, ship: 2, skip: 2 }),
    tool('gamma', { community: { ship: 1, skip: 24 }, ship: 3, skip: 1 }),
    tool('delta'),
  ];
  const earlier = [tool('skillclaw', { category: 'Coding' })];

  it.each([
    [
      "the editor's choice among new tools",
      'beta',
      [
        ['alpha', 'beta'],
        ['delta', 'beta'],
        ['gamma', 'beta'],
      ],
    ],
    [
      "the editor's choice among earlier tools",
      'skillclaw',
      [
        ['alpha', 'skillclaw'],
        ['beta', 'skillclaw'],
        ['delta', 'skillclaw'],
        ['gamma', 'skillclaw'],
      ],
    ],
    [
      'by default the most votes, then the best panel',
      undefined,
      [
        ['alpha', 'gamma'],
        ['beta', 'gamma'],
        ['delta', 'gamma'],
      ],
    ],
  ])('%s', (_, choice, expected) => {
    const rand = mulberry32(3);
    expect(slugs(spotlight(newTools, earlier, new Set(), choice))).toEqual(expected);
    expect(slugs(spotlight(shuffled(newTools, rand), earlier, new Set(), choice))).toEqual(expected);
  });

  it('breaks a full tie by slug', () => {
    expect(slugs(spotlight([tool('b'), tool('a'), tool('c')], [], new Set()))).toEqual([
      ['b', 'a'],
      ['c', 'a'],
    ]);
  });

  it('throws for a spotlight outside the catalog', () => {
    expect(() => spotlight(newTools, earlier, new Set(), 'nope')).toThrow('Spotlight tool "nope" is not in the catalog.');
  });

  it.each([
    ['one new tool: the odd-tool rule', [tool('solo')], undefined, [['solo', 'skillclaw']]],
    ['one new tool that is the spotlight: the odd-tool rule', [tool('solo')], 'solo', [['solo', 'skillclaw']]],
    ['no new tools', [], undefined, []],
  ])('%s', (_, tools, choice, expected) => {
    expect(slugs(spotlight(tools, earlier, new Set(), choice))).toEqual(expected);
  });
});
