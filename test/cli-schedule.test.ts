/**
 * `schedule` as an operator runs it: a first start sends nothing at once and says when it will; a tick missed while
 * it was down is sent at the next start, once; --catch-up sends the last week now; ticks never overlap a running
 * send; a restart sends nothing again; every decision is logged with the time zone; SIGTERM stops it cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { BACKSTOP_MS, cleanup, nodeArgs, REPO, runCli, sampleWorkspace } from './helpers/cli.ts';

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: 100 });
});
afterAll(async () => {
  await fake.close();
  cleanup();
});
/** Schedulers a failed test never stopped: killed, so no process outlives the suite. */
const started = new Set<ChildProcess>();
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});

interface Scheduler {
  child: ChildProcess;
  closed: Promise<number | null>;
  output: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<number | null>;
}

function schedulerEnv(now: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    NO_COLOR: '1',
    DIGEST_NOW: now,
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: fake.url,
    DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
    DIGEST_SECRET: 'schedule-test-secret-long-enough-to-sign-links',
    DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
    DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
  };
}

function startScheduler(args: string[], now: string): Scheduler {
  const child = spawn(process.execPath, [...nodeArgs('main'), 'schedule', ...args], {
    cwd: REPO,
    env: schedulerEnv(now),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    closed,
    output: () => output,
    async waitFor(pattern, timeoutMs = BACKSTOP_MS) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return closed;
    },
  };
}

describe('schedule', () => {
  it('--catch-up sends the last week that ended at start-up once, never overlaps a running send, and a restart sends nothing again', async () => {
    const readers = Array.from({ length: 120 }, (_, i) => `reader${i}@example.com`);
    const ws = sampleWorkspace(['email', ...readers], 'digest-schedule-');
    const args = ['--cron', '* * * * * *', '--tz', 'America/New_York', ...ws.flags];
    // Wednesday 2026-11-18 in New York: a first start, which sends 2026-W46 only because it is asked to.
    const now = '2026-11-18T15:00:00Z';
    fake.inject({ kind: 'slow', ms: 2500 });

    const first = startScheduler(['--catch-up', ...args], now);
    await first.waitFor(/start-up catch-up: sending 2026-W46/);
    await first.waitFor(/a send is still running, so this tick starts nothing/);
    await first.waitFor(/2026-W46 done\./);
    expect(first.output()).toMatch(/\[2026-11-18 10:00:\d\d America\/New_York\]/);
    expect(await first.stop()).toBe(0);
    expect(readers.filter((r) => fake.deliveredTo(r).length !== 1)).toEqual([]);
    const requests = fake.requests.length;

    const second = startScheduler(args, now);
    await second.waitFor(/start-up: no tick was missed while the scheduler was down/);
    await second.waitFor(/already sent to everyone/);
    await second.waitFor(/tick: sending 2026-W46/);
    expect(await second.stop()).toBe(0);
    expect(second.output()).toMatch(/stopping\./);
    expect(second.output()).not.toMatch(/start-up catch-up/);
    expect(fake.emails).toHaveLength(readers.length);
    expect(fake.requests.length).toBe(requests);
  });

  it('one SIGTERM during the start-up catch-up send stops the send and the scheduler', async () => {
    const readers = Array.from({ length: 1000 }, (_, i) => `term${i}@example.com`);
    const args = ['--catch-up', '--tz', 'America/New_York', ...sampleWorkspace(['email', ...readers], 'digest-schedule-').flags];
    // The first batch answers late, so the send is surely still running when the signal comes.
    fake.inject({ kind: 'slow', ms: 3000 });
    const scheduler = startScheduler(args, '2026-11-18T15:00:00Z');
    await scheduler.waitFor(/start-up catch-up: sending 2026-W46/);
    expect(await scheduler.stop()).toBe(0);
    expect(scheduler.output()).toMatch(/stopping\./);
    expect(scheduler.output()).toMatch(/2026-W46 finished with failures/);
    expect(readers.filter((r) => fake.deliveredTo(r).length > 1)).toEqual([]);
    expect(readers.filter((r) => fake.deliveredTo(r).length === 1).length).toBeLessThan(readers.length);
  });

  it('rehearsed with DIGEST_NOW shortly before 09:00 on a Monday, a first start sends nothing at once and that week at 09:00 by the program clock', async () => {
    const args = ['--tz', 'UTC', ...sampleWorkspace(['email', 'rehearsal@example.com'], 'digest-schedule-').flags];
    // The program clock counts from the process start, so the margin covers a slow start on a loaded machine.
    const scheduler = startScheduler(args, '2026-11-16T08:59:30Z');
    await scheduler.waitFor(/next tick 2026-11-16T09:00:00\.000Z/);
    // 2026-W45, whose tick came a week ago, was never this scheduler's to send.
    await scheduler.waitFor(/first start on .*: nothing is sent now; the first send will be at 2026-11-16 09:00 UTC \(2026-W46\)\./);
    await scheduler.waitFor(/tick: sending 2026-W46/);
    await scheduler.waitFor(/2026-W46 done\./);
    await scheduler.waitFor(/next tick 2026-11-23T09:00:00\.000Z/);
    expect(await scheduler.stop()).toBe(0);
    const out = scheduler.output();
    expect(out).toMatch(/\[2026-11-16 08:59:\d\d UTC\] scheduler started/);
    expect(out).toMatch(/\[2026-11-16 09:00:\d\d UTC\] tick: sending 2026-W46\./);
    expect(out.match(/sending 2026-W46/g)).toHaveLength(1);
    expect(out).not.toMatch(/2026-W45/);
    expect(fake.deliveredTo('rehearsal@example.com')).toHaveLength(1);
  });

  it('says so and sends nothing when the week that is due has no new tools', async () => {
    const ws = sampleWorkspace(['email', 'reader@example.com'], 'digest-schedule-');
    const before = fake.emails.length;
    const scheduler = startScheduler(['--catch-up', '--tz', 'UTC', ...ws.flags], '2026-12-02T12:00:00Z');
    await scheduler.waitFor(/2026-W48 .* has no new tools/);
    await scheduler.waitFor(/2026-W48 done\./);
    expect(scheduler.output()).toMatch(/scheduler started with "0 9 \* \* 1"; next tick /);
    expect(await scheduler.stop()).toBe(0);
    expect(fake.emails.length).toBe(before);
    expect(existsSync(path.join(ws.state, 'issues', '2026-W48.json'))).toBe(false);
  });

  it('a start after a tick missed while the scheduler was down sends that week, once; a first start before it sent nothing', async () => {
    const ws = sampleWorkspace(['email', 'missed@example.com'], 'digest-schedule-');
    const args = ['--tz', 'America/New_York', ...ws.flags];
    // Friday 2026-11-13: a first start, in the middle of 2026-W46.
    const first = startScheduler(args, '2026-11-13T17:00:00Z');
    await first.waitFor(
      /first start on .*: nothing is sent now; the first send will be at 2026-11-16 09:00 America\/New_York \(2026-W46\)\./,
    );
    expect(await first.stop()).toBe(0);
    expect(fake.deliveredTo('missed@example.com')).toHaveLength(0);

    // Down over the Monday tick, started again on Wednesday.
    const again = startScheduler(args, '2026-11-18T15:00:00Z');
    await again.waitFor(/start-up catch-up: sending 2026-W46\./);
    await again.waitFor(/2026-W46 done\./);
    expect(await again.stop()).toBe(0);
    expect(fake.deliveredTo('missed@example.com')).toHaveLength(1);

    const third = startScheduler(args, '2026-11-18T16:00:00Z');
    await third.waitFor(/start-up: no tick was missed while the scheduler was down/);
    expect(await third.stop()).toBe(0);
    expect(third.output()).not.toMatch(/sending/);
    expect(fake.deliveredTo('missed@example.com')).toHaveLength(1);
  });

  it('refuses an invalid cron expression in one sentence', async () => {
    const result = await runCli(['schedule', '--cron', 'every monday'], { env: schedulerEnv('2026-11-18T15:00:00Z') });
    expect(result.stdout + result.stderr).toMatch(/not a valid cron expression/);
    expect(result.status).toBe(1);
  });
});
