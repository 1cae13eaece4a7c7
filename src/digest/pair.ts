import { categoryKey, type Tool } from '../catalog/schema.ts';
import { UserError } from '../errors.ts';
import { maxWeightMatching } from './matching.ts';
import { similarity, similarityIndex } from './similarity.ts';
import { compareRank } from './verdict.ts';
import { at, present } from '../invariant.ts';

/** The comparisons of an issue: `left` is always a new tool; `right` a new tool, an earlier tool, or null (listed alone). */
export type Pairing = { left: Tool; right: Tool | null }[];

/** The order-independent key of a pair of slugs, as recorded for pairs sent in earlier issues. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

const bySlug = (a: Tool, b: Tool) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);

/**
 * The best-match pairing of a week's new tools: every new tool in exactly one comparison, inside its category
 * wherever the catalog allows (see `matchNewTools`), maximizing first the pairs not sent before, then the total
 * similarity. Exact and independent of input order. New-tool pairs come first (by slug), then each tool left over
 * with the partner `oddToolMatch` gives it: an earlier tool of its category, else the best-ranked earlier tool.
 */
export function bestMatch(newTools: Tool[], earlierTools: Tool[], sentPairs: ReadonlySet<string>): Pairing {
  const tools = [...newTools].sort(bySlug);
  const mate = matchNewTools(tools, earlierTools, sentPairs);
  const pairing: Pairing = [];
  const leftOver: Tool[] = [];
  tools.forEach((tool, i) => {
    const m = at(mate, i);
    if (m === -1) leftOver.push(tool);
    else if (i < m) pairing.push({ left: tool, right: at(tools, m) });
  });
  for (const tool of leftOver) pairing.push({ left: tool, right: oddToolMatch(tool, earlierTools, sentPairs) });
  return pairing;
}

/** The earlier tool of `tool`'s category it makes the best comparison with: a pair not sent before, then the most similar, then slug. */
function earlierPartner(
  tool: Tool,
  earlierTools: readonly Tool[],
  sentPairs: ReadonlySet<string>,
): { partner: Tool; unsent: boolean; similarity: number } | null {
  const category = categoryKey(tool.category);
  let best: { partner: Tool; unsent: boolean; similarity: number } | null = null;
  for (const other of [...earlierTools].sort(bySlug)) {
    if (categoryKey(other.category) !== category) continue;
    const candidate = { partner: other, unsent: !sentPairs.has(pairKey(tool.slug, other.slug)), similarity: similarity(tool, other) };
    if (best === null || (candidate.unsent ? 1001 : 0) + candidate.similarity > (best.unsent ? 1001 : 0) + best.similarity)
      best = candidate;
  }
  return best;
}

/**
 * The partner of a new tool left over: the most similar earlier tool of its category (a pair not sent before
 * first, then slug on a tie), else the best-ranked earlier tool (as the comparison pick ranks, then slug), else null.
 */
export function oddToolMatch(tool: Tool, earlierTools: Tool[], sentPairs: ReadonlySet<string> = new Set()): Tool | null {
  const same = earlierPartner(tool, earlierTools, sentPairs);
  if (same) return same.partner;
  return [...earlierTools].sort(bySlug).reduce<Tool | null>((top, t) => (top === null || compareRank(t, top) < 0 ? t : top), null);
}

/**
 * One tool compared with each other new tool, as `right` of every comparison. The spotlight is
 * `spotlightSlug` (a new or an earlier tool), else the new tool with the most community votes, then
 * the best panel, then slug. Without another new tool to compare with, falls back to `bestMatch`.
 */
export function spotlight(newTools: Tool[], earlierTools: Tool[], sentPairs: ReadonlySet<string>, spotlightSlug?: string): Pairing {
  const tools = [...newTools].sort(bySlug);
  const star =
    spotlightSlug === undefined
      ? tools.reduce<Tool | undefined>((top, t) => (top === undefined || outshines(t, top) ? t : top), undefined)
      : (tools.find((t) => t.slug === spotlightSlug) ?? earlierTools.find((t) => t.slug === spotlightSlug));
  if (spotlightSlug !== undefined && !star) throw new Error(`Spotlight tool "${spotlightSlug}" is not in the catalog.`);
  const others = tools.filter((t) => t !== star);
  if (!star || others.length === 0) return bestMatch(newTools, earlierTools, sentPairs);
  return others.map((left) => ({ left, right: star }));
}

function votes(tool: Tool): number {
  return (tool.community?.ship ?? 0) + (tool.community?.skip ?? 0);
}

/** Whether `a` is the better default spotlight; callers go in slug order, so a full tie keeps the earlier. */
function outshines(a: Tool, b: Tool): boolean {
  if (votes(a) !== votes(b)) return votes(a) > votes(b);
  return compareRank(a, b) < 0;
}

/**
 * Partners of the (slug-sorted) new tools by index, -1 for a tool left to meet an earlier one. Each category keeps
 * floor(n/2) of its tools in same-category pairs. An odd category with earlier tools gives its leftover an earlier
 * partner of its own category, chosen together with the pairs (a virtual vertex stands for "meets an earlier tool",
 * weighted by its best such comparison). Only the odd categories without earlier tools are matched together, across
 * categories, each giving up one tool; when those are odd in number, one stays over for the best-ranked earlier tool.
 */
function matchNewTools(tools: Tool[], earlierTools: readonly Tool[], sentPairs: ReadonlySet<string>): Int32Array {
  const n = tools.length;
  const mate = new Int32Array(n).fill(-1);
  const index = new Map(tools.map((t, i) => [t.slug, i]));
  const sent = new Set<number>();
  for (const key of sentPairs) {
    const [a, b] = key.split('|').map((slug) => index.get(slug));
    if (a !== undefined && b !== undefined) sent.add(Math.min(a, b) * n + Math.max(a, b));
  }
  const category = tools.map((t) => categoryKey(t.category));
  const earlierCategories = new Set(earlierTools.map((t) => categoryKey(t.category)));
  const groups = new Map<string, number[]>();
  category.forEach((key, i) => {
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  // Integer weights that rank matchings lexicographically (same-category pairs, then unsent pairs,
  // then similarity): each unit outweighs any total the units below it can reach.
  const pairs = Math.floor(n / 2) + 1;
  const unsentUnit = 1000 * pairs + 1;
  const categoryUnit = (unsentUnit + 1000) * pairs + 1;
  // Past this the weights and the doubled duals would lose integer precision.
  if (!Number.isSafeInteger(4 * pairs * (categoryUnit + unsentUnit + 1000)))
    throw new UserError(
      `${n} new tools in one week are more than best-match can pair exactly; leave some out with "exclude" in the week's edition file, or build with --strategy spotlight.`,
    );
  const sim = similarityIndex(tools);
  const weight = (i: number, j: number) =>
    (category[i] === category[j] ? categoryUnit : 0) + (sent.has(i * n + j) ? 0 : unsentUnit) + sim(i, j);
  const match = (group: number[], weightOf: (a: number, b: number) => number, size = group.length) => {
    maxWeightMatching(size, weightOf).forEach((m, a) => {
      if (a < group.length && m !== -1 && m < group.length) mate[at(group, a)] = at(group, m);
    });
  };
  const pool: number[] = [];
  for (const [key, group] of groups) {
    if (group.length % 2 === 0) match(group, (a, b) => weight(at(group, a), at(group, b)));
    else if (!earlierCategories.has(key)) pool.push(...group);
    else {
      const earlier = group.map((i) => present(earlierPartner(at(tools, i), earlierTools, sentPairs), 'an earlier tool of the category'));
      const virtual = group.length;
      match(
        group,
        (a, b) => {
          if (b !== virtual) return weight(at(group, a), at(group, b));
          const partner = at(earlier, a);
          return (partner.unsent ? unsentUnit : 0) + partner.similarity;
        },
        virtual + 1,
      );
    }
  }
  match(
    pool.sort((a, b) => a - b),
    (a, b) => weight(at(pool, a), at(pool, b)),
  );
  return mate;
}
