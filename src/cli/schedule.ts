import cron from 'node-cron';
import { defineCommand } from 'citty';
import type { Config } from '../config.ts';
import { sendWeek, succeeded } from '../delivery/send-week.ts';
import { lastEndedWeek, localTime, previousWeek, weekRange } from '../digest/week.ts';
import { UserError } from '../errors.ts';
import { ScheduleStore, type ScheduleRecord } from '../state/schedule.ts';
import { nextTick, waitUntil } from '../ticks.ts';
import { commonArgs, configFrom, now, print, strictFlags } from './common.ts';
import { printingHooks, sendLines } from './report.ts';

export const DEFAULT_CRON = '0 9 * * 1';
const MINUTE = 60_000;

/**
 * The week the schedule owes at `at`, with the tick that made it due: the most recent week whose first tick after its
 * end has come (the last week that ended, or before its tick, the one before). Null when no tick came in that time.
 */
export function dueTick(at: Date, timezone: string, matches: (minute: Date) => boolean): { week: string; tick: Date } | null {
  const last = lastEndedWeek(at, timezone);
  for (const week of [last, previousWeek(last, timezone)]) {
    const end = weekRange(week, timezone).end.getTime();
    for (let minute = end; minute <= at.getTime(); minute += MINUTE) {
      if (matches(new Date(minute))) return { week, tick: new Date(minute) };
    }
  }
  return null;
}

export function dueWeek(at: Date, timezone: string, matches: (minute: Date) => boolean): string | null {
  return dueTick(at, timezone, matches)?.week ?? null;
}

/**
 * The week a scheduler starting at `at` owes for a tick missed while it was down: the week due now, when its tick came
 * after the record says ticks were handled. Null on a first start (no record): an older week was never its to send.
 */
export function missedWeek(at: Date, timezone: string, matches: (minute: Date) => boolean, record: ScheduleRecord | null): string | null {
  const due = record && dueTick(at, timezone, matches);
  return due && due.tick > record.handledUntil ? due.week : null;
}

function log(config: Config, message: string): void {
  const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: config.timezone, dateStyle: 'short', timeStyle: 'medium' }).format(now());
  print(`[${stamp} ${config.timezone}] ${message}`);
}

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
    const expression = args.cron ?? DEFAULT_CRON;
    if (!cron.validate(expression) || nextTick(expression, now(), config.timezone) === null) {
      throw new UserError(`--cron "${expression}" is not a valid cron expression (e.g. "0 9 * * 1" for Monday 09:00).`);
    }
    // Only to match minutes against the expression; ticks are timed from the program's clock below, not node-cron's.
    const task = cron.createTask(expression, () => undefined, { timezone: config.timezone, name: 'weekly-digest' });
    const store = new ScheduleStore(config.stateDir);
    const previous = await store.read();
    let handledUntil = previous?.handledUntil ?? null;
    let writing = Promise.resolve();
    // Every tick up to `at` is handled; written in turn, so a restart catches up only what it missed.
    const markHandled = (at: Date): Promise<void> => {
      if (handledUntil !== null && at <= handledUntil) return writing;
      handledUntil = at;
      writing = writing
        .then(() => store.write({ handledUntil: at }))
        .catch((error: unknown) => log(config, `${store.file} not written: ${(error as Error).message}`));
      return writing;
    };
    let running = false;
    let stopping = false;
    /** Sends `week` for the tick at `at`; the tick counts as handled once the week is done, so a send cut short is caught up at the next start. */
    const sendDue = async (reason: string, at: Date, week: string | null) => {
      if (stopping) return;
      if (running) {
        log(config, `${reason}: a send is still running, so this tick starts nothing.`);
        return;
      }
      if (week === null) {
        log(config, `${reason}: no week is due yet.`);
        await markHandled(at);
        return;
      }
      running = true;
      try {
        log(config, `${reason}: sending ${week}.`);
        const hooks = printingHooks();
        // A signal that came before the send listened for it still stops it.
        const outcome = await sendWeek(config, { week, now: now(), shouldStop: () => stopping }, hooks).finally(() => hooks.finish());
        for (const line of sendLines(outcome)) print(line);
        log(config, succeeded(outcome) ? `${week} done.` : `${week} finished with failures; the next tick retries what is left.`);
        if (succeeded(outcome)) await markHandled(at);
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
    const startedAt = now();
    const matches = (minute: Date) => task.match(minute);
    const first = nextTick(expression, startedAt, config.timezone);
    log(config, `scheduler started with "${expression}"; next tick ${first?.toISOString() ?? 'never'}.`);
    const missed = missedWeek(startedAt, config.timezone, matches, previous);
    const catchUp = args['catch-up'] ? lastEndedWeek(startedAt, config.timezone) : missed;
    if (catchUp === null && previous === null && first !== null) {
      const week = dueWeek(first, config.timezone, matches);
      log(
        config,
        `first start on ${config.stateDir}: nothing is sent now; the first send will be at ${localTime(first, config.timezone)}${week ? ` (${week})` : ''}.`,
      );
    } else if (catchUp === null) {
      log(config, 'start-up: no tick was missed while the scheduler was down.');
    }
    // A missed tick is handled once its catch-up is done; otherwise the start itself is the last instant handled.
    if (missed === null) await markHandled(startedAt);
    const sends: Promise<void>[] = catchUp === null ? [] : [sendDue('start-up catch-up', startedAt, catchUp)];
    // A tick while a send runs is logged and starts nothing, so a tick's send is not awaited here.
    for (let tick = first; tick !== null && (await waitUntil(tick, now, ticks.signal)); ) {
      sends.push(sendDue('tick', tick, dueWeek(now(), config.timezone, matches)));
      tick = nextTick(expression, tick, config.timezone);
      if (tick) log(config, `next tick ${tick.toISOString()}.`);
    }
    await Promise.all(sends);
    await writing;
  },
});
