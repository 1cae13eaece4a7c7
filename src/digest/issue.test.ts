import { describe, expect, it } from 'vitest';
import { PERSONAS, type PanelTake, type Tool } from '../catalog/schema.ts';
import { buildIssue, comparisonsFor, sentPairsOf, toSide } from './issue.ts';
import { Issue, type Comparison } from './schema.ts';
import { weekRange } from './week.ts';

function votes(ship: number, skip: number, score = 70): PanelTake[] {
  return PERSONAS.slice(0, ship + skip).map((persona, i) => ({ persona, score, verdict: i < ship ? 'ship' : 'skip', take: 'A take.' }));
}

function tool(slug: string, overrides: Partial<Tool> = {}): Tool {
  return {
    slug,
    name: slug
      .split('-')
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(' '),
    tagline: `The ${slug} tagline`,
    category: 'Developer Tools',
    description: `What ${slug} does.`,
    url: `https://${slug}.example`,
    addedAt: '2026-11-17',
    pricing: { entry: 'free' },
    panel: votes(2, 1),
    ...overrides,
  };
}

const OPTIONS = { strategy: 'best-match' as const, sentPairs: new Set<string>() };

function build(catalog: Tool[], week = '2026-W47', timezone = 'UTC') {
  return buildIssue(catalog, weekRange(week, timezone), timezone, OPTIONS);
}

/** Each comparison as "left|right" (right "-" when alone). */
function shape(comparisons: readonly Comparison[]): string[] {
  return comparisons.map((c) => `${c.left.slug}|${c.right?.slug ?? '-'}`).sort();
}

function comparison(left: Tool, right: Tool | null): Comparison {
  return {
    left: toSide(left, true),
    right: right ? toSide(right, true) : null,
    pick: left.slug,
    summary: 'A summary.',
    reviewerSplit: { rows: [], widest: null },
  };
}

describe('comparisonsFor', () => {
  const issue: Issue = {
    week: '2026-W47',
    timezone: 'UTC',
    intro: null,
    pairingFlags: null,
    strategy: 'best-match',
    comparisons: [
      comparison(tool('dev-one', { category: 'Developer Tools' }), tool('research-one', { category: 'Research' })),
      comparison(tool('design-one', { category: 'Design' }), tool('design-two', { category: 'Design' })),
      comparison(tool('research-two', { category: ' research ' }), null),
    ],
  };

  it.each([
    // categories, the comparisons' left slugs
    [[], ['dev-one', 'design-one', 'research-two']],
    [['Research'], ['dev-one', 'research-two']],
    [['research'], ['dev-one', 'research-two']],
    [['  RESEARCH  '], ['dev-one', 'research-two']],
    [['developer tools'], ['dev-one']],
    [[' Design'], ['design-one']],
    [
      ['Design', 'Developer Tools'],
      ['dev-one', 'design-one'],
    ],
    [['Marketing'], []],
    [['Marketing', 'design'], ['design-one']],
    [['Developer'], []],
  ])('%j gets %j', (categories, slugs) => {
    expect(comparisonsFor(issue, categories).map((c) => c.left.slug)).toEqual(slugs);
  });
});

describe('sentPairsOf', () => {
  it('collects every head-to-head of every issue as an order-independent key, without solo listings', () => {
    const issue = (comparisons: Comparison[]): Issue => ({
      week: '2026-W46',
      timezone: 'UTC',
      strategy: 'best-match',
      intro: null,
      pairingFlags: null,
      comparisons,
    });
    const pairs = sentPairsOf([
      issue([comparison(tool('zeta'), tool('alpha')), comparison(tool('solo'), null)]),
      issue([comparison(tool('beta'), tool('gamma'))]),
      issue([]),
    ]);
    expect([...pairs].sort()).toEqual(['alpha|zeta', 'beta|gamma']);
  });

  it('is empty without issues', () => {
    expect(sentPairsOf([]).size).toBe(0);
  });
});

describe('buildIssue', () => {
  // 2026-W47 in UTC: Monday 2026-11-16 00:00 to Monday 2026-11-23 00:00.
  const catalog = [
    tool('alpha', { addedAt: '2026-11-16' }),
    tool('beta', { addedAt: '2026-11-18T10:00:00Z' }),
    tool('gamma', { category: 'Research', addedAt: '2026-11-22T23:59:59Z' }),
    tool('old-dev', { addedAt: '2026-11-01', panel: votes(3, 0) }),
    tool('old-research', { category: 'Research', addedAt: '2026-11-15T23:59:59Z', panel: votes(0, 2) }),
    tool('later-research', { category: 'Research', addedAt: '2026-11-23' }),
  ];

  it('pairs the new tools and compares the odd one with an earlier tool of its category', () => {
    const issue = build(catalog);
    expect(issue).toMatchObject({ week: '2026-W47', timezone: 'UTC', strategy: 'best-match' });
    expect(shape(issue.comparisons)).toEqual(['alpha|beta', 'gamma|old-research']);
    expect(() => Issue.parse(issue)).not.toThrow();
  });

  it('marks new tools new and the earlier partner not new', () => {
    const sides = build(catalog).comparisons.flatMap((c) => [c.left, c.right!]);
    expect(Object.fromEntries(sides.map((s) => [s.slug, s.isNew]))).toEqual({
      alpha: true,
      beta: true,
      gamma: true,
      'old-research': false,
    });
  });

  it('writes a pick, a reviewer split and a summary for every comparison', () => {
    for (const c of build(catalog).comparisons) {
      expect([c.left.slug, c.right?.slug, 'toss-up']).toContain(c.pick);
      expect(c.summary.length).toBeGreaterThan(0);
      expect(c.summary).toContain(c.left.name);
    }
  });

  it('never uses a tool added after the week, neither as new nor as an earlier partner', () => {
    // The only other Research tool comes after the week: gamma falls back to the best-rated earlier tool.
    const issue = build(catalog.filter((t) => t.slug !== 'old-research'));
    expect(shape(issue.comparisons)).toEqual(['alpha|beta', 'gamma|old-dev']);
    expect(JSON.stringify(issue)).not.toContain('later-research');
  });

  it('lists a lone new tool on its own when there is no earlier tool', () => {
    const issue = build([tool('gamma', { addedAt: '2026-11-20' }), tool('later', { addedAt: '2026-11-30' })]);
    expect(shape(issue.comparisons)).toEqual(['gamma|-']);
    expect(issue.comparisons[0]).toMatchObject({ pick: 'gamma', reviewerSplit: { rows: [], widest: null } });
    expect(issue.comparisons[0]!.left.isNew).toBe(true);
  });

  it.each([
    ['a week before any tool', '2026-W40'],
    ['a week after every tool', '2026-W50'],
  ])('has no comparisons for %s', (_, week) => {
    expect(build(catalog, week).comparisons).toEqual([]);
  });

  it('does not depend on the order of the catalog', () => {
    expect(build([...catalog].reverse())).toEqual(build(catalog));
  });

  it.each([
    // A Sunday-evening tool in New York (Monday 04:30 in UTC) is in W46 there and in W47 in UTC.
    ['America/New_York', '2026-W46', ['early|sunday-night']],
    ['UTC', '2026-W47', ['monday|sunday-night']],
    // In New York W47, monday is alone with two earlier tools of its category; sunday-night is the more similar.
    ['America/New_York', '2026-W47', ['monday|sunday-night']],
  ])('selects by the local week in %s (%s)', (timezone, week, expected) => {
    const issue = build(
      [
        tool('early', { addedAt: '2026-11-10', name: 'Unrelated', tagline: 'Other', description: 'Nothing alike.' }),
        tool('sunday-night', { addedAt: '2026-11-15T23:30:00-05:00', tagline: 'Week tool', description: 'A week tool.' }),
        tool('monday', { addedAt: '2026-11-16', tagline: 'Week tool', description: 'A week tool.' }),
      ],
      week,
      timezone,
    );
    expect(shape(issue.comparisons)).toEqual(expected);
    const isNew = Object.fromEntries(issue.comparisons.flatMap((c) => [c.left, c.right!]).map((s) => [s.slug, s.isNew]));
    expect(isNew['sunday-night']).toBe(!(timezone === 'America/New_York' && week === '2026-W47'));
  });

  it('treats a date-only addedAt as local midnight: Monday in Auckland starts on Sunday in UTC', () => {
    const tz = 'Pacific/Auckland';
    const issue = build(
      [tool('first', { addedAt: '2026-11-16' }), tool('second', { addedAt: '2026-11-22' }), tool('next-week', { addedAt: '2026-11-23' })],
      '2026-W47',
      tz,
    );
    expect(shape(issue.comparisons)).toEqual(['first|second']);
  });
});
