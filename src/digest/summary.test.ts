import { describe, expect, it } from 'vitest';
import { PERSONAS, type PanelTake, type Tool } from '../catalog/schema.ts';
import { toSide } from './issue.ts';
import { summarize, type ComparisonDraft } from './summary.ts';
import { pick, reviewerSplit } from './verdict.ts';
import { take, tool } from '../../test/helpers/tools.ts';

/** `ship` ship takes then `skip` skip takes, scored from `scores` (or 70), in panel order. */
function votes(ship: number, skip: number, scores: number[] = []): PanelTake[] {
  return PERSONAS.slice(0, ship + skip).map((p, i) => take(p, scores[i] ?? 70, i < ship ? 'ship' : 'skip'));
}

function draft(left: Tool, right: Tool | null): ComparisonDraft {
  if (right === null) return { left: toSide(left, true), right: null, pick: left.slug, reviewerSplit: { rows: [], widest: null } };
  return { left: toSide(left, true), right: toSide(right, true), pick: pick(left, right), reviewerSplit: reviewerSplit(left, right) };
}

/** Sentence ends, with tool names (which may hold dots, "Next.js") taken out first. */
function sentenceCount(summary: string, names: string[]): number {
  let text = summary;
  for (const name of [...names].sort((a, b) => b.length - a.length)) text = text.split(name).join('TOOL');
  return (text.match(/[.!?](?=\s|$)/g) ?? []).length;
}

/** The tool names in the order the summary first mentions them. */
function mentionOrder(summary: string, names: string[]): string[] {
  return names.filter((n) => summary.includes(n)).sort((a, b) => summary.indexOf(a) - summary.indexOf(b));
}

const OTHER_TOOLS = ['SkillClaw', 'SmolLM3', 'SmolVLM2', 'Glyphsmith'];

const smol = tool({ slug: 'next-js-pilot', name: 'Next.js Pilot', panel: votes(3, 1, [87, 78, 82, 52]) });
const mistral = tool({ slug: 'mistral-8x24b', name: 'Mistral 8x24B', pricing: { entry: 'paid' }, panel: votes(2, 2, [80, 40, 70, 78]) });
const v0 = tool({ slug: 'v0-dev', name: 'v0.dev', pricing: { entry: 'freemium' }, panel: votes(2, 1, [60, 62, 64]) });

interface Case {
  name: string;
  left: Tool;
  right: Tool | null;
  /** Substrings the summary must contain: the numbers it is built on. */
  cites: string[];
}

const cases: Case[] = [
  { name: 'left wins on panel %', left: smol, right: mistral, cites: ['75%', '50%'] },
  { name: 'right wins on panel %', left: mistral, right: smol, cites: ['75%', '50%'] },
  {
    name: 'same panel %: mean score decides',
    left: tool({ slug: 'a-tool', name: 'Aardvark 2.0', panel: votes(2, 1, [90, 90, 30]) }),
    right: tool({ slug: 'b-tool', name: 'Badger', panel: votes(2, 1, [60, 60, 30]) }),
    cites: ['67%', '70', '50'],
  },
  {
    name: 'same panel: the community decides',
    left: tool({ slug: 'a-tool', name: 'Aardvark', panel: votes(1, 1), community: { ship: 1, skip: 3 } }),
    right: tool({ slug: 'b-tool', name: 'Badger', panel: votes(1, 1), community: { ship: 3, skip: 1 } }),
    cites: ['75%', '25%'],
  },
  {
    name: 'the other tool has no takes',
    left: tool({ slug: 'a-tool', name: 'Aardvark', community: { ship: 50, skip: 0 } }),
    right: v0,
    cites: ['67%'],
  },
  {
    name: 'neither has takes: the community decides',
    left: tool({ slug: 'a-tool', name: 'Aardvark', community: { ship: 1, skip: 1 } }),
    right: tool({ slug: 'b-tool', name: 'Badger', community: { ship: 3, skip: 1 } }),
    cites: ['75%'],
  },
  {
    name: 'toss-up with takes',
    left: tool({ slug: 'a-tool', name: 'Aardvark', panel: votes(2, 2, [50, 60, 70, 80]) }),
    right: tool({ slug: 'b-tool', name: 'Badger', panel: votes(2, 2, [80, 70, 60, 50]), pricing: { entry: 'paid' } }),
    cites: ['50%'],
  },
  {
    name: 'toss-up without takes or votes',
    left: tool({ slug: 'a-tool', name: 'Aardvark' }),
    right: tool({ slug: 'b-tool', name: 'Badger' }),
    cites: [],
  },
  {
    name: 'toss-up without takes but with the same community read',
    left: tool({ slug: 'a-tool', name: 'Aardvark', community: { ship: 3, skip: 1 } }),
    right: tool({ slug: 'b-tool', name: 'Badger', community: { ship: 6, skip: 2 } }),
    cites: ['75%'],
  },
  { name: 'listed on its own, with takes', left: smol, right: null, cites: ['75%'] },
  { name: 'listed on its own, without takes', left: tool({ slug: 'lonely', name: 'Lonely v1.2' }), right: null, cites: [] },
];

describe.each(cases)('summarize: $name', ({ left, right, cites }) => {
  const comparison = draft(left, right);
  const summary = summarize(comparison);
  const names = right ? [left.name, right.name] : [left.name];
  const sides = right ? [comparison.left, comparison.right!] : [comparison.left];

  it('is two or three sentences of plain text', () => {
    expect(sentenceCount(summary, names)).toBeGreaterThanOrEqual(2);
    expect(sentenceCount(summary, names)).toBeLessThanOrEqual(3);
    expect(summary).not.toMatch(/<\/?[a-z]/i);
    expect(summary).not.toMatch(/undefined|null|NaN/);
  });

  it('names the pick first, or says toss-up', () => {
    if (comparison.pick === 'toss-up') {
      expect(summary).toMatch(/toss-up/i);
      for (const name of names) expect(summary).toContain(name);
    } else {
      expect(summary).not.toMatch(/toss-up/i);
      const picked = comparison.pick === left.slug ? left.name : right!.name;
      expect(mentionOrder(summary, names)[0]).toBe(picked);
    }
  });

  it('mentions no tool outside the comparison', () => {
    for (const other of OTHER_TOOLS) expect(summary).not.toContain(other);
  });

  it('contains the numbers it is built on', () => {
    for (const cited of cites) expect(summary).toContain(cited);
  });

  it('cites only percentages and splits that are in the data', () => {
    const percents = new Set(sides.flatMap((s) => [s.panel.percent, s.community.percent]).filter((p) => p !== null));
    for (const [, n] of summary.matchAll(/(\d+)%/g)) expect(percents, summary).toContain(Number(n));
    const splits = new Set(
      sides.flatMap((s) => [`${s.panel.ship} ship / ${s.panel.skip} skip`, `${s.community.ship} ship / ${s.community.skip} skip`]),
    );
    for (const [split] of summary.matchAll(/\d+ ship \/ \d+ skip/g)) expect(splits, summary).toContain(split);
  });

  it('never claims votes or takes that contradict the data', () => {
    const anyVotes = sides.some((s) => s.community.percent !== null);
    const anyTakes = sides.some((s) => s.panel.percent !== null);
    if (anyVotes) expect(summary).not.toMatch(/no community votes|nor .* community votes/i);
    if (!anyTakes) expect(summary).not.toMatch(/panel has it at/i);
    expect(summary).not.toMatch(/at no panel takes/i);
  });
});

describe('summarize details', () => {
  it('calls out the persona with the widest gap and both of its scores', () => {
    const summary = summarize(draft(smol, mistral));
    // Builder 87/80, Skeptic 78/40, Futurist 82/70, Founder 52/78: the skeptic splits them most.
    expect(summary).toMatch(/skeptic/i);
    expect(summary).toContain('78');
    expect(summary).toContain('40');
  });

  it.each([
    ['free', 'free', /free/],
    ['paid', 'paid', /paid/],
    ['free', 'paid', /free[^.]*paid|paid[^.]*free/],
  ] as const)('gives the pricing read: %s vs %s', (a, b, pattern) => {
    const summary = summarize(
      draft(
        tool({ slug: 'a-tool', name: 'Aardvark', pricing: { entry: a }, panel: votes(2, 0) }),
        tool({ slug: 'b-tool', name: 'Badger', pricing: { entry: b }, panel: votes(0, 2) }),
      ),
    );
    expect(summary).toMatch(pattern);
  });

  it('does not tell you to "ship" a winner its own panel labels Skip', () => {
    const summary = summarize(
      draft(tool({ slug: 'a-tool', name: 'Aardvark', panel: votes(1, 2) }), tool({ slug: 'b-tool', name: 'Badger', panel: votes(0, 3) })),
    );
    expect(summary).toContain('Aardvark');
    expect(summary).not.toMatch(/^Ship with/);
  });

  it('never presents equal rounded mean scores as a win ("70 to 70")', () => {
    // Same panel ship % (67%); mean scores 70.33 and 70: Aardvark wins, but not by a whole point.
    const summary = summarize(
      draft(
        tool({ slug: 'a-tool', name: 'Aardvark', panel: votes(2, 1, [71, 70, 70]) }),
        tool({ slug: 'b-tool', name: 'Badger', panel: votes(2, 1, [70, 70, 70]) }),
      ),
    );
    expect(summary.indexOf('Aardvark')).toBeLessThan(summary.indexOf('Badger'));
    expect(summary).not.toMatch(/\b(\d+) to \1\b/);
  });

  it('is deterministic', () => {
    expect(summarize(draft(smol, v0))).toBe(summarize(draft(smol, v0)));
  });
});
