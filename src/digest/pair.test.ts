import { describe, expect, it } from 'vitest';
import { categoryKey, type Tool } from '../catalog/schema.ts';
import { UserError } from '../errors.ts';
import { bestMatch, pairKey } from './pair.ts';
import { similarity } from './similarity.ts';
import { compareRank } from './verdict.ts';
import { shuffled, slugs, type ToolFields, tool } from '../../test/helpers/pairing.ts';
import { mulberry32 } from '../../test/helpers/random.ts';

/** Every matching of `items` with floor(n/2) pairs. */
function* matchings<T>(items: T[]): Generator<[T, T][]> {
  if (items.length < 2) {
    yield [];
    return;
  }
  const [first, ...rest] = items;
  if (items.length % 2 === 1) yield* matchings(rest);
  for (let i = 0; i < rest.length; i++) {
    for (const m of matchings(rest.filter((_, j) => j !== i))) yield [[first!, rest[i]!], ...m];
  }
}

type Objective = [sameCategory: number, unsent: number, similarity: number];

function objective(pairs: [Tool, Tool][], sent: ReadonlySet<string>, sim = similarity): Objective {
  return pairs.reduce<Objective>(
    ([same, unsent, total], [a, b]) => [
      same + (categoryKey(a.category) === categoryKey(b.category) ? 1 : 0),
      unsent + (sent.has(pairKey(a.slug, b.slug)) ? 0 : 1),
      total + sim(a, b),
    ],
    [0, 0, 0],
  );
}

const better = (a: Objective, b: Objective) => (a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2]);

function bruteForceBest(tools: Tool[], sent: ReadonlySet<string>): Objective {
  const cache = new Map<string, number>();
  const sim = (a: Tool, b: Tool) => {
    const key = pairKey(a.slug, b.slug);
    if (!cache.has(key)) cache.set(key, similarity(a, b));
    return cache.get(key)!;
  };
  let best: Objective | undefined;
  for (const m of matchings(tools)) {
    const o = objective(m, sent, sim);
    if (!best || better(o, best)) best = o;
  }
  return best!;
}

const WORDS = ['code', 'review', 'image', 'video', 'voice', 'agent', 'chat', 'search', 'notes', 'music', 'data', 'slides'];
const CATEGORIES = ['Design', 'Coding', 'Audio', 'Video'];
const VARIANTS = [(c: string) => c, (c: string) => c.toLowerCase(), (c: string) => `${c.toUpperCase()} `, (c: string) => ` ${c}`];

function randomCatalog(seed: number) {
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const words = (k: number) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  const categories = CATEGORIES.slice(0, 1 + Math.floor(rand() * 4));
  const randomTool = (slug: string, category: string) =>
    tool(slug, {
      category: pick(VARIANTS)(category),
      tagline: words(3),
      description: words(5),
      pricing: { entry: pick(['free', 'freemium', 'paid'] as const) },
      ship: Math.floor(rand() * 3),
      skip: Math.floor(rand() * 3),
      score: Math.floor(rand() * 101),
      ...(rand() < 0.7 ? { community: { ship: Math.floor(rand() * 20), skip: Math.floor(rand() * 20) } } : {}),
    });
  const n = 2 + (seed % 10);
  const newTools = Array.from({ length: n }, (_, i) => randomTool(`new-${i}`, pick(categories)));
  const earlierTools = Array.from({ length: Math.floor(rand() * 5) }, (_, i) => randomTool(`old-${i}`, pick([...categories, 'Other'])));
  const sentPairs = new Set<string>();
  const sentShare = rand();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rand() < sentShare) sentPairs.add(pairKey(`new-${i}`, `new-${j}`));
  return { newTools, earlierTools, sentPairs, rand };
}

/** The rule for a tool left over, written out plainly: an earlier tool of its category (unsent, most similar, slug), else the best-ranked earlier tool. */
function expectedOddPartner(odd: Tool, earlier: Tool[], sent: ReadonlySet<string> = new Set()): Tool | null {
  const bySlug = (a: Tool, b: Tool) => (a.slug < b.slug ? -1 : 1);
  const unsent = (t: Tool) => (sent.has(pairKey(odd.slug, t.slug)) ? 0 : 1);
  const same = earlier.filter((t) => categoryKey(t.category) === categoryKey(odd.category));
  if (same.length > 0)
    return [...same].sort((a, b) => unsent(b) - unsent(a) || similarity(odd, b) - similarity(odd, a) || bySlug(a, b))[0]!;
  return [...earlier].sort((a, b) => compareRank(a, b) || bySlug(a, b))[0] ?? null;
}

/** Every set of disjoint pairs of `items` that `allowed` permits, from none to as many as fit. */
function* partialMatchings<T>(items: T[], allowed: (a: T, b: T) => boolean): Generator<[T, T][]> {
  if (items.length < 2) {
    yield [];
    return;
  }
  const [first, ...rest] = items;
  yield* partialMatchings(rest, allowed);
  for (let i = 0; i < rest.length; i++) {
    if (!allowed(first!, rest[i]!)) continue;
    for (const m of partialMatchings(
      rest.filter((_, j) => j !== i),
      allowed,
    ))
      yield [[first!, rest[i]!], ...m];
  }
}

/**
 * The SPEC's pairing rule by exhaustion: among the ways to pair new tools where each category keeps floor(n/2) of
 * its tools in same-category pairs, a tool of a category with earlier tools never pairs across categories (its
 * leftover meets an earlier tool of its category), and at most one tool is left for the best-ranked earlier tool,
 * the best (unsent comparisons, total similarity), counting the comparisons with earlier tools of the same category.
 */
function bruteForceRule(tools: Tool[], earlier: Tool[], sent: ReadonlySet<string>): [unsent: number, similarity: number] {
  const withEarlier = new Set(earlier.map((t) => categoryKey(t.category)));
  const count = new Map<string, number>();
  for (const t of tools) count.set(categoryKey(t.category), (count.get(categoryKey(t.category)) ?? 0) + 1);
  const partner = new Map(tools.map((t) => [t, withEarlier.has(categoryKey(t.category)) ? expectedOddPartner(t, earlier, sent) : null]));
  const cache = new Map<string, number>();
  const sim = (a: Tool, b: Tool) => {
    const key = pairKey(a.slug, b.slug);
    if (!cache.has(key)) cache.set(key, similarity(a, b));
    return cache.get(key)!;
  };
  let best: [number, number] | undefined;
  // A pair across categories is never allowed for a category with earlier tools; enumerating only the others is the same search, faster.
  const allowed = (a: Tool, b: Tool) =>
    categoryKey(a.category) === categoryKey(b.category) ||
    (!withEarlier.has(categoryKey(a.category)) && !withEarlier.has(categoryKey(b.category)));
  for (const m of partialMatchings(tools, allowed)) {
    const same = new Map<string, number>();
    let valid = true;
    for (const [a, b] of m) {
      const [ka, kb] = [categoryKey(a.category), categoryKey(b.category)];
      if (ka === kb) same.set(ka, (same.get(ka) ?? 0) + 1);
      else if (withEarlier.has(ka) || withEarlier.has(kb)) valid = false;
    }
    for (const [key, n] of count) if ((same.get(key) ?? 0) !== Math.floor(n / 2)) valid = false;
    const paired = new Set(m.flat());
    const alone = tools.filter((t) => !paired.has(t));
    if (!valid || alone.filter((t) => !withEarlier.has(categoryKey(t.category))).length > 1) continue;
    const score: [number, number] = [0, 0];
    for (const [a, b] of [...m, ...alone.flatMap((t) => (partner.get(t) ? [[t, partner.get(t)!] as [Tool, Tool]] : []))]) {
      score[0] += sent.has(pairKey(a.slug, b.slug)) ? 0 : 1;
      score[1] += sim(a, b);
    }
    if (!best || score[0] > best[0] || (score[0] === best[0] && score[1] > best[1])) best = score;
  }
  return best!;
}

describe('pairKey', () => {
  it('is the same for both orders', () => {
    expect(pairKey('b-tool', 'a-tool')).toBe('a-tool|b-tool');
    expect(pairKey('a-tool', 'b-tool')).toBe('a-tool|b-tool');
  });
});

describe('bestMatch', () => {
  it('equals the brute-force optimum of the pairing rule on 400 random catalogs, and ignores input order', () => {
    for (let seed = 0; seed < 400; seed++) {
      const { newTools, earlierTools, sentPairs, rand } = randomCatalog(seed);
      const pairing = bestMatch(newTools, earlierTools, sentPairs);
      const withEarlier = new Set(earlierTools.map((t) => categoryKey(t.category)));
      const newPairs = pairing
        .filter(({ right }) => right !== null && newTools.includes(right))
        .map(({ left, right }) => [left, right!] as [Tool, Tool]);
      const leftOver = pairing.slice(newPairs.length);
      expect(pairing.slice(0, newPairs.length).map(({ left }) => left.slug)).toEqual(newPairs.map(([left]) => left.slug).sort());
      for (const [left, right] of newPairs) expect(left.slug < right.slug).toBe(true);
      expect(leftOver.map(({ left }) => left.slug)).toEqual(leftOver.map(({ left }) => left.slug).sort());
      expect(new Set([...newPairs.flat(), ...leftOver.map(({ left }) => left)])).toEqual(new Set(newTools));
      expect(newPairs.length * 2 + leftOver.length).toBe(newTools.length);
      for (const { left, right } of leftOver) {
        expect(right).toBe(expectedOddPartner(left, earlierTools, sentPairs));
        if (right && withEarlier.has(categoryKey(left.category))) expect(categoryKey(right.category)).toBe(categoryKey(left.category));
      }
      const score = [
        ...newPairs,
        ...leftOver.flatMap(({ left, right }) =>
          right && withEarlier.has(categoryKey(left.category)) ? [[left, right] as [Tool, Tool]] : [],
        ),
      ].reduce<[number, number]>(([u, s], [a, b]) => [u + (sentPairs.has(pairKey(a.slug, b.slug)) ? 0 : 1), s + similarity(a, b)], [0, 0]);
      expect(score, `seed ${seed}`).toEqual(bruteForceRule(newTools, earlierTools, sentPairs));
      const again = bestMatch(shuffled(newTools, rand), shuffled(earlierTools, rand), sentPairs);
      expect(slugs(again)).toEqual(slugs(pairing));
    }
  });

  it('without earlier tools, still equals the plain best matching (same category, unsent, similarity)', () => {
    for (let seed = 0; seed < 200; seed++) {
      const { newTools, sentPairs } = randomCatalog(seed);
      const pairing = bestMatch(newTools, [], sentPairs);
      const newPairs = pairing.filter(({ right }) => right !== null).map(({ left, right }) => [left, right!] as [Tool, Tool]);
      expect(newPairs).toHaveLength(Math.floor(newTools.length / 2));
      expect(objective(newPairs, sentPairs), `seed ${seed}`).toEqual(bruteForceBest(newTools, sentPairs));
    }
  });

  it.each([
    ['no new tools', [], []],
    ['one new tool and no earlier tool: listed alone', [tool('solo')], [['solo', null]]],
  ])('%s', (_, newTools, expected) => {
    expect(slugs(bestMatch(newTools, [], new Set()))).toEqual(expected);
  });

  const coder = (slug: string, fields: ToolFields = {}) => tool(slug, { tagline: 'Code review bot for pull requests', ...fields });
  const painter = (slug: string, fields: ToolFields = {}) => tool(slug, { tagline: 'Paints images from prompts', ...fields });

  it.each([
    [
      'pairs the most similar tools',
      [],
      [
        ['coder-a', 'coder-b'],
        ['painter-a', 'painter-b'],
      ],
    ],
    [
      'avoids a repeat when an equal-category alternative exists',
      ['coder-a|coder-b'],
      [
        ['coder-a', 'painter-a'],
        ['coder-b', 'painter-b'],
      ],
    ],
  ])('same category: %s', (_, sent, expected) => {
    const tools = [coder('coder-a'), coder('coder-b'), painter('painter-a'), painter('painter-b')];
    expect(slugs(bestMatch(tools, [], new Set(sent)))).toEqual(expected);
  });

  it('repeats a pair when that is the only way to keep the same-category count', () => {
    const tools = [
      coder('coder-a', { category: 'Coding' }),
      coder('coder-b', { category: ' coding' }),
      painter('painter-a'),
      painter('painter-b', { category: 'DESIGN ' }),
    ];
    const sent = new Set([pairKey('coder-a', 'coder-b'), pairKey('painter-a', 'painter-b')]);
    expect(slugs(bestMatch(tools, [], sent))).toEqual([
      ['coder-a', 'coder-b'],
      ['painter-a', 'painter-b'],
    ]);
  });

  it('keeps the same-category count even when those pairs were all sent and the others look alike', () => {
    const topics = ['invoices', 'podcasts', 'recipes'];
    const tools = topics.flatMap((topic, i) => [
      tool(`code-${i}`, { name: 'C', category: 'Coding', tagline: `Plans ${topic}` }),
      tool(`design-${i}`, { name: 'D', category: 'Design', tagline: `Plans ${topic}` }),
    ]);
    const sent = new Set(
      tools.flatMap((a) => tools.filter((b) => a.category === b.category && a.slug < b.slug).map((b) => pairKey(a.slug, b.slug))),
    );
    const pairs = bestMatch(tools, [], sent).map(({ left, right }) => [left, right!] as [Tool, Tool]);
    expect(objective(pairs, sent).slice(0, 2)).toEqual([2, 1]);
  });

  it('leaves out the tool whose category cannot pair it, and compares it last', () => {
    const tools = [painter('painter-b'), coder('coder-a', { category: 'Coding' }), painter('painter-a')];
    const earlier = [coder('old-coder', { category: 'coding' }), painter('old-painter')];
    expect(slugs(bestMatch(tools, earlier, new Set()))).toEqual([
      ['painter-a', 'painter-b'],
      ['coder-a', 'old-coder'],
    ]);
  });

  it('stops with a sentence a user can act on, not a bug report, for more new tools than it can pair exactly', () => {
    const tools = Array.from({ length: 30_000 }, (_, i) => tool(`tool-${i}`));
    expect(() => bestMatch(tools, [], new Set())).toThrow(UserError);
    expect(() => bestMatch(tools, [], new Set())).toThrow(
      '30000 new tools in one week are more than best-match can pair exactly; leave some out with "exclude" in the week\'s edition file, or build with --strategy spotlight.',
    );
  });

  it('gives each odd category with earlier tools its own earlier partner instead of a cross-category pair', () => {
    const tools = [
      painter('painter-a'),
      coder('coder-a', { category: 'Coding' }),
      tool('writer-a', { category: 'Writing', tagline: 'Drafts essays' }),
    ];
    const earlier = [
      coder('old-coder', { category: 'coding' }),
      painter('old-painter'),
      tool('old-writer', { category: 'writing', tagline: 'Drafts essays' }),
    ];
    expect(slugs(bestMatch(tools, earlier, new Set()))).toEqual([
      ['coder-a', 'old-coder'],
      ['painter-a', 'old-painter'],
      ['writer-a', 'old-writer'],
    ]);
  });

  it('pairs across categories only the tools whose category has no earlier tool; one left over meets the best-ranked earlier tool', () => {
    const tools = [
      painter('painter-a'),
      tool('audio-a', { category: 'Audio', tagline: 'Cleans up voice' }),
      tool('video-a', { category: 'Video', tagline: 'Cleans up voice in video' }),
      tool('music-a', { category: 'Music' }),
    ];
    const earlier = [painter('old-painter', { skip: 1 }), tool('old-top', { category: 'Coding', ship: 3 })];
    expect(slugs(bestMatch(tools, earlier, new Set()))).toEqual([
      ['audio-a', 'video-a'],
      ['music-a', 'old-top'],
      ['painter-a', 'old-painter'],
    ]);
  });

  it('chooses which tool of an odd category meets the earlier tool so that the comparisons are the most similar overall', () => {
    const tools = [
      tool('design-a', { tagline: 'Turns sketches into slides' }),
      tool('design-b', { tagline: 'Mixes palettes for brands' }),
      tool('design-c', { tagline: 'Mixes palettes for logos' }),
    ];
    const earlier = [tool('old-design', { tagline: 'Turns sketches into slides' })];
    expect(slugs(bestMatch(tools, earlier, new Set()))).toEqual([
      ['design-b', 'design-c'],
      ['design-a', 'old-design'],
    ]);
  });
});
