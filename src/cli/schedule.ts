import { defineCommand } from 'citty';
import { DEFAULT_CRON, runScheduler } from '../delivery/scheduler.ts';
import { commonArgs, configFrom, now, print, strictFlags, openRunState } from './common.ts';
import { printingHooks, sendLines } from './report.ts';

export default defineCommand({
  meta: { name: 'schedule', description: 'Stay running and send each week that ends, at each tick (default Monday 09:00)' },
  args: {
    ...commonArgs,
    cron: { type: 'string', description: `cron expression in the digest time zone (default: "${DEFAULT_CRON}")` },
    'catch-up': { type: 'boolean', description: 'send the last week that ended now, also on a first start' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    // Listening before the catch-up send, so a signal during it stops that send (which hears it too) and the scheduler.
    const stop = new AbortController();
    const abort = () => stop.abort();
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    await runScheduler(config, await openRunState(config), {
      expression: args.cron,
      catchUp: args['catch-up'],
      now: () => now(),
      log: print,
      signal: stop.signal,
      hooks: printingHooks,
      onOutcome: (outcome) => {
        for (const line of sendLines(outcome)) print(line);
      },
    }).finally(() => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    });
  },
});
