import { CronExpressionParser } from 'cron-parser';

/**
 * The first instant strictly after `after` that `expression` names, on the wall clock of `timezone`; null when
 * it names none. Computed from the given instant rather than the real clock, so a schedule rehearsed with
 * DIGEST_NOW fires when the program's clock reaches the tick.
 */
export function nextTick(expression: string, after: Date, timezone: string): Date | null {
  try {
    return CronExpressionParser.parse(expression, { currentDate: after, tz: timezone }).next().toDate();
  } catch {
    return null;
  }
}

// setTimeout holds at most about 24.8 days; waiting in hour-long steps also follows a clock that jumps (a suspended laptop).
const STEP_MS = 60 * 60 * 1000;

/** Resolves once `clock` reaches `at`, or early (false) when `signal` aborts. */
export async function waitUntil(at: Date, clock: () => Date, signal: AbortSignal): Promise<boolean> {
  for (;;) {
    if (signal.aborted) return false;
    const left = at.getTime() - clock().getTime();
    if (left <= 0) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, STEP_MS));
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
