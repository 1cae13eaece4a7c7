import { categoryKey, type Tool } from '../catalog/schema.ts';
import { IssueError } from '../errors.ts';
import { maxWeightMatching } from './matching.ts';
import { similarity, similarityIndex } from './similarity.ts';
import { compareRank } from './verdict.ts';

/** The comparisons of an issue: `left` is always a new tool; `right` a new tool, an earlier tool, or null (listed alone). */
export type Pairing = { left: Tool; right: Tool | null }[];

/** The order-independent key of a pair of slugs, as recorded for pairs sent in earlier issues. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

const bySlug = (a: Tool, b: Tool) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);

/**
 * The best-match pairing of a week's new tools: every new tool in exactly one comparison, maximizing
 * first the same-category pairs, then the pairs not sent before, then the total similarity. Exact
 * (a maximum-weight matching) and independent of input order. With an odd count, the tool the optimum
 * leaves over is compared last with an earlier tool (see `oddToolMatch`).
 */
export function bestMatch(newTools: Tool[], earlierTools: Tool[], sentPairs: ReadonlySet<string>): Pairing {
  const tools = [...newTools].sort(bySlug);
  const mate = matchNewTools(tools, sentPairs);
  const pairing: Pairing = [];
  let odd: Tool | undefined;
  tools.forEach((tool, i) => {
    if (mate[i] === -1) odd = tool;
    else if (i < mate[i]!) pairing.push({ left: tool, right: tools[mate[i]!]! });
  });
  if (odd) pairing.push({ left: odd, right: oddToolMatch(odd, earlierTools, sentPairs) });
  return pairing;
}

/**
 * The partner of a new tool left over: the most similar earlier tool of its category (slug on a tie),
 * else the best-ranked earlier tool (as the comparison pick ranks, then slug), else null.
 */
export function oddToolMatch(tool: Tool, earlierTools: Tool[], sentPairs: ReadonlySet<string> = new Set()): Tool | null {
  const sorted = [...earlierTools].sort(bySlug);
  const category = categoryKey(tool.category);
  let best: Tool | null = null;
  let bestScore = -1;
  for (const other of sorted) {
    if (categoryKey(other.category) !== category) continue;
    // A pair not sent before beats any repeat, as in the matching.
    const score = (sentPairs.has(pairKey(tool.slug, other.slug)) ? 0 : 1001) + similarity(tool, other);
    if (score > bestScore) [best, bestScore] = [other, score];
  }
  return best ?? sorted.reduce<Tool | null>((top, t) => (top === null || compareRank(t, top) < 0 ? t : top), null);
}

/**
 * One tool compared with each other new tool, as `right` of every comparison. The spotlight is
 * `spotlightSlug` (a new or an earlier tool), else the new tool with the most community votes, then
 * the best panel, then slug. Without another new tool to compare with, falls back to `bestMatch`.
 */
export function spotlight(newTools: Tool[], earlierTools: Tool[], sentPairs: ReadonlySet<string>, spotlightSlug?: string): Pairing {
  const tools = [...newTools].sort(bySlug);
  const star = spotlightSlug === undefined
    ? tools.reduce<Tool | undefined>((top, t) => (top === undefined || outshines(t, top) ? t : top), undefined)
    : tools.find((t) => t.slug === spotlightSlug) ?? earlierTools.find((t) => t.slug === spotlightSlug);
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
 * Partners of the (slug-sorted) new tools by index, -1 for the one left over. Every category can keep
 * floor(n/2) of its tools in same-category pairs, so an even category is paired on its own, and only the
 * odd categories, each giving up one tool to a cross-category pair, have to be matched together.
 */
function matchNewTools(tools: Tool[], sentPairs: ReadonlySet<string>): Int32Array {
  const n = tools.length;
  const mate = new Int32Array(n).fill(-1);
  const index = new Map(tools.map((t, i) => [t.slug, i]));
  const sent = new Set<number>();
  for (const key of sentPairs) {
    const [a, b] = key.split('|').map((slug) => index.get(slug));
    if (a !== undefined && b !== undefined) sent.add(Math.min(a, b) * n + Math.max(a, b));
  }
  const category = tools.map((t) => categoryKey(t.category));
  const groups = new Map<string, number[]>();
  category.forEach((key, i) => {
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  // Integer weights that rank matchings lexicographically (same-category pairs, then unsent pairs,
  // then similarity): each unit outweighs any total the units below it can reach.
  const pairs = Math.floor(n / 2);
  const unsentUnit = 1000 * pairs + 1;
  const categoryUnit = (unsentUnit + 1000) * pairs + 1;
  // Past this the weights and the doubled duals would lose integer precision.
  if (!Number.isSafeInteger(4 * pairs * (categoryUnit + unsentUnit + 1000))) throw new IssueError(`${n} new tools in one week are more than best-match can pair exactly; leave some out with "exclude" in the week's edition file, or build with --strategy spotlight.`);
  const sim = similarityIndex(tools);
  const weight = (i: number, j: number) =>
    (category[i] === category[j] ? categoryUnit : 0) + (sent.has(i * n + j) ? 0 : unsentUnit) + sim(i, j);
  const even = [...groups.values()].filter((g) => g.length % 2 === 0);
  const odd = [...groups.values()].filter((g) => g.length % 2 === 1).flat().sort((a, b) => a - b);
  for (const group of [...even, odd]) {
    const local = maxWeightMatching(group.length, (a, b) => weight(group[a]!, group[b]!));
    local.forEach((m, a) => {
      if (m !== -1) mate[group[a]!] = group[m]!;
    });
  }
  return mate;
}
