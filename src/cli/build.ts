import { defineCommand } from 'citty';
import { issueJson } from '../digest/issue.ts';
import type { Strategy } from '../digest/schema.ts';
import { frozenNotice, latestWeekHint } from './notices.ts';
import { prepareIssue } from '../pipeline.ts';
import { comparisonLines } from '../render/text.ts';
import { commonArgs, configFrom, now, pairingArgs, print, strictFlags, weekArg, openRunState } from './common.ts';
import { issueLines } from './report.ts';

export default defineCommand({
  meta: { name: 'build', description: "Select, pair and freeze the week's issue; print its comparisons" },
  args: { ...commonArgs, ...weekArg, ...pairingArgs, json: { type: 'boolean', description: 'print the issue as JSON' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const state = await openRunState(config);
    const prepared = await prepareIssue(config, state, {
      week: args.week,
      strategy: args.strategy as Strategy | undefined,
      spotlight: args.spotlight,
      now: now(),
    });
    if (args.json) {
      print(issueJson(prepared.issue));
      return;
    }
    const frozen = await frozenNotice(config, state, prepared);
    if (frozen) print(frozen);
    for (const line of issueLines(prepared)) print(line);
    const hint = await latestWeekHint(config, prepared, args.week !== undefined);
    if (hint) print(hint);
    for (const [i, comparison] of prepared.issue.comparisons.entries()) print(`\n${comparisonLines(comparison, i).join('\n')}`);
  },
});
