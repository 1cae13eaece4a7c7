/**
 * Several hosts on one PostgreSQL database (each process here has a state folder of its own, as another host would):
 * two sends racing for a week, and two schedulers, one standing by. The one sending is killed with SIGKILL while
 * Resend holds its answer back, and the week is finished by another process: every reader gets exactly one email.
 */
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FakeResend } from './fake-resend.ts';
import { type CliResult, cleanup, runCli, spawnCli } from './helpers/cli.ts';
import { expectEveryoneExactlyOnce, WEEK, withFakeResend, type Workspace, workspace } from './helpers/crash.ts';
import { createTestDatabase, TEST_DATABASE_URL } from './helpers/pg.ts';

afterAll(cleanup);
/** Processes a failed test left running: killed, so none outlives its test. */
const started = new Set<ChildProcess>();
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});

const SENDER = {
  RESEND_API_KEY: 're_test_key',
  DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
  DIGEST_SECRET: 'standby-test-secret-long-enough-to-sign-links',
  DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
  DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
};

/** A process of the CLI whose output can be waited on, line by line as it comes. */
interface Running {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Resolves with the first match of `pattern` in the output; rejects if the process ends first. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
}

function start(args: string[], env: Record<string, string>): Running {
  let output = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const heard = () => {
    for (const waiter of waiters) waiter();
  };
  let child!: ChildProcess;
  const done = spawnCli(args, {
    env,
    onSpawn: (c) => {
      child = c;
      started.add(c);
      for (const stream of [c.stdout, c.stderr]) {
        stream?.on('data', (chunk: string) => {
          output += chunk;
          heard();
        });
      }
    },
  }).then((result) => {
    ended = true;
    heard();
    return result;
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match || ended) waiters.delete(check);
        if (match) resolve(match);
        else if (ended) reject(new Error(`the process ended before printing ${pattern}; it printed:\n${output}`));
      };
      waiters.add(check);
      check();
    });
  return { child, done, waitFor };
}

/** `event`, or a failure saying what they printed once every one of `processes` ended without it. */
function before<T>(event: Promise<T>, processes: Running[]): Promise<T> {
  const ended = Promise.all(processes.map((p) => p.done)).then((results) => {
    throw new Error(`every process ended first:\n${results.map((r) => r.stdout + r.stderr).join('\n')}`);
  });
  return Promise.race([event, ended]);
}

/**
 * A fresh database with the READERS readers of the crash tests in its list, a fake Resend whose first two sends fail
 * with a 500 (tried again) and whose next one is delivered but held unanswered, and `test` run on them; `held`
 * resolves with that request's idempotency key once it reached Resend, `answered` once it was answered after release().
 */
async function onDatabase(
  test: (setup: { url: string; ws: Workspace; fake: FakeResend; held: Promise<string>; answered: Promise<void> }) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  let heldKey: string | undefined;
  let reached!: (key: string) => void;
  let answer!: () => void;
  const held = new Promise<string>((resolve) => (reached = resolve));
  const answered = new Promise<void>((resolve) => (answer = resolve));
  try {
    const ws = workspace();
    const imported = await runCli(['subscribers', 'import', ws.subscribers, '--data', ws.data, '--state', ws.state], {
      env: { DATABASE_URL: database.url },
    });
    expect(imported.status, imported.stderr).toBe(0);
    await withFakeResend(
      async (fake) => {
        fake.inject({ kind: 'status', status: 500, times: 2 });
        fake.inject({ kind: 'hold' });
        await test({ url: database.url, ws, fake, held, answered });
      },
      {
        onReceived: (entry) => {
          // The first request delivered is the one held: the two before it failed.
          if (entry.status !== 200 || heldKey !== undefined || !entry.idempotencyKey) return;
          heldKey = entry.idempotencyKey;
          reached(heldKey);
        },
        onRequest: (entry) => entry.idempotencyKey === heldKey && entry.status === 200 && answer(),
      },
    );
  } finally {
    await database.drop();
  }
}

/** The state folder of `host`: with a database it holds only the outbox, and no two hosts share one. */
const hostFlags = (ws: Workspace, host: string) => ['--data', ws.data, '--state', path.join(ws.dir, host)];

/** The lock's holder as the refusal names it: `held by process <pid> on <host>`. */
const HOLDER = /held by process (\d+) on (\S+)\); wait for it to finish\./;

describe.skipIf(!TEST_DATABASE_URL)('hosts sharing one PostgreSQL database', () => {
  it('two sends race for a week: the loser names the holding host and process and exits non-zero; the holder, killed -9 mid-send, is finished by a send on a third host, every reader once', () =>
    onDatabase(async ({ url, ws, fake, held, answered }) => {
      const send = (host: string) =>
        start(['send', '--week', WEEK, ...hostFlags(ws, host)], { ...SENDER, RESEND_BASE_URL: fake.url, DATABASE_URL: url });
      const racers = [send('host-a'), send('host-b')];
      // The holder cannot end while Resend holds its answer, so the first to end is the one that lost the race.
      const [loser] = await Promise.all([Promise.race(racers.map((r) => r.done.then(() => r))), before(held, racers)]);
      const holder = racers.find((r) => r !== loser)!;
      const refused = await loser.done;
      expect(refused.stderr).toBe(
        `Another send of ${WEEK} is running (the lock "send-${WEEK}" in the database is held by process ${holder.child.pid} on ${hostname()}); wait for it to finish.\n`,
      );
      expect(refused.status).toBe(1);

      holder.child.kill('SIGKILL');
      expect((await holder.done).signal).toBe('SIGKILL');
      fake.release();
      await answered;

      const finisher = await send('host-c').done;
      expect(finisher.status, finisher.stderr).toBe(0);
      expect(finisher.stdout).toContain('Everyone who should get this issue has it.');
      expectEveryoneExactlyOnce(expect, fake.emails);
      // The batch whose answer the killed send never got went again under its key: Resend replayed it, sending nothing.
      const key = await held;
      expect(fake.requests.filter((r) => r.idempotencyKey === key && r.status === 200)).toHaveLength(2);
    }));

  it('two schedulers: the one that takes the send is killed -9 mid-send, and the other, standing by, finishes the week; every reader once', () =>
    onDatabase(async ({ url, ws, fake, held, answered }) => {
      // Wednesday after 2026-W46 ended in New York, ticking every second: the first tick sends that week.
      const env = { ...SENDER, RESEND_BASE_URL: fake.url, DATABASE_URL: url, DIGEST_NOW: '2026-11-18T15:00:00Z' };
      const schedule = (host: string) =>
        start(['schedule', '--cron', '* * * * * *', '--tz', 'America/New_York', ...hostFlags(ws, host)], env);
      const schedulers = [schedule('host-a'), schedule('host-b')];
      // The one that lost the race says who holds the send, and that it stands by (it does not give the week up).
      const refusal = new RegExp(`${HOLDER.source}(.*)\\n`);
      const [[standby, match]] = await Promise.all([
        Promise.race(schedulers.map((s) => s.waitFor(refusal).then((m) => [s, m] as const))),
        before(held, schedulers),
      ]);
      const sender = schedulers.find((s) => s !== standby)!;
      expect(Number(match[1])).toBe(sender.child.pid);
      expect(match[2]).toBe(hostname());
      expect(match[3]).toMatch(
        /^ Standing by: this scheduler looks again every 60 s and at each tick, and finishes 2026-W46 if that send stops unfinished\.$/,
      );

      sender.child.kill('SIGKILL');
      expect((await sender.done).signal).toBe('SIGKILL');
      fake.release();
      await answered;

      await standby.waitFor(new RegExp(`standby: sending ${WEEK}\\.[\\s\\S]*\\] ${WEEK} done\\.`));
      standby.child.kill('SIGTERM');
      const stopped = await standby.done;
      expect(stopped.status, stopped.stderr).toBe(0);
      expectEveryoneExactlyOnce(expect, fake.emails);
    }));
});
