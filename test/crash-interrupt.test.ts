import type { ChildProcess } from 'node:child_process';
import { afterAll, it } from 'vitest';
import { startFakeResend } from './fake-resend.ts';
import { cleanup, filesUnder, traceNoise } from './helpers/cli.ts';
import { expectEveryoneExactlyOnce, READERS, send, withFakeResend, workspace } from './helpers/crash.ts';

// `send` interrupted with SIGINT (Ctrl-C, or a scheduler's stop): it stops after the batches in flight with a clear
// exit and no lock left, and the next run sends the rest, every reader exactly once.

afterAll(cleanup);

it.concurrent('SIGINT stops after the batches in flight; the next run finishes, everyone once', async ({ expect }) => {
  const ws = workspace();
  // Two requests a second: the interrupt lands while later batches still wait for their turn.
  let child: ChildProcess | undefined;
  let interrupted = false;
  // The interrupt comes as the first batch is answered: the send is surely under way, whatever the machine's speed.
  const slow = await startFakeResend({
    rateLimit: 2,
    onRequest: () => {
      if (!interrupted) interrupted = child?.kill('SIGINT') ?? false;
    },
  });
  try {
    const stopped = await send(ws, slow.url, (c) => (child = c));
    expect(interrupted).toBe(true);
    expect(stopped.status, stopped.stdout + stopped.stderr).toBe(1);
    expect(stopped.stderr).toMatch(/Stopping after the batch in flight/);
    expect(stopped.stdout).toMatch(/Stopped early \(interrupted\); run send again to finish/);
    expect(stopped.stdout).toMatch(/Not sent yet: [1-9]\d*\./);
    expect(slow.emails.length).toBeGreaterThan(0);
    expect(slow.emails.length).toBeLessThan(READERS);
    const finished = await send(ws, slow.url);
    expect(finished.status, finished.stderr).toBe(0);
    expectEveryoneExactlyOnce(expect, slow.emails);
  } finally {
    await slow.close();
  }
});

it.concurrent('SIGINT as soon as the send says what it sends: a clear exit, no lock left, and the next run sends everyone once', ({
  expect,
}) =>
  withFakeResend(async (fake) => {
    const ws = workspace();
    // The first line on stdout (the headline) comes once the handler listens.
    const stopped = await send(ws, fake.url, (child) => child.stdout?.once('data', () => child.kill('SIGINT')));
    expect(stopped.signal).toBeNull();
    expect(stopped.status, stopped.stdout + stopped.stderr).toBe(
      stopped.stdout.includes('Everyone who should get this issue has it.') ? 0 : 1,
    );
    expect(traceNoise(stopped.stderr)).toEqual([]);
    expect(filesUnder(ws.state).filter((f) => f.includes('lock'))).toEqual([]);
    const finished = await send(ws, fake.url);
    expect(finished.status, finished.stdout + finished.stderr).toBe(0);
    expectEveryoneExactlyOnce(expect, fake.emails);
  }));
