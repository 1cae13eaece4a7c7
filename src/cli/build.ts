import { defineCommand } from 'citty';
import type { Strategy } from '../digest/schema.ts';
import { frozenNotice, latestWeekHint } from './notices.ts';
import { prepareIssue, type PreparedIssue } from '../pipeline.ts';
import { comparisonLines } from '../render/text.ts';
import { commonArgs, configFrom, now, pairingArgs, print, strictFlags, weekArg } from './common.ts';
import { issueLines } from './report.ts';

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

export default defineCommand({
  meta: { name: 'build', description: "Select, pair and freeze the week's issue; print its comparisons" },
  args: { ...commonArgs, ...weekArg, ...pairingArgs, json: { type: 'boolean', description: 'print the issue as JSON' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const prepared = await prepareIssue(config, {
      week: args.week,
      strategy: args.strategy as Strategy | undefined,
      spotlight: args.spotlight,
      now: now(),
    });
    if (args.json) {
      print(issueJson(prepared));
      return;
    }
    const frozen = await frozenNotice(config, prepared);
    if (frozen) print(frozen);
    for (const line of issueLines(prepared)) print(line);
    const hint = await latestWeekHint(config, prepared, args.week !== undefined);
    if (hint) print(hint);
    for (const [i, comparison] of prepared.issue.comparisons.entries()) print(`\n${comparisonLines(comparison, i).join('\n')}`);
  },
});
