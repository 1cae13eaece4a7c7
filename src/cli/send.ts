import { defineCommand } from 'citty';
import { sendWeek, succeeded } from '../delivery/run.ts';
import type { Strategy } from '../digest/schema.ts';
import { commonArgs, configFrom, now, pairingArgs, strictFlags, weekArg } from './common.ts';
import { printingHooks, sendLines } from './report.ts';

export default defineCommand({
  meta: { name: 'send', description: 'Send the issue to every subscriber who should get it, exactly once' },
  args: {
    ...commonArgs,
    ...weekArg,
    ...pairingArgs,
    'dry-run': { type: 'boolean', description: 'send nothing; report what would be sent' },
    to: { type: 'string', description: 'send one test copy, subject marked [TEST], to this address' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const hooks = printingHooks();
    const outcome = await sendWeek(configFrom(args), {
      week: args.week,
      dryRun: args['dry-run'],
      to: args.to,
      strategy: args.strategy as Strategy | undefined,
      spotlight: args.spotlight,
      now: now(),
    }, hooks).finally(() => hooks.finish());
    for (const line of sendLines(outcome)) console.log(line);
    process.exitCode = succeeded(outcome) ? 0 : 1;
  },
});
