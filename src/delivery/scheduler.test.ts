import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.ts';
import { DEFAULT_CRON, dueWeek, missedWeek, runScheduler } from './scheduler.ts';
import { openFiles } from '../state/open.ts';

const task = cron.createTask(DEFAULT_CRON, () => undefined, { timezone: 'America/New_York' });
const monday9 = (minute: Date) => task.match(minute);

describe('dueWeek (default schedule: Monday 09:00 America/New_York)', () => {
  it.each([
    ['Monday 08:59 local: the week that just ended is not due yet, the one before is', '2026-11-16T13:59:00Z', '2026-W45'],
    ['before any tick since two weeks ended', '2026-11-16T13:59:00Z', null, '0 9 1 1 *'],
    ['Monday 09:00 local: it is due', '2026-11-16T14:00:00Z', '2026-W46'],
    ['later that week, after a missed tick: still due', '2026-11-19T03:00:00Z', '2026-W46'],
    ['Sunday night local, Monday in UTC: the week before is the one due', '2026-11-16T03:00:00Z', '2026-W45'],
    ['the Monday after the fall-back change, 09:00 EST', '2026-11-02T14:00:00Z', '2026-W44'],
    ['the Monday after the spring-forward change, 09:00 EDT', '2026-03-09T13:00:00Z', '2026-W10'],
    ['one minute before that: the week before, whose tick came a week ago', '2026-03-09T12:59:00Z', '2026-W09'],
  ])('%s', (_, at, expected, expression?: string) => {
    const other = expression ? cron.createTask(expression, () => undefined, { timezone: 'America/New_York' }) : null;
    const matches = other ? (minute: Date) => other.match(minute) : monday9;
    expect(dueWeek(new Date(at), 'America/New_York', matches)).toBe(expected);
  });
});

describe('missedWeek (default schedule: Monday 09:00 America/New_York)', () => {
  const handled = (at: string) => ({ handledUntil: new Date(at) });
  it.each([
    ['a first start (no record) never owes a week, even days after a tick', '2026-11-18T15:00:00Z', null, null],
    ['down since the Friday before: the Monday tick was missed', '2026-11-18T15:00:00Z', handled('2026-11-13T12:00:00Z'), '2026-W46'],
    ['up at the Monday tick: nothing was missed', '2026-11-18T15:00:00Z', handled('2026-11-16T14:00:00Z'), null],
    ['first started after the tick: the week was never its to send', '2026-11-18T15:00:00Z', handled('2026-11-17T10:00:00Z'), null],
    ['down for three weeks: only the latest week due is owed', '2026-11-18T15:00:00Z', handled('2026-10-28T12:00:00Z'), '2026-W46'],
    [
      'Monday 08:59, down since the Sunday before last: the week before is owed',
      '2026-11-16T13:59:00Z',
      handled('2026-11-08T12:00:00Z'),
      '2026-W45',
    ],
  ])('%s', (_, at, record, expected) => {
    expect(missedWeek(new Date(at), 'America/New_York', monday9, record)).toBe(expected);
  });
});

describe('runScheduler', () => {
  it('runs in-process on the clock it is given, logs stamped lines, and stops when its signal aborts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'scheduler-'));
    try {
      const config = resolveConfig(
        { data: dir, subscribers: path.join(dir, 'subscribers.csv'), state: dir, tz: 'America/New_York' },
        { DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234' },
      );
      const stop = new AbortController();
      const lines: string[] = [];
      const at = new Date('2026-11-18T15:00:00Z');
      await runScheduler(config, openFiles(config.stateDir, config.subscribersFile), {
        now: () => at,
        log: (line) => {
          lines.push(line);
          if (line.includes('first start')) stop.abort();
        },
        signal: stop.signal,
        hooks: () => ({}),
        onOutcome: () => undefined,
      });
      expect(lines).toEqual([
        '[2026-11-18 10:00:00 America/New_York] scheduler started with "0 9 * * 1"; next tick 2026-11-23T14:00:00.000Z.',
        expect.stringMatching(/^\[2026-11-18 10:00:00 America\/New_York\] first start on .*: nothing is sent now; .* \(2026-W47\)\.$/),
        '[2026-11-18 10:00:00 America/New_York] stopping.',
      ]);
      expect(JSON.parse(await readFile(path.join(dir, 'schedule.json'), 'utf8'))).toEqual({ handledUntil: at.toISOString() });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
