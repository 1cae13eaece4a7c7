import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.ts';
import { DEFAULT_CRON, dueWeek, missedWeek, runScheduler, type SchedulerOptions, STANDBY } from './scheduler.ts';
import { DEAD_HOST_NOTICED_MS } from '../state/pg/connect.ts';
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

describe('a scheduler standing by (files state; the state on PostgreSQL: test/standby.test.ts)', () => {
  const WEEK = '2026-W46';
  const READERS = 150;
  // Wednesday after the week ended in New York.
  const AT = new Date('2026-11-18T15:00:00Z');

  /** A state folder with a list of READERS readers and the sample catalog; `run` starts a scheduler on it, on a clock from AT. */
  async function folder() {
    const dir = await mkdtemp(path.join(tmpdir(), 'scheduler-standby-'));
    const subscribers = path.join(dir, 'subscribers.csv');
    await writeFile(subscribers, ['email', ...Array.from({ length: READERS }, (_, i) => `reader${i}@example.com`)].join('\n'));
    const data = fileURLToPath(new URL('../../data', import.meta.url));
    const config = resolveConfig(
      { data, subscribers, state: dir, tz: 'America/New_York' },
      { DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234' },
    );
    const state = openFiles(dir, subscribers);
    const started = Date.now();
    const run = async (options: Partial<SchedulerOptions> & { until: RegExp; onLine?: (line: string) => void }) => {
      const stop = new AbortController();
      const lines: string[] = [];
      await runScheduler(config, state, {
        now: () => new Date(AT.getTime() + Date.now() - started),
        signal: stop.signal,
        hooks: () => ({}),
        onOutcome: () => undefined,
        ...options,
        log: (line) => {
          lines.push(line);
          options.onLine?.(line);
          if (options.until.test(line)) stop.abort();
        },
      });
      return lines;
    };
    return { dir, state, run };
  }

  /** A live process that holds the week's send lock, as a scheduler on another terminal sending it would. */
  async function otherSender(dir: string) {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    await mkdir(path.join(dir, 'locks'), { recursive: true });
    await writeFile(path.join(dir, 'locks', `send-${WEEK}.lock`), `${child.pid} another-holding\n`);
    return child;
  }

  /** The scheduler's lines about sending, without their time stamps. */
  const sending = (lines: string[]) =>
    lines.map((line) => line.replace(/^\[[^\]]*\] /, '')).filter((line) => /sending|Standing by|done\.|not sent|did not finish/.test(line));

  it.each([
    ['looks again every standbyCheckMs', 'start-up catch-up', { catchUp: true, standbyCheckMs: 10 }],
    // A check an hour away: only a tick can look again in time.
    ['looks again at its next tick', 'tick', { expression: '* * * * * *', standbyCheckMs: 3_600_000 }],
  ])(
    'finds the send held by another live process, stands by, %s, and finishes the week once that process is killed',
    async (_, reason, options) => {
      const { dir, state, run } = await folder();
      const other = await otherSender(dir);
      try {
        const lines = await run({
          ...options,
          until: /2026-W46 (done|not sent)/,
          // Killed as soon as the scheduler stands by, as `kill -9` would end a sender on another terminal.
          onLine: (line) => line.includes('Standing by') && other.kill('SIGKILL'),
        });
        expect(sending(lines)).toEqual([
          `${reason}: sending ${WEEK}.`,
          expect.stringMatching(
            /^Another send of 2026-W46 is running \(process \d+, lock .*\); wait for it to finish\. Standing by: this scheduler looks again every [\d.]+ s and at each tick, and finishes 2026-W46 if that send stops unfinished\.$/,
          ),
          `standby: sending ${WEEK}.`,
          `${WEEK} done.`,
        ]);
        expect(lines.join('\n')).toContain(`(process ${other.pid}, lock `);
        expect((await state.ledger(WEEK).sentReaders()).size).toBe(READERS);
        expect((await state.schedule.read())?.handledUntil.getTime()).toBeGreaterThanOrEqual(AT.getTime());
      } finally {
        other.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it("a catch-up stopped mid-send leaves the shared mark saying nothing of it, and the next start finishes that week's send", async () => {
    const { dir, state, run } = await folder();
    try {
      // Stopped once its plan is in the ledger, before any batch went: the scheduler sending it is gone.
      const stop = new AbortController();
      const first = await run({ catchUp: true, signal: stop.signal, hooks: () => ({ onStart: () => stop.abort() }), until: /^$/ });
      expect(first.join('\n')).toContain('2026-W46 finished with failures');
      expect(await state.schedule.read()).toBeNull();

      const second = await run({ until: /2026-W46 (done|not sent)/ });
      expect(sending(second)).toEqual([
        `start-up: the send of ${WEEK} started and did not finish; it is finished now.`,
        `start-up catch-up: sending ${WEEK}.`,
        `${WEEK} done.`,
      ]);
      expect((await state.ledger(WEEK).sentReaders()).size).toBe(READERS);
      expect(await state.schedule.read()).not.toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the bound holds: a check, plus the time the database takes to let a dead host go, fit in STANDBY.boundMs', () => {
    expect(STANDBY.boundMs).toBe(5 * 60_000);
    expect(STANDBY.checkMs + DEAD_HOST_NOTICED_MS).toBeLessThanOrEqual(STANDBY.boundMs);
  });
});
