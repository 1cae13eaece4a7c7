import type { Comparison, Side } from './schema.ts';
import { capitalize, tally } from './wording.ts';

/** A comparison before its summary is written. */
export type ComparisonDraft = Omit<Comparison, 'summary'>;

const PRICE_WORDS = { free: 'free', freemium: 'free to start with paid tiers', paid: 'paid' } as const;

function panelRead(side: Side): string {
  return side.panel.percent === null ? 'no panel takes yet' : `${tally(side.panel)} (${side.panel.percent}% ship)`;
}

function margin(points: number): string {
  if (points >= 40) return 'a decisive margin';
  if (points >= 15) return 'a clear margin';
  return 'a narrow margin';
}

function communityRead(side: Side): string {
  return side.community.percent === null ? 'no community votes' : `${side.community.percent}% community ship`;
}

/** Two means as they differ: whole numbers, or one decimal where rounding would hide the gap. */
function means(a: number, b: number): [string, string] {
  const digits = Math.round(a) === Math.round(b) ? 1 : 0;
  return [a.toFixed(digits), b.toFixed(digits)];
}

function pickSentence(winner: Side, loser: Side): string {
  const w = winner.panel;
  const l = loser.panel;
  const opening = w.label === 'Ship' ? `Ship with ${winner.name}` : `If you must choose one, take ${winner.name}`;
  if (w.percent === null)
    return `${opening}: neither tool has panel takes yet, so the community decides with ${communityRead(winner)} against ${communityRead(loser)}.`;
  if (l.percent === null) return `${opening}: the panel has it at ${panelRead(winner)}, while ${loser.name} has no panel takes yet.`;
  if (w.percent !== l.percent) {
    return `${opening}: the panel has it at ${panelRead(winner)} against ${panelRead(loser)} for ${loser.name}, ${margin(w.percent - l.percent)}.`;
  }
  if (w.meanScore !== null && l.meanScore !== null && w.meanScore !== l.meanScore) {
    const [wm, lm] = means(w.meanScore, l.meanScore);
    return `${opening}: both draw ${w.percent}% ship from the panel, and ${winner.name} wins on mean score, ${wm} to ${lm}.`;
  }
  return `${opening}: the panel cannot separate them, so the community decides with ${communityRead(winner)} against ${communityRead(loser)}.`;
}

function tossUpSentence(left: Side, right: Side): string {
  const community =
    left.community.percent === null ? 'no community votes to break the tie' : `the same ${left.community.percent}% community ship`;
  const panel = left.panel.percent === null ? 'no panel takes' : `the same panel ship rate (${left.panel.percent}%) and mean score`;
  return `It's a toss-up: ${left.name} and ${right.name} have ${panel} and ${community}.`;
}

function splitSentence(comparison: ComparisonDraft, right: Side): string {
  const { rows, widest } = comparison.reviewerSplit;
  const row = rows.find((r) => r.persona === widest);
  if (!row) return 'No reviewer scored both tools, so there is no head-to-head split.';
  if (row.gap === 0) return `Every reviewer who scored both gave them the same score.`;
  const read = (name: string, take: { score: number; verdict: string }) => `${name} ${take.score} (${take.verdict})`;
  return `The ${capitalize(row.persona)} splits them most, scoring ${read(comparison.left.name, row.left)} and ${read(right.name, row.right)}.`;
}

function priceSentence(left: Side, right: Side): string {
  if (left.pricing.entry === right.pricing.entry) return `On price they match: both are ${PRICE_WORDS[left.pricing.entry]}.`;
  return `On price, ${left.name} is ${PRICE_WORDS[left.pricing.entry]} and ${right.name} is ${PRICE_WORDS[right.pricing.entry]}.`;
}

/** Two or three plain sentences that say only what the comparison's numbers say. */
export function summarize(comparison: ComparisonDraft): string {
  const { left, right } = comparison;
  if (right === null) {
    const panel =
      left.panel.percent === null ? 'The panel has not weighed in yet.' : `The panel reads ${left.panel.label} at ${panelRead(left)}.`;
    return `${left.name} had no match this week, so it stands on its own. ${panel} It is ${PRICE_WORDS[left.pricing.entry]}.`;
  }
  const first =
    comparison.pick === 'toss-up'
      ? tossUpSentence(left, right)
      : comparison.pick === left.slug
        ? pickSentence(left, right)
        : pickSentence(right, left);
  return [first, splitSentence(comparison, right), priceSentence(left, right)].join(' ');
}
