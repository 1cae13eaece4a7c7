import { describe, expect, it } from 'vitest';
import { PERSONAS, type Persona, type PanelTake, type Tool } from '../catalog/schema.ts';
import { communityVerdict, compareRank, panelVerdict, pick, reviewerSplit } from './verdict.ts';
import { take, tool } from '../../test/helpers/tools.ts';

/** A panel of `ship` ship votes then `skip` skip votes, all scored `score`, in panel order. */
function votes(ship: number, skip: number, score = 70): PanelTake[] {
  return [
    ...PERSONAS.slice(0, ship).map((p) => take(p, score, 'ship')),
    ...PERSONAS.slice(ship, ship + skip).map((p) => take(p, score, 'skip')),
  ];
}

describe('panelVerdict', () => {
  it.each([
    // ship, skip, label, percent
    [3, 1, 'Ship', 75],
    [2, 2, 'Mixed', 50],
    [4, 0, 'Ship', 100],
    [1, 2, 'Skip', 33],
    [2, 1, 'Ship', 67],
    [1, 1, 'Mixed', 50],
    [0, 3, 'Skip', 0],
    [0, 1, 'Skip', 0],
    [1, 0, 'Ship', 100],
    [2, 3, 'Skip', 40],
    [1, 4, 'Skip', 20],
    [3, 2, 'Ship', 60],
  ] as const)('%i ship / %i skip is %s %i%%', (ship, skip, label, percent) => {
    const verdict = panelVerdict(tool({ panel: votes(ship, skip) }));
    expect(verdict).toMatchObject({ label, percent, ship, skip });
  });

  it('without takes is No verdict with no percentage and no mean score', () => {
    expect(panelVerdict(tool({ panel: [] }))).toEqual({ label: 'No verdict', percent: null, ship: 0, skip: 0, meanScore: null });
  });

  it.each([
    [[take('builder', 87), take('skeptic', 78), take('futurist', 82), take('founder', 52)], 74.75],
    [[take('creator', 0, 'skip')], 0],
    [[take('creator', 100, 'ship'), take('builder', 0, 'skip')], 50],
  ])('mean score of %j is %d', (panel, mean) => {
    expect(panelVerdict(tool({ panel })).meanScore).toBe(mean);
  });

  it('counts votes, not scores: a low-scored ship still counts as ship', () => {
    expect(panelVerdict(tool({ panel: [take('builder', 10, 'ship'), take('skeptic', 95, 'skip')] }))).toMatchObject({
      label: 'Mixed',
      ship: 1,
      skip: 1,
    });
  });
});

describe('communityVerdict', () => {
  it.each([
    // community, expected
    [undefined, { ship: 0, skip: 0, percent: null }],
    [
      { ship: 0, skip: 0 },
      { ship: 0, skip: 0, percent: null },
    ],
    [
      { ship: 3, skip: 1 },
      { ship: 3, skip: 1, percent: 75 },
    ],
    [
      { ship: 2, skip: 1 },
      { ship: 2, skip: 1, percent: 67 },
    ],
    [
      { ship: 1, skip: 2 },
      { ship: 1, skip: 2, percent: 33 },
    ],
    [
      { ship: 0, skip: 5 },
      { ship: 0, skip: 5, percent: 0 },
    ],
    [
      { ship: 7, skip: 0 },
      { ship: 7, skip: 0, percent: 100 },
    ],
    [
      { ship: 1, skip: 7 },
      { ship: 1, skip: 7, percent: 13 },
    ],
  ])('%j gives %j', (community, expected) => {
    expect(communityVerdict(tool(community ? { community } : {}))).toEqual(expected);
  });
});

describe('compareRank and pick', () => {
  const a = (overrides: Partial<Tool>) => tool({ slug: 'alpha', name: 'Alpha', ...overrides });
  const b = (overrides: Partial<Tool>) => tool({ slug: 'beta', name: 'Beta', ...overrides });

  it.each([
    ['higher panel ship % wins', a({ panel: votes(3, 1, 50) }), b({ panel: votes(2, 2, 99) }), 'alpha'],
    ['higher panel ship % wins on the right too', a({ panel: votes(1, 2) }), b({ panel: votes(2, 1) }), 'beta'],
    [
      'panel % beats community %',
      a({ panel: votes(2, 1), community: { ship: 0, skip: 9 } }),
      b({ panel: votes(1, 1), community: { ship: 9, skip: 0 } }),
      'alpha',
    ],
    ['same %: higher mean score wins', a({ panel: votes(2, 2, 60) }), b({ panel: votes(1, 1, 61) }), 'beta'],
    [
      'same % and mean: higher community % wins',
      a({ panel: votes(2, 1), community: { ship: 3, skip: 1 } }),
      b({ panel: votes(2, 1), community: { ship: 1, skip: 1 } }),
      'alpha',
    ],
    ['community votes beat none', a({ panel: votes(2, 1) }), b({ panel: votes(2, 1), community: { ship: 0, skip: 4 } }), 'beta'],
    [
      'all equal: toss-up',
      a({ panel: votes(2, 1), community: { ship: 1, skip: 1 } }),
      b({ panel: votes(2, 1), community: { ship: 2, skip: 2 } }),
      'toss-up',
    ],
    ['no takes and no votes on either side: toss-up', a({}), b({}), 'toss-up'],
    ['a tool with takes ranks above one without', a({ panel: [], community: { ship: 99, skip: 0 } }), b({ panel: votes(0, 3, 5) }), 'beta'],
    ['a 0% panel still ranks above no panel', a({ panel: votes(0, 1, 0) }), b({ panel: [] }), 'alpha'],
    [
      'without takes on either side the community decides',
      a({ community: { ship: 1, skip: 3 } }),
      b({ community: { ship: 3, skip: 1 } }),
      'beta',
    ],
  ])('%s', (_, left, right, expected) => {
    expect(pick(left, right)).toBe(expected);
    // The pick does not depend on which side a tool is on.
    expect(pick(right, left)).toBe(expected);
    const order = compareRank(left, right);
    if (expected === 'toss-up') expect(order).toBe(0);
    else expect(Math.sign(order)).toBe(expected === left.slug ? -1 : 1);
    expect(Math.sign(compareRank(right, left)) + Math.sign(order)).toBe(0);
  });

  it('sorts a list best first', () => {
    const tools = [
      tool({ slug: 'none', panel: [] }),
      tool({ slug: 'half', panel: votes(1, 1) }),
      tool({ slug: 'full', panel: votes(2, 0) }),
      tool({ slug: 'half-high', panel: votes(1, 1, 90) }),
    ];
    expect([...tools].sort(compareRank).map((t) => t.slug)).toEqual(['full', 'half-high', 'half', 'none']);
  });
});

describe('reviewerSplit', () => {
  it('lists only personas with a take on both tools, in panel order, with both scores and verdicts', () => {
    const left = tool({ panel: [take('creator', 60, 'ship'), take('builder', 87, 'ship'), take('founder', 52, 'skip')] });
    const right = tool({ panel: [take('founder', 78, 'ship'), take('skeptic', 40, 'skip'), take('builder', 80, 'ship')] });
    expect(reviewerSplit(left, right)).toEqual({
      rows: [
        { persona: 'builder', left: { score: 87, verdict: 'ship' }, right: { score: 80, verdict: 'ship' }, gap: 7 },
        { persona: 'founder', left: { score: 52, verdict: 'skip' }, right: { score: 78, verdict: 'ship' }, gap: 26 },
      ],
      widest: 'founder',
    });
  });

  it.each([
    // left scores, right scores (persona → score), widest
    ['widest gap wins', { builder: 80, skeptic: 50 }, { builder: 70, skeptic: 90 }, 'skeptic'],
    ['gap is absolute', { builder: 10, skeptic: 50 }, { builder: 70, skeptic: 55 }, 'builder'],
    ['tie goes to builder before skeptic', { builder: 50, skeptic: 60 }, { builder: 70, skeptic: 40 }, 'builder'],
    ['tie goes to futurist before creator', { futurist: 30, creator: 90 }, { futurist: 60, creator: 60 }, 'futurist'],
    ['tie goes to founder before creator, whatever the take order', { creator: 10, founder: 10 }, { creator: 30, founder: 30 }, 'founder'],
    ['all gaps zero: the first persona', { skeptic: 50, founder: 50 }, { skeptic: 50, founder: 50 }, 'skeptic'],
    ['only one shared persona', { creator: 10, builder: 90 }, { creator: 11 }, 'creator'],
  ] as const)('%s', (_, leftScores, rightScores, widest) => {
    const panel = (scores: Partial<Record<Persona, number>>) => Object.entries(scores).map(([p, s]) => take(p as Persona, s));
    expect(reviewerSplit(tool({ panel: panel(leftScores) }), tool({ panel: panel(rightScores) })).widest).toBe(widest);
  });

  it.each([
    ['no persona in common', [take('builder', 80)], [take('skeptic', 40)]],
    ['left has no takes', [], [take('skeptic', 40)]],
    ['neither has takes', [], []],
  ])('%s: no rows and no widest', (_, left, right) => {
    expect(reviewerSplit(tool({ panel: left }), tool({ panel: right }))).toEqual({ rows: [], widest: null });
  });
});
