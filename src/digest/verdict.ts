import { PERSONAS, type Tool } from '../catalog/schema.ts';
import type { CommunityVerdict, PanelVerdict, ReviewerSplit } from './schema.ts';
import { at } from '../invariant.ts';

/** The panel's split, ship percentage, label and mean score, counting the takes present. */
export function panelVerdict(tool: Pick<Tool, 'panel'>): PanelVerdict {
  const ship = tool.panel.filter((t) => t.verdict === 'ship').length;
  const skip = tool.panel.length - ship;
  if (ship + skip === 0) return { label: 'No verdict', percent: null, ship, skip, meanScore: null };
  const label = ship > skip ? 'Ship' : ship === skip ? 'Mixed' : 'Skip';
  const meanScore = tool.panel.reduce((sum, t) => sum + t.score, 0) / tool.panel.length;
  return { label, percent: Math.round((100 * ship) / (ship + skip)), ship, skip, meanScore };
}

/** Community votes with their ship percentage; no votes (absent or 0/0) has no percentage. */
export function communityVerdict(tool: Pick<Tool, 'community'>): CommunityVerdict {
  const ship = tool.community?.ship ?? 0;
  const skip = tool.community?.skip ?? 0;
  return { ship, skip, percent: ship + skip === 0 ? null : Math.round((100 * ship) / (ship + skip)) };
}

/** The keys the comparison pick ranks by, highest first; a missing value ranks below any present one. */
export function rankKeys(tool: Pick<Tool, 'panel' | 'community'>): [number, number, number] {
  const panel = panelVerdict(tool);
  const community = communityVerdict(tool);
  return [panel.percent ?? -1, panel.meanScore ?? -1, community.percent ?? -1];
}

/** Negative when `a` ranks above `b` (panel ship %, then mean panel score, then community ship %), 0 on a tie. */
export function compareRank(a: Pick<Tool, 'panel' | 'community'>, b: Pick<Tool, 'panel' | 'community'>): number {
  const ka = rankKeys(a);
  const kb = rankKeys(b);
  for (const [i, x] of ka.entries()) {
    const y = at(kb, i);
    if (x !== y) return y - x;
  }
  return 0;
}

/** "Which one should you ship with?": the better-ranked slug, or `toss-up` when every key ties. */
export function pick(left: Tool, right: Tool): string {
  const order = compareRank(left, right);
  return order < 0 ? left.slug : order > 0 ? right.slug : 'toss-up';
}

/** Every persona with a take on both tools, side by side, and the one with the widest score gap (first in panel order on a tie). */
export function reviewerSplit(left: Pick<Tool, 'panel'>, right: Pick<Tool, 'panel'>): ReviewerSplit {
  const rows = PERSONAS.flatMap((persona) => {
    const l = left.panel.find((t) => t.persona === persona);
    const r = right.panel.find((t) => t.persona === persona);
    if (!l || !r) return [];
    return [
      {
        persona,
        left: { score: l.score, verdict: l.verdict },
        right: { score: r.score, verdict: r.verdict },
        gap: Math.abs(l.score - r.score),
      },
    ];
  });
  const widest = rows.reduce<(typeof rows)[number] | null>((best, row) => (best === null || row.gap > best.gap ? row : best), null);
  return { rows, widest: widest?.persona ?? null };
}
