// How the newsletter words things, the same in the email, its plain-text part, the pages and the reports.
import type { CommunityVerdict, Comparison, PanelVerdict, ReviewerSplit, Side } from './schema.ts';

/** The newsletter's name, as every email, page, feed and sender example writes it. */
export const NEWSLETTER = 'Weekly AI Tool Verdicts';

export const EARLIER_WEEK = 'from an earlier week';
export const SOLO_NOTE = 'New this week with no match, so it is listed on its own.';
export const NO_SHARED_REVIEWER = 'The two panels share no reviewer, so there is no split to show.';

/** How long a quoted take may be, in characters as a reader counts them (graphemes), before it is shortened. */
export const TAKE_LIMIT = 180;

// Family name first: greeting the whole name is politer than guessing which part is the given name.
const FAMILY_FIRST = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** The name to greet a reader by: "Okafor, Chidi" is Chidi, "Ada Park" is Ada, "佐藤 美咲" stays whole; blank is null. */
export function givenName(name: string | null): string | null {
  const full = name?.trim() ?? '';
  if (!full) return null;
  const comma = full.indexOf(',');
  if (comma !== -1) return givenName(full.slice(comma + 1)) ?? givenName(full.slice(0, comma));
  if (FAMILY_FIRST.test(full)) return full.replace(/\s+/g, ' ');
  const [first = full] = full.split(/\s+/);
  return first;
}

/** "Hi Chidi,"; null (no greeting line at all) when the list has no name. */
export function greeting(given: string | null): string | null {
  return given ? `Hi ${given},` : null;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const words = new Intl.Segmenter('en', { granularity: 'word' });

/**
 * A take (or the preheader) short enough to quote: whole when it fits `limit` graphemes, else cut at the last word boundary that
 * fits (never inside a word, an emoji or a combining mark) with an ellipsis; a single word longer than the
 * limit is cut inside it, still on a grapheme boundary.
 */
export function shortenTake(text: string, limit = TAKE_LIMIT): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const chars = [...graphemes.segment(clean)];
  if (chars.length <= limit) return clean;
  const budget = limit - 1;
  // The string index where the grapheme after the budget starts: the text before it is what fits.
  // chars.length > limit, so the grapheme at `budget` exists.
  const fits = chars[budget]?.index ?? clean.length;
  const starts = new Set(chars.map((c) => c.index));
  let end = 0;
  for (const { index } of words.segment(clean)) {
    if (index > fits) break;
    if (starts.has(index)) end = index;
  }
  const cut = clean.slice(0, end).replace(/[\s\p{P}]+$/u, '');
  return `${
    cut ||
    chars
      .slice(0, budget)
      .map((c) => c.segment)
      .join('')
  }…`;
}

/** A tally of panel takes or reader votes: "3 ship / 1 skip". */
export function tally({ ship, skip }: { ship: number; skip: number }): string {
  return `${ship} ship / ${skip} skip`;
}

/** A word as it starts a sentence or a label: "founder" becomes "Founder". */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** A reviewer's row label: "founder" is shown as "Founder". */
export const personaName = capitalize;

/** "Ship 75%", or "No verdict" without takes. */
export function panelLabel(panel: PanelVerdict): string {
  return panel.percent === null ? panel.label : `${panel.label} ${panel.percent}%`;
}

/** "3 ship / 1 skip", or null without takes. */
export function panelSplit(panel: PanelVerdict): string | null {
  return panel.ship + panel.skip === 0 ? null : tally(panel);
}

export function panelLine(panel: PanelVerdict): string {
  const split = panelSplit(panel);
  return split === null ? panelLabel(panel) : `${panelLabel(panel)} · ${split}`;
}

export function communityLine(community: CommunityVerdict): string {
  return community.percent === null ? 'No community votes yet' : `${tally(community)} (${community.percent}%)`;
}

export function pricingLine(pricing: Side['pricing']): string {
  const entry = capitalize(pricing.entry);
  return pricing.details ? `${entry} · ${pricing.details}` : entry;
}

/** "Developer Tools · from an earlier week" for a tool that was not new this week. */
export function categoryLine(side: Side): string {
  return side.isNew ? side.category : `${side.category} · ${EARLIER_WEEK}`;
}

export function takeLine(take: { score: number; verdict: string }): string {
  return `${take.score} ${take.verdict}`;
}

/** A React key for a comparison: a tool appears in at most one comparison of an issue. */
export function comparisonKey(comparison: Comparison): string {
  return `${comparison.left.slug}:${comparison.right?.slug ?? ''}`;
}

export function comparisonTitle(comparison: Comparison): string {
  return comparison.right ? `${comparison.left.name} vs ${comparison.right.name}` : comparison.left.name;
}

/** "Pick: SmolVLM2" or "Toss-up"; an unknown slug is shown as it is rather than hidden. */
export function pickLine(comparison: Comparison): string {
  if (comparison.pick === 'toss-up') return 'Toss-up';
  const side = [comparison.left, comparison.right].find((s) => s?.slug === comparison.pick);
  return `Pick: ${side?.name ?? comparison.pick}`;
}

export function widestLine(split: ReviewerSplit): string | null {
  const row = split.rows.find((r) => r.persona === split.widest);
  if (!row) return null;
  const points = row.gap === 1 ? 'point' : 'points';
  return `Widest gap: ${personaName(row.persona)}, ${row.gap} ${points} apart.`;
}

/** The tool's URL when it is an http(s) link; anything else (javascript:, data:) is never linked. */
export function webUrl(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null;
}

export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** The side the comparison picks, or null for a toss-up or a tool listed alone. */
export function pickedSide(comparison: Comparison): Side | null {
  if (comparison.right === null || comparison.pick === 'toss-up') return null;
  return [comparison.left, comparison.right].find((s) => s.slug === comparison.pick) ?? null;
}

function otherSide(comparison: Comparison, side: Side): Side {
  if (side !== comparison.left) return comparison.left;
  if (comparison.right === null) throw new Error(`${comparison.left.slug} is listed alone, so it has no other side: a bug.`);
  return comparison.right;
}

/** How decisive the pick is, in a few words: "decisive margin", "narrow margin", "on mean score", "by community vote"... */
export function decisiveness(comparison: Comparison): string {
  const winner = pickedSide(comparison);
  if (comparison.right === null) return 'listed on its own';
  if (winner === null) return 'a toss-up';
  const [w, l] = [winner.panel, otherSide(comparison, winner).panel];
  if (w.percent === null) return 'by community vote';
  if (l.percent === null) return 'the only one reviewed';
  const gap = w.percent - l.percent;
  if (gap >= 40) return 'decisive margin';
  if (gap >= 15) return 'clear margin';
  if (gap > 0) return 'narrow margin';
  return w.meanScore !== l.meanScore ? 'on mean score' : 'by community vote';
}

/** The week-at-a-glance line: "Mistral 8x24B over Code Llama 4", then `decisiveness` beside it. */
export function glanceTitle(comparison: Comparison): string {
  const winner = pickedSide(comparison);
  if (comparison.right === null) return comparison.left.name;
  if (winner === null) return `${comparison.left.name} vs ${comparison.right.name}`;
  return `${winner.name} over ${otherSide(comparison, winner).name}`;
}

function communityShare(side: Side): string {
  return side.community.percent === null ? 'no votes' : `${side.community.percent}% ship`;
}

/** One sentence on why the pick wins, from the numbers of the verdict rules only. */
export function whySentence(comparison: Comparison): string {
  const { left, right } = comparison;
  if (right === null) {
    const panel = left.panel.percent === null ? 'the panel has not weighed in yet' : `the panel reads ${panelLabel(left.panel)}`;
    return `New this week with no match, so it is listed on its own; ${panel}.`;
  }
  const winner = pickedSide(comparison);
  if (winner === null) return `Nothing separates them: the same panel ship rate, mean score and community read.`;
  const loser = otherSide(comparison, winner);
  const [w, l] = [winner.panel, loser.panel];
  if (w.percent === null)
    return `Neither has panel takes yet, so the community decides: ${communityShare(winner)} against ${communityShare(loser)}.`;
  if (l.percent === null) return `${winner.name} is the only one the panel has reviewed, at ${w.percent}% ship.`;
  if (w.percent !== l.percent)
    return `The panel backs ${winner.name} at ${w.percent}% ship against ${l.percent}% for ${loser.name}, a ${decisiveness(comparison)}.`;
  if (w.meanScore !== null && l.meanScore !== null && w.meanScore !== l.meanScore) {
    const digits = Math.round(w.meanScore) === Math.round(l.meanScore) ? 1 : 0;
    return `Both draw ${w.percent}% ship from the panel; ${winner.name} wins on mean score, ${w.meanScore.toFixed(digits)} to ${l.meanScore.toFixed(digits)}.`;
  }
  return `The panel cannot separate them, so the community decides: ${communityShare(winner)} against ${communityShare(loser)}.`;
}

export interface QuotedTakes {
  persona: string;
  /** The line above the quotes: "The Founder splits them most, 46 to 88:" */
  lead: string;
  quotes: { side: Side; score: number; verdict: string; text: string }[];
}

/** The takes of the persona who splits the pair most, shortened to quote; null when no reviewer wrote on both. */
export function quotedTakes(comparison: Comparison): QuotedTakes | null {
  const { left, right, reviewerSplit } = comparison;
  const row = reviewerSplit.rows.find((r) => r.persona === reviewerSplit.widest);
  if (right === null || !row) return null;
  const quotes = [left, right].flatMap((side) => {
    const take = side.takes.find((t) => t.persona === row.persona);
    return take?.take?.trim() ? [{ side, score: take.score, verdict: take.verdict, text: shortenTake(take.take) }] : [];
  });
  if (quotes.length === 0) return null;
  const persona = personaName(row.persona);
  const lead =
    row.gap === 0
      ? `The ${persona} scores them the same, ${row.left.score} each:`
      : `The ${persona} splits them most, ${row.left.score} to ${row.right.score}:`;
  return { persona, lead, quotes };
}
