import { describe, expect, it } from 'vitest';
import { addedInstant, lastEndedWeek, previousWeek, weekLabel, weekOf, weekRange } from './week.ts';

const NY = 'America/New_York';
const AKL = 'Pacific/Auckland';
const KOL = 'Asia/Kolkata';
const HOUR = 3_600_000;

const at = (iso: string) => new Date(iso);

describe('weekOf', () => {
  it.each([
    // instant, time zone, week
    ['2026-11-16T00:00:00Z', 'UTC', '2026-W47'],
    ['2026-11-15T23:59:59.999Z', 'UTC', '2026-W46'],
    // Sunday 23:30 in New York is already Monday 04:30 in UTC.
    ['2026-11-15T23:30:00-05:00', NY, '2026-W46'],
    ['2026-11-15T23:30:00-05:00', 'UTC', '2026-W47'],
    // Monday 00:00 local in New York (EST) is 05:00 UTC.
    ['2026-11-16T05:00:00Z', NY, '2026-W47'],
    ['2026-11-16T04:59:59.999Z', NY, '2026-W46'],
    // Auckland (UTC+13 in November) is in Monday while UTC is still Sunday.
    ['2026-11-15T11:00:00Z', AKL, '2026-W47'],
    ['2026-11-15T10:59:59.999Z', AKL, '2026-W46'],
    ['2026-11-15T11:00:00Z', 'UTC', '2026-W46'],
    // Kolkata is UTC+05:30: Monday 00:00 local is Sunday 18:30 UTC.
    ['2026-11-15T18:30:00Z', KOL, '2026-W47'],
    ['2026-11-15T18:29:59.999Z', KOL, '2026-W46'],
    // ISO year boundaries.
    ['2025-12-29T00:00:00Z', 'UTC', '2026-W01'],
    ['2025-12-28T23:59:59Z', 'UTC', '2025-W52'],
    ['2026-12-31T12:00:00Z', 'UTC', '2026-W53'],
    ['2027-01-03T23:59:59Z', 'UTC', '2026-W53'],
    ['2027-01-04T00:00:00Z', 'UTC', '2027-W01'],
    // New Year's Eve evening in New York is already 2027-W01 in UTC.
    ['2027-01-03T23:30:00-05:00', NY, '2026-W53'],
    ['2027-01-03T23:30:00-05:00', 'UTC', '2027-W01'],
    // Around the daylight-saving changes in New York.
    ['2026-03-08T03:30:00-04:00', NY, '2026-W10'],
    ['2026-03-09T00:00:00-04:00', NY, '2026-W11'],
    ['2026-11-01T01:30:00-05:00', NY, '2026-W44'],
    ['2026-11-02T00:00:00-05:00', NY, '2026-W45'],
  ])('%s in %s is %s', (instant, timezone, week) => {
    expect(weekOf(at(instant), timezone)).toBe(week);
  });
});

describe('weekRange', () => {
  it.each([
    // week, time zone, start, end, hours
    ['2026-W47', 'UTC', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z', 168],
    // Spring forward on Sunday 2026-03-08 in New York: 167 hours, from EST midnight to EDT midnight.
    ['2026-W10', NY, '2026-03-02T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 167],
    ['2026-W11', NY, '2026-03-09T04:00:00.000Z', '2026-03-16T04:00:00.000Z', 168],
    // Fall back on Sunday 2026-11-01 in New York: 169 hours, from EDT midnight to EST midnight.
    ['2026-W44', NY, '2026-10-26T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 169],
    ['2026-W45', NY, '2026-11-02T05:00:00.000Z', '2026-11-09T05:00:00.000Z', 168],
    // Auckland: daylight saving ends Sunday 2026-04-05 (+13 to +12) and starts Sunday 2026-09-27 (+12 to +13).
    ['2026-W14', AKL, '2026-03-29T11:00:00.000Z', '2026-04-05T12:00:00.000Z', 169],
    ['2026-W39', AKL, '2026-09-20T12:00:00.000Z', '2026-09-27T11:00:00.000Z', 167],
    ['2026-W47', AKL, '2026-11-15T11:00:00.000Z', '2026-11-22T11:00:00.000Z', 168],
    ['2026-W47', KOL, '2026-11-15T18:30:00.000Z', '2026-11-22T18:30:00.000Z', 168],
    // ISO year boundaries.
    ['2026-W01', 'UTC', '2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z', 168],
    ['2026-W53', 'UTC', '2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z', 168],
    ['2027-W01', 'UTC', '2027-01-04T00:00:00.000Z', '2027-01-11T00:00:00.000Z', 168],
    ['2020-W53', 'UTC', '2020-12-28T00:00:00.000Z', '2021-01-04T00:00:00.000Z', 168],
  ])('%s in %s runs %s to %s (%i h)', (week, timezone, start, end, hours) => {
    const range = weekRange(week, timezone);
    expect(range.week).toBe(week);
    expect(range.start.toISOString()).toBe(start);
    expect(range.end.toISOString()).toBe(end);
    expect((range.end.getTime() - range.start.getTime()) / HOUR).toBe(hours);
  });

  it.each([
    ['2026-W10', NY],
    ['2026-W44', NY],
    ['2026-W14', AKL],
    ['2026-W39', AKL],
    ['2026-W53', KOL],
  ])('%s in %s starts and ends on Monday 00:00 on the local wall clock', (week, timezone) => {
    const { start, end } = weekRange(week, timezone);
    const wall = (d: Date) =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(d);
    expect(wall(start)).toBe('Mon 00:00');
    expect(wall(end)).toBe('Mon 00:00');
  });

  it.each([
    ['2026-W10', NY],
    ['2026-W44', NY],
    ['2026-W01', AKL],
    ['2026-W53', KOL],
  ])('%s in %s: its first and last millisecond belong to it, its end to the next week', (week, timezone) => {
    const { start, end } = weekRange(week, timezone);
    expect(weekOf(start, timezone)).toBe(week);
    expect(weekOf(new Date(end.getTime() - 1), timezone)).toBe(week);
    expect(weekOf(end, timezone)).not.toBe(week);
    expect(weekOf(new Date(start.getTime() - 1), timezone)).not.toBe(week);
  });

  it.each(['2025-W53', '2027-W53', '2021-W53'])('throws for %s, a week its year does not have', (week) => {
    expect(() => weekRange(week, 'UTC')).toThrow(/does not exist/);
  });
});

describe('lastEndedWeek', () => {
  it.each([
    // now, time zone, last ended week
    ['2026-11-18T12:00:00Z', 'UTC', '2026-W46'],
    // Exactly Monday 00:00 local: the week before has just ended.
    ['2026-11-16T00:00:00Z', 'UTC', '2026-W46'],
    ['2026-11-15T23:59:59.999Z', 'UTC', '2026-W45'],
    ['2026-11-16T05:00:00Z', NY, '2026-W46'],
    ['2026-11-16T04:59:59.999Z', NY, '2026-W45'],
    // Monday 00:00 right after the fall-back week, and right after the spring-forward week.
    ['2026-11-02T05:00:00Z', NY, '2026-W44'],
    ['2026-11-02T04:59:59.999Z', NY, '2026-W43'],
    ['2026-03-09T04:00:00Z', NY, '2026-W10'],
    ['2026-03-09T03:59:59.999Z', NY, '2026-W09'],
    ['2026-11-15T11:00:00Z', AKL, '2026-W46'],
    ['2026-11-15T10:59:59.999Z', AKL, '2026-W45'],
    ['2026-11-15T18:30:00Z', KOL, '2026-W46'],
    ['2026-11-15T18:29:59.999Z', KOL, '2026-W45'],
    // Across the ISO year boundary.
    ['2027-01-04T00:00:00Z', 'UTC', '2026-W53'],
    ['2026-01-01T00:00:00Z', 'UTC', '2025-W52'],
    ['2026-01-05T00:00:00Z', 'UTC', '2026-W01'],
  ])('at %s in %s: %s', (now, timezone, week) => {
    expect(lastEndedWeek(at(now), timezone)).toBe(week);
  });
});

describe('previousWeek', () => {
  it.each([
    ['2026-W47', 'UTC', '2026-W46'],
    ['2026-W11', NY, '2026-W10'],
    ['2026-W45', NY, '2026-W44'],
    ['2026-W01', 'UTC', '2025-W52'],
    ['2027-W01', 'UTC', '2026-W53'],
    ['2027-W01', AKL, '2026-W53'],
    ['2026-W15', AKL, '2026-W14'],
  ])('before %s in %s comes %s', (week, timezone, previous) => {
    expect(previousWeek(week, timezone)).toBe(previous);
  });
});

describe('addedInstant', () => {
  it.each([
    // addedAt, time zone, instant
    ['2026-11-17', 'UTC', '2026-11-17T00:00:00.000Z'],
    ['2026-11-17', NY, '2026-11-17T05:00:00.000Z'],
    ['2026-07-17', NY, '2026-07-17T04:00:00.000Z'],
    ['2026-11-17', AKL, '2026-11-16T11:00:00.000Z'],
    ['2026-11-17', KOL, '2026-11-16T18:30:00.000Z'],
    // Local midnight on the days of the changes.
    ['2026-03-08', NY, '2026-03-08T05:00:00.000Z'],
    ['2026-11-01', NY, '2026-11-01T04:00:00.000Z'],
    // An instant with an offset is that instant, whatever the time zone.
    ['2026-11-17T15:00:00Z', NY, '2026-11-17T15:00:00.000Z'],
    ['2026-11-15T23:30:00-05:00', 'UTC', '2026-11-16T04:30:00.000Z'],
    ['2026-11-16T09:00:00+05:30', AKL, '2026-11-16T03:30:00.000Z'],
  ])('%s in %s is %s', (addedAt, timezone, instant) => {
    expect(addedInstant(addedAt, timezone).toISOString()).toBe(instant);
  });

  it.each([
    // A date-only value is in the week of that local day, also where UTC is on another day.
    ['2026-11-16', AKL, '2026-W47'],
    ['2026-11-16', KOL, '2026-W47'],
    ['2026-11-15', NY, '2026-W46'],
    ['2026-11-16', NY, '2026-W47'],
    ['2026-03-09', NY, '2026-W11'],
    ['2026-11-02', NY, '2026-W45'],
    ['2027-01-03', AKL, '2026-W53'],
  ])('date-only %s in %s falls in %s', (addedAt, timezone, week) => {
    expect(weekOf(addedInstant(addedAt, timezone), timezone)).toBe(week);
  });
});

describe('weekLabel', () => {
  it.each([
    ['2026-W46', 'UTC', 'Nov 9–15, 2026'],
    ['2026-W46', NY, 'Nov 9–15, 2026'],
    ['2026-W46', AKL, 'Nov 9–15, 2026'],
    ['2026-W44', NY, 'Oct 26–Nov 1, 2026'],
    ['2026-W10', NY, 'Mar 2–8, 2026'],
    ['2026-W53', 'UTC', 'Dec 28–Jan 3, 2027'],
    ['2026-W01', KOL, 'Dec 29–Jan 4, 2026'],
  ])('%s in %s reads %s', (week, timezone, label) => {
    expect(weekLabel(weekRange(week, timezone), timezone)).toBe(label);
  });
});
