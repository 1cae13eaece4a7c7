import { TZDate } from '@date-fns/tz';
import { getISOWeek } from 'date-fns/getISOWeek';
import { getISOWeekYear } from 'date-fns/getISOWeekYear';
import { isDateOnly, parseDateTime } from '../catalog/schema.ts';
import type { WeekId } from './schema.ts';

/** A week's bounds as instants: Monday 00:00 (inclusive) to the next Monday 00:00 (exclusive), on the wall clock of `timezone`. */
export interface WeekRange {
  week: WeekId;
  start: Date;
  end: Date;
}

/** Throws on a name the runtime's time zone database doesn't know. */
export function assertTimeZone(timezone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone: timezone });
}

/** The ISO week that contains `instant` on the wall clock of `timezone`. */
export function weekOf(instant: Date, timezone: string): WeekId {
  const local = new TZDate(instant.getTime(), timezone);
  const week = getISOWeek(local);
  return `${getISOWeekYear(local)}-W${String(week).padStart(2, '0')}`;
}

function localMidnight(year: number, monthIndex: number, day: number, timezone: string): Date {
  return new Date(new TZDate(year, monthIndex, day, 0, 0, 0, timezone).getTime());
}

/** Monday to Monday of `week` in `timezone`; 23, 24 or 25 hours a day across a daylight-saving change. */
export function weekRange(week: WeekId, timezone: string): WeekRange {
  const [yearText, weekText] = week.split('-W') as [string, string];
  // January 4th is always in ISO week 1; count days on the calendar, never in hours.
  const jan4 = new Date(Date.UTC(Number(yearText), 0, 4));
  const mondayOfWeek1 = 4 - ((jan4.getUTCDay() + 6) % 7);
  const monday = new Date(Date.UTC(Number(yearText), 0, mondayOfWeek1 + 7 * (Number(weekText) - 1)));
  const nextMonday = new Date(Date.UTC(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate() + 7));
  const start = localMidnight(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate(), timezone);
  const end = localMidnight(nextMonday.getUTCFullYear(), nextMonday.getUTCMonth(), nextMonday.getUTCDate(), timezone);
  if (weekOf(start, timezone) !== week) throw new RangeError(`${week} does not exist: its year has no such ISO week.`);
  return { week, start, end };
}

/** The most recent week that has ended by `now`: the week before the one `now` falls in. */
export function lastEndedWeek(now: Date, timezone: string): WeekId {
  const current = weekRange(weekOf(now, timezone), timezone);
  return weekOf(new Date(current.start.getTime() - 1), timezone);
}

/** The week before `week`. */
export function previousWeek(week: WeekId, timezone: string): WeekId {
  return weekOf(new Date(weekRange(week, timezone).start.getTime() - 1), timezone);
}

/** When a tool entered the catalog: the instant itself, or local midnight of a date-only value. */
export function addedInstant(addedAt: string, timezone: string): Date {
  if (isDateOnly(addedAt)) {
    const [y, m, d] = addedAt.split('-').map(Number) as [number, number, number];
    return localMidnight(y, m - 1, d, timezone);
  }
  return parseDateTime(addedAt);
}

/** A human label: "Nov 9–15, 2026" style, from the week's local Monday to Sunday. */
export function weekLabel(range: WeekRange, timezone: string): string {
  const fmt = (date: Date, options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, ...options }).format(date);
  const sunday = new Date(range.end.getTime() - 1);
  const sameMonth = fmt(range.start, { month: 'short' }) === fmt(sunday, { month: 'short' });
  const from = fmt(range.start, { month: 'short', day: 'numeric' });
  const to = sameMonth ? fmt(sunday, { day: 'numeric' }) : fmt(sunday, { month: 'short', day: 'numeric' });
  return `${from}–${to}, ${fmt(sunday, { year: 'numeric' })}`;
}

/** An instant on the wall clock of `timezone`, to the minute: "2026-11-16 09:00 America/New_York". */
export function localTime(at: Date, timezone: string): string {
  return `${new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' }).format(at)} ${timezone}`;
}
