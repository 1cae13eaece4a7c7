import cron from 'node-cron';
import type { Config } from '../config.ts';
import { lastEndedWeek, localTime, previousWeek, weekRange } from '../digest/week.ts';
import { UserError } from '../errors.ts';
import type { ScheduleRecord } from '../state/schedule.ts';
import type { State } from '../state/stores.ts';
import { nextTick, waitUntil } from '../ticks.ts';
import { sendWeek, type SendHooks, type SendOutcome, succeeded } from './send-week.ts';

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

export interface SchedulerOptions {
  /** Cron expression in the digest's time zone (default DEFAULT_CRON). */
  expression?: string;
  /** Send the last week that ended at start-up, also on a first start. */
  catchUp?: boolean;
  /** The program's clock; ticks are timed from it, so a schedule rehearsed with DIGEST_NOW fires when it reaches them. */
  now: () => Date;
  /** Where the scheduler's lines go, each stamped with the local time. */
  log: (line: string) => void;
  /** Aborting it stops the scheduler, and a send in flight after its batch. */
  signal: AbortSignal;
  /** What a send says while it runs (a fresh set per send), and its outcome once done. */
  hooks: () => SendHooks & { finish?: () => void };
  onOutcome: (outcome: SendOutcome) => void;
}

/**
 * Stays running and sends each week that ends, at each tick of the expression, until `signal` aborts. A tick missed
 * while it was down (see missedWeek) is caught up at start-up; `<state>/schedule.json` says until when ticks were handled.
 */
export async function runScheduler(config: Config, state: State, options: SchedulerOptions): Promise<void> {
  const { now, signal } = options;
  const expression = options.expression ?? DEFAULT_CRON;
  if (!cron.validate(expression) || nextTick(expression, now(), config.timezone) === null) {
    throw new UserError(`--cron "${expression}" is not a valid cron expression (e.g. "0 9 * * 1" for Monday 09:00).`);
  }
  const stamp = new Intl.DateTimeFormat('sv-SE', { timeZone: config.timezone, dateStyle: 'short', timeStyle: 'medium' });
  const log = (message: string) => options.log(`[${stamp.format(now())} ${config.timezone}] ${message}`);
  // Only to match minutes against the expression; ticks are timed from the program's clock below, not node-cron's.
  const task = cron.createTask(expression, () => undefined, { timezone: config.timezone, name: 'weekly-digest' });
  const store = state.schedule;
  const previous = await store.read();
  let handledUntil = previous?.handledUntil ?? null;
  let writing = Promise.resolve();
  // Every tick up to `at` is handled; written in turn, so a restart catches up only what it missed.
  const markHandled = (at: Date): Promise<void> => {
    if (handledUntil !== null && at <= handledUntil) return writing;
    handledUntil = at;
    writing = writing
      .then(() => store.write({ handledUntil: at }))
      .catch((error: unknown) => log(`${store.place} not written: ${(error as Error).message}`));
    return writing;
  };
  let running = false;
  /** Sends `week` for the tick at `at`; the tick counts as handled once the week is done, so a send cut short is caught up at the next start. */
  const sendDue = async (reason: string, at: Date, week: string | null) => {
    if (signal.aborted) return;
    if (running) {
      log(`${reason}: a send is still running, so this tick starts nothing.`);
      return;
    }
    if (week === null) {
      log(`${reason}: no week is due yet.`);
      await markHandled(at);
      return;
    }
    running = true;
    try {
      log(`${reason}: sending ${week}.`);
      const hooks = options.hooks();
      // A signal that came before the send listened for it still stops it.
      const outcome = await sendWeek(config, state, { week, now: now(), shouldStop: () => signal.aborted }, hooks).finally(() =>
        hooks.finish?.(),
      );
      options.onOutcome(outcome);
      log(succeeded(outcome) ? `${week} done.` : `${week} finished with failures; the next tick retries what is left.`);
      if (succeeded(outcome)) await markHandled(at);
    } catch (error) {
      log(`${week} not sent: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  if (signal.aborted) log('stopping.');
  else signal.addEventListener('abort', () => log('stopping.'), { once: true });
  const startedAt = now();
  const matches = (minute: Date) => task.match(minute);
  const first = nextTick(expression, startedAt, config.timezone);
  log(`scheduler started with "${expression}"; next tick ${first?.toISOString() ?? 'never'}.`);
  const missed = missedWeek(startedAt, config.timezone, matches, previous);
  const catchUp = options.catchUp ? lastEndedWeek(startedAt, config.timezone) : missed;
  if (catchUp === null && previous === null && first !== null) {
    const week = dueWeek(first, config.timezone, matches);
    log(
      `first start on ${state.place}: nothing is sent now; the first send will be at ${localTime(first, config.timezone)}${week ? ` (${week})` : ''}.`,
    );
  } else if (catchUp === null) {
    log('start-up: no tick was missed while the scheduler was down.');
  }
  // A missed tick is handled once its catch-up is done; otherwise the start itself is the last instant handled.
  if (missed === null) await markHandled(startedAt);
  const sends: Promise<void>[] = catchUp === null ? [] : [sendDue('start-up catch-up', startedAt, catchUp)];
  // A tick while a send runs is logged and starts nothing, so a tick's send is not awaited here.
  for (let tick = first; tick !== null && (await waitUntil(tick, now, signal)); ) {
    sends.push(sendDue('tick', tick, dueWeek(now(), config.timezone, matches)));
    tick = nextTick(expression, tick, config.timezone);
    if (tick) log(`next tick ${tick.toISOString()}.`);
  }
  await Promise.all(sends);
  await writing;
}
