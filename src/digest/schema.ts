import { z } from 'zod';
import { Persona, PricingEntry, ShipOrSkip } from '../catalog/schema.ts';

/** `2026-W47`: an ISO week-numbering year and week. */
export const WeekId = z.string().regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'must be an ISO week such as 2026-W47');
export type WeekId = z.infer<typeof WeekId>;

export const PanelLabel = z.enum(['Ship', 'Mixed', 'Skip', 'No verdict']);
export type PanelLabel = z.infer<typeof PanelLabel>;

/** The panel's read of one tool, per the verdict rules. `percent` and `meanScore` are null without takes. */
export const PanelVerdict = z.object({
  label: PanelLabel,
  percent: z.int().min(0).max(100).nullable(),
  ship: z.int().min(0),
  skip: z.int().min(0),
  meanScore: z.number().min(0).max(100).nullable(),
});
export type PanelVerdict = z.infer<typeof PanelVerdict>;

/** Community votes; `percent` is null when nobody voted. */
export const CommunityVerdict = z.object({
  ship: z.int().min(0),
  skip: z.int().min(0),
  percent: z.int().min(0).max(100).nullable(),
});
export type CommunityVerdict = z.infer<typeof CommunityVerdict>;

/** One tool as it appears in a comparison: what the email shows, frozen with the issue. */
export const Side = z.object({
  slug: z.string(),
  name: z.string(),
  tagline: z.string(),
  category: z.string(),
  url: z.string(),
  pricing: z.object({ entry: PricingEntry, details: z.string().optional() }),
  isNew: z.boolean(),
  panel: PanelVerdict,
  community: CommunityVerdict,
  /** `take` is the reviewer's own words; issues frozen before it was kept have none. */
  takes: z.array(z.object({ persona: Persona, score: z.int(), verdict: ShipOrSkip, take: z.string().optional() })),
});
export type Side = z.infer<typeof Side>;

/** One persona's scores on both tools; `gap` is the absolute score difference. */
export const ReviewerRow = z.object({
  persona: Persona,
  left: z.object({ score: z.int(), verdict: ShipOrSkip }),
  right: z.object({ score: z.int(), verdict: ShipOrSkip }),
  gap: z.int().min(0),
});
export type ReviewerRow = z.infer<typeof ReviewerRow>;

export const ReviewerSplit = z.object({
  rows: z.array(ReviewerRow),
  widest: Persona.nullable(),
});
export type ReviewerSplit = z.infer<typeof ReviewerSplit>;

/** A head-to-head of two tools, or a new tool listed on its own (`right` null). `pick` is a slug or `toss-up`. */
export const Comparison = z.object({
  left: Side,
  right: Side.nullable(),
  pick: z.string(),
  summary: z.string(),
  reviewerSplit: ReviewerSplit,
});
export type Comparison = z.infer<typeof Comparison>;

export const Strategy = z.enum(['best-match', 'spotlight']);
export type Strategy = z.infer<typeof Strategy>;

/** A week's digest, frozen under `<state>/issues/<week>.json` once built. */
export const Issue = z.object({
  week: WeekId,
  timezone: z.string(),
  strategy: Strategy,
  /** The editor's note from the edition file, shown above the comparisons. */
  intro: z.string().nullable().default(null),
  /** The pairing flags given to `build`, kept for later builds of the same week. */
  pairingFlags: z.object({ strategy: Strategy, spotlight: z.string().nullable() }).nullable().default(null),
  comparisons: z.array(Comparison),
  /** Reader votes (per slug) already added to the sides' community numbers when the issue was built. */
  readerVotes: z.record(z.string(), z.object({ ship: z.int().min(0), skip: z.int().min(0) })).optional(),
});
export type Issue = z.infer<typeof Issue>;
