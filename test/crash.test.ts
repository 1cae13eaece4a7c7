import type { ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { cleanup, filesUnder, REPO, runCli, tempDir, traceNoise, writeCsv } from './helpers/cli.ts';
import { mulberry32 } from './helpers/random.ts';

// Crash tests: `send` is killed with SIGKILL at many points, then run again until it finishes.
// Whatever the point, every reader must end up with exactly one email.

const READERS = 450; // five batches of up to 100
const WEEK = '2026-W46';

let fake: FakeResend;

beforeAll(async () => {
  // Latency keeps requests in flight long enough for kills to land inside them.
  fake = await startFakeResend({ rateLimit: 50, latencyMs: 40 });
});
afterAll(async () => {
  await fake.close();
  cleanup();
});
afterEach(() => fake.reset());

function workspace(): { data: string; subscribers: string; state: string } {
  const dir = tempDir('digest-crash-');
  cpSync(path.join(REPO, 'data'), path.join(dir, 'data'), { recursive: true });
  const lines = [
    'email,name,categories',
    ...Array.from(
      { length: READERS },
      (_, i) => `reader${String(i).padStart(3, '0')}@example.com,Reader ${i},${i % 5 === 0 ? 'Design' : ''}`,
    ),
  ];
  return { data: path.join(dir, 'data'), subscribers: writeCsv(dir, lines), state: path.join(dir, 'state') };
}

function sendEnv(): Record<string, string> {
  return {
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: fake.url,
    DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
    DIGEST_SECRET: 'crash-test-secret',
    DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
    DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
  };
}

function send(ws: ReturnType<typeof workspace>, onSpawn?: (child: ChildProcess) => void) {
  return runCli(['send', '--week', WEEK, '--data', ws.data, '--subscribers', ws.subscribers, '--state', ws.state], {
    env: sendEnv(),
    onSpawn,
  });
}

function expectEveryoneExactlyOnce(): void {
  const counts = new Map<string, number>();
  for (const email of fake.emails) for (const to of email.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  const expected = Array.from({ length: READERS }, (_, i) => `reader${String(i).padStart(3, '0')}@example.com`);
  const doubled = [...counts].filter(([, n]) => n !== 1);
  expect(doubled).toEqual([]);
  expect(expected.filter((address) => !counts.has(address))).toEqual([]);
  expect(fake.emails.length).toBe(READERS);
}

describe('send killed with SIGKILL and run again', () => {
  it.each([1, 2, 3])('when the k-th request reaches Resend (seed %i)', async (seed) => {
    const random = mulberry32(seed);
    const ws = workspace();
    let killedAt = 0;
    // Kill as request k arrives: the server still delivers it, but the client never learns.
    for (let round = 0; round < 3; round++) {
      const k = 1 + Math.floor(random() * 3);
      let child: ChildProcess | undefined;
      const seen = fake.requests.length;
      const watcher = setInterval(() => {
        if (fake.requests.length - seen >= k - 1 && fake.answering > 0) {
          killedAt++;
          child?.kill('SIGKILL');
        }
      }, 2);
      const run = await send(ws, (c) => (child = c));
      clearInterval(watcher);
      if (run.status === 0) break;
      expect(run.signal).toBe('SIGKILL');
    }
    const last = await send(ws);
    expect(last.status, last.stderr).toBe(0);
    expect(killedAt).toBeGreaterThan(0);
    expectEveryoneExactlyOnce();
    const again = await send(ws);
    expect(again.stdout).toMatch(/already sent to everyone/);
    expect(fake.emails.length).toBe(READERS);
  });

  it('SIGINT stops after the batches in flight; the next run finishes, everyone once', async () => {
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
      const env = { ...sendEnv(), RESEND_BASE_URL: slow.url };
      const args = ['send', '--week', WEEK, '--data', ws.data, '--subscribers', ws.subscribers, '--state', ws.state];
      const stopped = await runCli(args, { env, onSpawn: (c) => (child = c) });
      expect(interrupted).toBe(true);
      expect(stopped.status, stopped.stdout + stopped.stderr).toBe(1);
      expect(stopped.stderr).toMatch(/Stopping after the batch in flight/);
      expect(stopped.stdout).toMatch(/Stopped early \(interrupted\); run send again to finish/);
      expect(stopped.stdout).toMatch(/Not sent yet: [1-9]\d*\./);
      expect(slow.emails.length).toBeGreaterThan(0);
      expect(slow.emails.length).toBeLessThan(READERS);
      const finished = await runCli(args, { env });
      expect(finished.status, finished.stderr).toBe(0);
      const counts = new Map<string, number>();
      for (const email of slow.emails) for (const to of email.to) counts.set(to, (counts.get(to) ?? 0) + 1);
      expect(counts.size).toBe(READERS);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('SIGINT as soon as the send says what it sends: a clear exit, no lock left, and the next run sends everyone once', async () => {
    const ws = workspace();
    const args = ['send', '--week', WEEK, '--data', ws.data, '--subscribers', ws.subscribers, '--state', ws.state];
    // The first line on stdout (the headline) comes once the handler listens.
    const stopped = await runCli(args, {
      env: sendEnv(),
      onSpawn: (child) => child.stdout?.once('data', () => child.kill('SIGINT')),
    });
    expect(stopped.signal).toBeNull();
    expect(stopped.status, stopped.stdout + stopped.stderr).toBe(
      stopped.stdout.includes('Everyone who should get this issue has it.') ? 0 : 1,
    );
    expect(traceNoise(stopped.stderr)).toEqual([]);
    expect(filesUnder(ws.state).filter((f) => f.includes('lock'))).toEqual([]);
    const finished = await send(ws);
    expect(finished.status, finished.stdout + finished.stderr).toBe(0);
    expectEveryoneExactlyOnce();
  });

  it.each([11, 12, 13])('at a random moment (seed %i)', async (seed) => {
    const random = mulberry32(seed);
    const ws = workspace();
    for (let round = 0; round < 2; round++) {
      await send(ws, (child) => setTimeout(() => child.kill('SIGKILL'), 300 + random() * 1500));
    }
    const last = await send(ws);
    expect(last.status, last.stderr).toBe(0);
    expectEveryoneExactlyOnce();
  });
});
