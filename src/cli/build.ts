import { defineCommand } from 'citty';
import type { Strategy } from '../digest/schema.ts';
import { weekLabel } from '../digest/week.ts';
import { prepareIssue, type PreparedIssue } from '../pipeline.ts';
import { comparisonLines } from '../render/text.ts';
import { commonArgs, configFrom, now, pairingArgs, strictFlags, weekArg } from './common.ts';

/** The issue in `build --json`'s contract: week, timezone and comparisons with both sides' verdicts. */
export function issueJson({ issue }: PreparedIssue): string {
  const side = (s: NonNullable<PreparedIssue['issue']['comparisons'][number]['right']>) => ({
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
  return JSON.stringify({
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
  }, null, 2);
}

export function issueHeadline({ issue, range, locked, frozenAt }: PreparedIssue): string {
  const when = `${issue.week} (${weekLabel(range, issue.timezone)}, ${issue.timezone})`;
  if (issue.comparisons.length === 0) return `${when} has no new tools, so there is no issue and nothing to send.`;
  const tools = new Set(issue.comparisons.flatMap((c) => [c.left, c.right].filter((s) => s?.isNew).map((s) => s!.slug))).size;
  const count = issue.comparisons.length === 1 ? '1 comparison' : `${issue.comparisons.length} comparisons`;
  const state = locked ? `its send has started, so it stays as frozen in ${frozenAt}` : `frozen in ${frozenAt}`;
  return `${when}: ${tools} new tool${tools === 1 ? '' : 's'} in ${count}, ${state}.`;
}

/** What the editor's edition file changed, in one line; null without one. */
export function editionLine({ edition, editionFile }: PreparedIssue): string | null {
  if (!edition) return null;
  const parts = [
    edition.intro ? 'the intro note' : null,
    edition.exclude?.length ? `left out ${edition.exclude.join(', ')}` : null,
    edition.pairs?.length ? `fixed ${edition.pairs.map(([a, b]) => `${a} vs ${b}`).join(', ')}` : null,
    edition.spotlight ? `spotlight on ${edition.spotlight}` : null,
    edition.hold ? `held${typeof edition.hold === 'string' ? ` (${edition.hold})` : ''}` : null,
  ].filter((p): p is string => p !== null);
  return `From ${editionFile}: ${parts.length > 0 ? parts.join('; ') : 'nothing (the file sets no option)'}.`;
}

/** The sentence `send` and the scheduler print for a held week; null when it is not held. */
export function holdLine({ issue, edition, editionFile }: PreparedIssue): string | null {
  if (!edition?.hold) return null;
  const why = typeof edition.hold === 'string' ? ` (${edition.hold})` : '';
  return `${issue.week} is held by ${editionFile}${why}: nothing is sent until the hold is lifted.`;
}

export default defineCommand({
  meta: { name: 'build', description: "Select, pair and freeze the week's issue; print its comparisons" },
  args: { ...commonArgs, ...weekArg, ...pairingArgs, json: { type: 'boolean', description: 'print the issue as JSON' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const prepared = await prepareIssue(config, { week: args.week, strategy: args.strategy as Strategy | undefined, spotlight: args.spotlight, now: now() });
    if (args.json) {
      console.log(issueJson(prepared));
      return;
    }
    console.log(issueHeadline(prepared));
    const fromEdition = editionLine(prepared);
    if (fromEdition) console.log(fromEdition);
    for (const [i, comparison] of prepared.issue.comparisons.entries()) console.log(`\n${comparisonLines(comparison, i).join('\n')}`);
  },
});
