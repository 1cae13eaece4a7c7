import { defineCommand } from 'citty';
import { sendWeek, succeeded } from '../delivery/send-week.ts';
import type { Strategy } from '../digest/schema.ts';
import { UserError } from '../errors.ts';
import { latestWeekHint } from './notices.ts';
import { commonArgs, configFrom, now, pairingArgs, print, strictFlags, weekArg, openRunState } from './common.ts';
import { setExitStatus } from './io.ts';
import { printingHooks, sendLines } from './report.ts';

export default defineCommand({
  meta: { name: 'send', description: 'Send the issue to every subscriber who should get it, exactly once' },
  args: {
    ...commonArgs,
    ...weekArg,
    ...pairingArgs,
    'dry-run': { type: 'boolean', description: 'send nothing; report what would be sent' },
    verbose: { type: 'boolean', description: 'with --dry-run: list every skipped reader as address,reason' },
    to: { type: 'string', description: 'send one test copy, subject marked [TEST], to this address' },
    wait: { type: 'boolean', description: "when another host is sending this week's issue, wait for it instead of refusing" },
    'resend-unknown': {
      type: 'boolean',
      description: 'also send batches of unknown fate that first went over 23 hours ago (their readers may get the issue twice)',
    },
  },
  plugins: [strictFlags],
  async run({ args }) {
    if (args.verbose && !args['dry-run'])
      throw new UserError('--verbose goes with --dry-run: send --dry-run --verbose lists every skipped reader.', 2);
    const config = configFrom(args);
    const hooks = printingHooks();
    const outcome = await sendWeek(
      config,
      await openRunState(config),
      {
        week: args.week,
        dryRun: args['dry-run'],
        verbose: args.verbose,
        to: args.to,
        strategy: args.strategy as Strategy | undefined,
        spotlight: args.spotlight,
        wait: args.wait,
        resendUnknown: args['resend-unknown'],
        now: now(),
      },
      hooks,
    ).finally(() => hooks.finish());
    for (const line of sendLines(outcome)) print(line);
    if (outcome.kind === 'sent') for await (const line of outcome.skippedLines ?? []) print(line);
    const hint = await latestWeekHint(config, outcome.prepared, args.week !== undefined);
    if (hint) print(hint);
    setExitStatus(succeeded(outcome) ? 0 : 1);
  },
});
