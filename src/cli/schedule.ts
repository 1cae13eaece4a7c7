import cron from 'node-cron';
import { defineCommand } from 'citty';
import type { Config } from '../config.ts';
import { sendWeek, succeeded } from '../delivery/run.ts';
import { lastEndedWeek, previousWeek, weekRange } from '../digest/week.ts';
import { UserError } from '../errors.ts';
import { nextTick, waitUntil } from '../ticks.ts';
import { commonArgs, configFrom, now, strictFlags } from './common.ts';
import { printingHooks, sendLines } from './report.ts';

export const DEFAULT_CRON = '0 9 * * 1';
const MINUTE = 60_000;

/**
 * The week the schedule owes at `at`: the most recent week whose first tick after its end has come
 * (the last week that ended, or before its tick, the one before). Null when no tick came in that time.
 */
export function dueWeek(at: Date, timezone: string, matches: (minute: Date) => boolean): string | null {
  const last = lastEndedWeek(at, timezone);
  for (const week of [last, previousWeek(last, timezone)]) {
    const end = weekRange(week, timezone).end.getTime();
    for (let minute = end; minute <= at.getTime(); minute += MINUTE) {
      if (matches(new Date(minute))) return week;
    }
  }
  return null;
}

function log(config: Config, message: string): void {
  const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: config.timezone, dateStyle: 'short', timeStyle: 'medium' }).format(now());
  console.log(`[${stamp} ${config.timezone}] ${message}`);
}

export default defineCommand({
  meta: { name: 'schedule', description: 'Stay running and send each week that ends, at each tick (default Monday 09:00)' },
  args: { ...commonArgs, cron: { type: 'string', description: `cron expression in the digest time zone (default: "${DEFAULT_CRON}")` } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const expression = args.cron ?? DEFAULT_CRON;
    if (!cron.validate(expression) || nextTick(expression, now(), config.timezone) === null) {
      throw new UserError(`--cron "${expression}" is not a valid cron expression (e.g. "0 9 * * 1" for Monday 09:00).`);
    }
    // Only to match minutes against the expression; ticks are timed from the program's clock below, not node-cron's.
    const task = cron.createTask(expression, () => undefined, { timezone: config.timezone, name: 'weekly-digest' });
    let running = false;
    let stopping = false;
    const sendDue = async (reason: string) => {
      if (stopping) return;
      if (running) {
        log(config, `${reason}: a send is still running, so this tick starts nothing.`);
        return;
      }
      const week = dueWeek(now(), config.timezone, (minute) => task.match(minute));
      if (week === null) {
        log(config, `${reason}: no week is due yet.`);
        return;
      }
      running = true;
      try {
        log(config, `${reason}: sending ${week}.`);
        const hooks = printingHooks();
        // A signal that came before the send listened for it still stops it.
        const outcome = await sendWeek(config, { week, now: now(), shouldStop: () => stopping }, hooks).finally(() => hooks.finish());
        for (const line of sendLines(outcome)) console.log(line);
        log(config, succeeded(outcome) ? `${week} done.` : `${week} finished with failures; the next tick retries what is left.`);
      } catch (error) {
        log(config, `${week} not sent: ${(error as Error).message}`);
      } finally {
        running = false;
      }
    };
    // Listening before the catch-up send, so a signal during it stops that send (which hears it too) and the scheduler.
    const ticks = new AbortController();
    const stop = () => {
      stopping = true;
      log(config, 'stopping.');
      ticks.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const first = nextTick(expression, now(), config.timezone);
    log(config, `scheduler started with "${expression}"; next tick ${first?.toISOString() ?? 'never'}.`);
    const sends: Promise<void>[] = [sendDue('start-up catch-up')];
    // A tick while a send runs is logged and starts nothing, so a tick's send is not awaited here.
    for (let tick = first; tick !== null && (await waitUntil(tick, now, ticks.signal)); ) {
      sends.push(sendDue('tick'));
      tick = nextTick(expression, tick, config.timezone);
      if (tick) log(config, `next tick ${tick.toISOString()}.`);
    }
    await Promise.all(sends);
  },
});
