import type { Edition } from '../catalog/edition.ts';
import { categoryKey, type Tool } from '../catalog/schema.ts';
import { bestMatch, pairKey, spotlight, type Pairing } from './pair.ts';
import type { Comparison, Issue, Side, Strategy } from './schema.ts';
import { selectWeek } from './select.ts';
import { summarize } from './summary.ts';
import { communityVerdict, panelVerdict, pick, reviewerSplit } from './verdict.ts';
import type { WeekRange } from './week.ts';
import { got } from '../invariant.ts';

export interface IssueOptions {
  strategy: Strategy;
  /** The editor's spotlight tool for the spotlight strategy. */
  spotlight?: string;
  /** Pairs (see pairKey) sent in earlier issues, which best-match avoids repeating. */
  sentPairs: ReadonlySet<string>;
  /** The editor's edition for the week, already checked against the catalog (see checkEdition). */
  edition?: Edition | null;
}

export function toSide(tool: Tool, isNew: boolean): Side {
  return {
    slug: tool.slug,
    name: tool.name,
    tagline: tool.tagline,
    category: tool.category,
    url: tool.url,
    pricing: tool.pricing,
    isNew,
    panel: panelVerdict(tool),
    community: communityVerdict(tool),
    takes: tool.panel.map(({ persona, score, verdict, take }) => ({ persona, score, verdict, take })),
  };
}

function toComparison(left: Tool, right: Tool | null, newSlugs: ReadonlySet<string>): Comparison {
  const leftSide = toSide(left, newSlugs.has(left.slug));
  if (right === null) {
    const draft = { left: leftSide, right: null, pick: left.slug, reviewerSplit: { rows: [], widest: null } };
    return { ...draft, summary: summarize(draft) };
  }
  const draft = {
    left: leftSide,
    right: toSide(right, newSlugs.has(right.slug)),
    pick: pick(left, right),
    reviewerSplit: reviewerSplit(left, right),
  };
  return { ...draft, summary: summarize(draft) };
}

/** Selects the week's new tools, pairs them and writes every verdict. Pure: the week and the history are handed in. */
export function buildIssue(catalog: readonly Tool[], range: WeekRange, timezone: string, options: IssueOptions): Issue {
  const { edition } = options;
  const selected = selectWeek(catalog, range, timezone);
  const newTools = selected.newTools.filter((t) => !edition?.exclude?.includes(t.slug));
  const bySlug = new Map(newTools.map((t) => [t.slug, t]));
  const forced: Pairing = (edition?.pairs ?? []).map(([a, b]) => ({ left: got(bySlug, a), right: got(bySlug, b) }));
  const forcedSlugs = new Set(edition?.pairs?.flat());
  const rest = newTools.filter((t) => !forcedSlugs.has(t.slug));
  const spotlightSlug = options.spotlight ?? edition?.spotlight;
  const strategy = spotlightSlug !== undefined ? 'spotlight' : options.strategy;
  const pairing: Pairing = [
    ...forced,
    ...(strategy === 'spotlight'
      ? spotlight(rest, selected.earlierTools, options.sentPairs, spotlightSlug)
      : bestMatch(rest, selected.earlierTools, options.sentPairs)),
  ];
  const newSlugs = new Set(newTools.map((t) => t.slug));
  return {
    week: range.week,
    timezone,
    strategy,
    intro: edition?.intro ?? null,
    pairingFlags: null,
    comparisons: pairing.map(({ left, right }) => toComparison(left, right, newSlugs)),
  };
}

/** Every pair compared in these issues. */
export function sentPairsOf(issues: readonly Issue[]): Set<string> {
  return new Set(issues.flatMap((issue) => issue.comparisons.flatMap((c) => (c.right ? [pairKey(c.left.slug, c.right.slug)] : []))));
}

/** The comparisons a reader of `categories` gets: those with a tool in one of them; every comparison when none are chosen. */
export function comparisonsFor(issue: Issue, categories: readonly string[]): Comparison[] {
  if (categories.length === 0) return issue.comparisons;
  const wanted = new Set(categories.map(categoryKey));
  return issue.comparisons.filter((c) => [c.left, c.right].some((side) => side !== null && wanted.has(categoryKey(side.category))));
}

/** The issue in `build --json`'s contract: week, timezone and comparisons with both sides' verdicts. */
export function issueJson(issue: Issue): string {
  const side = (s: Side) => ({
    slug: s.slug,
    name: s.name,
    category: s.category,
    isNew: s.isNew,
    tagline: s.tagline,
    url: s.url,
    pricing: s.pricing,
    panel: { label: s.panel.label, percent: s.panel.percent, ship: s.panel.ship, skip: s.panel.skip, meanScore: s.panel.meanScore },
    community: s.community,
  });
  return JSON.stringify(
    {
      week: issue.week,
      timezone: issue.timezone,
      strategy: issue.strategy,
      comparisons: issue.comparisons.map((c) => ({
        left: side(c.left),
        right: c.right ? side(c.right) : null,
        pick: c.pick,
        summary: c.summary,
        reviewerSplit: c.reviewerSplit,
      })),
    },
    null,
    2,
  );
}
