/**
 * What the crash tests share: a workspace of READERS readers, `send` run against a fake Resend, and the one check
 * that matters whatever the point of the crash: every reader ends up with exactly one email.
 */
import type { ChildProcess } from 'node:child_process';
import type { ExpectStatic } from 'vitest';
import { type FakeResend, type FakeResendOptions, type ReceivedEmail, startFakeResend } from '../fake-resend.ts';
import { type CliResult, runCli, sampleWorkspace, spawnCli } from './cli.ts';

export const READERS = 450; // five batches of up to 100
export const WEEK = '2026-W46';

/**
 * Runs `test` against a fake Resend of its own, closed after, so the tests of a file can run at once: each is a
 * chain of processes, and run one after another they were the suite's longest tail on a busy machine.
 */
export async function withFakeResend<T>(
  test: (fake: FakeResend) => Promise<T>,
  hooks: Pick<FakeResendOptions, 'onReceived' | 'onRequest'> = {},
): Promise<T> {
  // Latency keeps requests in flight long enough for kills to land inside them.
  const fake = await startFakeResend({ rateLimit: 50, latencyMs: 40, ...hooks });
  try {
    return await test(fake);
  } finally {
    await fake.close();
  }
}

export type Workspace = ReturnType<typeof sampleWorkspace>;

export function workspace(): Workspace {
  return sampleWorkspace(
    [
      'email,name,categories',
      ...Array.from({ length: READERS }, (_, i) => `${readerAddress(i)},Reader ${i},${i % 5 === 0 ? 'Design' : ''}`),
    ],
    'digest-crash-',
  );
}

function readerAddress(i: number): string {
  return `reader${String(i).padStart(3, '0')}@example.com`;
}

/**
 * `send` of the week to the workspace's list, through the fake Resend at `resendUrl`: a process of its own, given to
 * `onSpawn` to be killed or interrupted; without one, the run that finds what a crash left runs in this process.
 */
export function send(ws: Workspace, resendUrl: string, onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
  const options = {
    env: {
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: resendUrl,
      DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
      DIGEST_SECRET: 'crash-test-secret-long-enough-to-sign-links',
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
    },
  };
  const args = ['send', '--week', WEEK, ...ws.flags];
  return onSpawn ? spawnCli(args, { ...options, onSpawn }) : runCli(args, options);
}

/** `expect` is the test's own (from its context): the crash tests run concurrently. */
export function expectEveryoneExactlyOnce(expect: ExpectStatic, emails: readonly ReceivedEmail[]): void {
  const counts = new Map<string, number>();
  for (const email of emails) for (const to of email.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  const expected = Array.from({ length: READERS }, (_, i) => readerAddress(i));
  const doubled = [...counts].filter(([, n]) => n !== 1);
  expect(doubled).toEqual([]);
  expect(expected.filter((address) => !counts.has(address))).toEqual([]);
  expect(emails.length).toBe(READERS);
}
