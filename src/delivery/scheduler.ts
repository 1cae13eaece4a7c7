import cron from 'node-cron';
import type { Config } from '../config.ts';
import { lastEndedWeek, localTime, previousWeek, weekRange } from '../digest/week.ts';
import { UserError } from '../errors.ts';
import type { ScheduleRecord } from '../state/schedule.ts';
import type { State } from '../state/stores.ts';
import { sendLock } from '../state/submission.ts';
import { nextTick, waitUntil } from '../ticks.ts';
import { sendWeek, type SendHooks, type SendOutcome, succeeded } from './send-week.ts';

export const DEFAULT_CRON = '0 9 * * 1';
const MINUTE = 60_000;

/**
 * A scheduler standing by while another process sends a week looks again every `checkMs` (and at each of its ticks),
 * and finishes the week once that process let go of it. A killed sender lets go at once; a host that died, once the
 * database notices (DEAD_HOST_NOTICED_MS in state/pg/connect.ts). So a week whose sender died is finished within `boundMs`.
 */
export const STANDBY = { checkMs: MINUTE, boundMs: 5 * MINUTE };

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
  /** How often a scheduler standing by for another process's send looks again (default STANDBY.checkMs). */
  standbyCheckMs?: number;
}

/** Whether the send of `week` started and left batches unsent (stopped, killed, or failed with their fate unknown). */
async function leftUnfinished(state: State, week: string): Promise<boolean> {
  // A ledger that cannot be read is for the send to report, in its own sentence.
  const ledger = state.ledger(week);
  const summary = await ledger.summarize(() => undefined).catch(() => null);
  return (summary?.unfinished.length ?? 0) > 0;
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
  const checkMs = options.standbyCheckMs ?? STANDBY.checkMs;
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
  /** Set while this scheduler stands by for another process's send: aborting it looks again at once. */
  let standingBy: AbortController | null = null;
  // The lock sendWeek holds. Not knowing (the database did not answer) counts as free: the send that follows says why.
  const holder = (week: string) => state.locks.holder(sendLock(week)).catch(() => null);
  /**
   * The outcome of sending `week` here; while another process holds its send, stands by until that one lets go
   * (finished, or died) and then sends what is left. Null when the scheduler stopped while standing by.
   */
  const sendOrStandBy = async (reason: string, week: string): Promise<SendOutcome | null> => {
    for (let attempt = reason; ; attempt = 'standby') {
      log(`${attempt}: sending ${week}.`);
      const hooks = options.hooks();
      try {
        // A signal that came before the send listened for it still stops it.
        return await sendWeek(config, state, { week, now: now(), shouldStop: () => signal.aborted }, hooks);
      } catch (error) {
        if ((await holder(week)) === null) throw error;
        log(
          `${(error as Error).message} Standing by: this scheduler looks again every ${checkMs / 1000} s and at each tick, and finishes ${week} if that send stops unfinished.`,
        );
      } finally {
        hooks.finish?.();
      }
      do {
        standingBy = new AbortController();
        await waitUntil(new Date(now().getTime() + checkMs), now, AbortSignal.any([signal, standingBy.signal]));
        standingBy = null;
        if (signal.aborted) return null;
      } while ((await holder(week)) !== null);
    }
  };
  /** Sends `week` for the tick at `at`; the tick counts as handled once the week is done, so a send cut short is caught up at the next start. */
  const sendDue = async (reason: string, at: Date, week: string | null) => {
    if (signal.aborted) return;
    if (standingBy) {
      log(`${reason}: standing by for another process's send; looking again now.`);
      standingBy.abort();
      return;
    }
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
      const outcome = await sendOrStandBy(reason, week);
      if (outcome === null) return;
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
  // A send that a scheduler or `send` left half done (killed, stopped) is finished, whatever the record says.
  const due = dueWeek(startedAt, config.timezone, matches);
  const resume = missed === null && !options.catchUp && due !== null && (await leftUnfinished(state, due)) ? due : null;
  const catchUp = options.catchUp ? lastEndedWeek(startedAt, config.timezone) : (missed ?? resume);
  if (resume !== null) {
    log(`start-up: the send of ${resume} started and did not finish; it is finished now.`);
  } else if (catchUp === null && previous === null && first !== null) {
    const week = dueWeek(first, config.timezone, matches);
    log(
      `first start on ${state.place}: nothing is sent now; the first send will be at ${localTime(first, config.timezone)}${week ? ` (${week})` : ''}.`,
    );
  } else if (catchUp === null) {
    log('start-up: no tick was missed while the scheduler was down.');
  }
  // A catch-up marks its instant handled once it is done; without one, the start itself is the last instant handled.
  if (catchUp === null) await markHandled(startedAt);
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
