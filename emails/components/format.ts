import type { CommunityVerdict, Comparison, PanelVerdict, ReviewerSplit, Side } from '../../src/digest/schema.ts';

/** Wording shared by the HTML template and the plain-text part, so both say the same thing. */

export const EARLIER_WEEK = 'from an earlier week';
export const SOLO_NOTE = 'New this week with no match, so it is listed on its own.';
export const NO_SHARED_REVIEWER = 'The two panels share no reviewer, so there is no split to show.';

export function greeting(name: string | null): string {
  return name?.trim() ? `Hi ${name.trim()},` : 'Hi there,';
}

export function personaName(persona: string): string {
  return persona.charAt(0).toUpperCase() + persona.slice(1);
}

/** "Ship 75%", or "No verdict" without takes. */
export function panelLabel(panel: PanelVerdict): string {
  return panel.percent === null ? panel.label : `${panel.label} ${panel.percent}%`;
}

/** "3 ship / 1 skip", or null without takes. */
export function panelSplit(panel: PanelVerdict): string | null {
  return panel.ship + panel.skip === 0 ? null : `${panel.ship} ship / ${panel.skip} skip`;
}

export function panelLine(panel: PanelVerdict): string {
  const split = panelSplit(panel);
  return split === null ? panelLabel(panel) : `${panelLabel(panel)} · ${split}`;
}

export function communityLine(community: CommunityVerdict): string {
  return community.percent === null
    ? 'No community votes yet'
    : `${community.ship} ship / ${community.skip} skip (${community.percent}%)`;
}

export function pricingLine(pricing: Side['pricing']): string {
  const entry = pricing.entry.charAt(0).toUpperCase() + pricing.entry.slice(1);
  return pricing.details ? `${entry} · ${pricing.details}` : entry;
}

/** "Developer Tools · from an earlier week" for a tool that was not new this week. */
export function categoryLine(side: Side): string {
  return side.isNew ? side.category : `${side.category} · ${EARLIER_WEEK}`;
}

export function takeLine(take: { score: number; verdict: string }): string {
  return `${take.score} ${take.verdict}`;
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
  return text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p.length > 0);
}
