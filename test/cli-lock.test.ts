/** One send of an issue at a time: a second one refuses while the first runs; a dry run may still look. */
import { afterAll, expect, it } from 'vitest';
import { startFakeResend } from './fake-resend.ts';
import { cleanup, runCli, sampleWorkspace } from './helpers/cli.ts';

afterAll(cleanup);

it('a second send of the same issue refuses while the first runs, and everyone still gets one email', async () => {
  let received!: () => void;
  const inFlight = new Promise<void>((resolve) => (received = resolve));
  const fake = await startFakeResend({ rateLimit: 1, onReceived: () => received() });
  try {
    const readers = Array.from({ length: 500 }, (_, i) => `reader${i}@example.com`);
    const args = ['send', '--week', '2026-W46', ...sampleWorkspace(['email', ...readers], 'digest-lock-').flags];
    const env = {
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: fake.url,
      DIGEST_FROM: 'V <v@example.com>',
      DIGEST_SECRET: 'lock-secret-long-enough-to-sign-the-links',
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
    };

    // The first batch's answer is held back until the other two have run, so the first send surely still runs meanwhile.
    fake.inject({ kind: 'hold' });
    const first = runCli(args, { env });
    await inFlight;
    const second = await runCli(args, { env });
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/Another send of 2026-W46 is running \(process \d+/);
    const dryRun = await runCli([...args, '--dry-run'], { env });
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout).toMatch(/Dry run: /);

    fake.release();
    const done = await first;
    expect(done.status, done.stderr).toBe(0);
    expect(readers.filter((r) => fake.deliveredTo(r).length !== 1)).toEqual([]);
  } finally {
    await fake.close();
  }
});

it('send --wait waits for the send running elsewhere, naming it, then finds the issue sent to everyone', async () => {
  let received!: () => void;
  const inFlight = new Promise<void>((resolve) => (received = resolve));
  const fake = await startFakeResend({ rateLimit: 1, onReceived: () => received() });
  try {
    const readers = Array.from({ length: 150 }, (_, i) => `reader${i}@example.com`);
    const args = ['send', '--week', '2026-W46', ...sampleWorkspace(['email', ...readers], 'digest-wait-').flags];
    const env = {
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: fake.url,
      DIGEST_FROM: 'V <v@example.com>',
      DIGEST_SECRET: 'wait-secret-long-enough-to-sign-the-links',
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
    };
    // The first send's first answer is held back until the second says it waits: the lock is surely held meanwhile.
    fake.inject({ kind: 'hold' });
    const first = runCli(args, { env });
    await inFlight;
    const second = await runCli([...args, '--wait'], {
      env,
      onStderr: (chunk) => {
        if (chunk.includes('waiting for it to finish')) fake.release();
      },
    });
    expect(second.stderr).toMatch(
      new RegExp(`Another send of this issue is running \\(process ${process.pid}\\); waiting for it to finish`),
    );
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('2026-W46 was already sent to everyone (150 readers); nothing was sent again.');
    expect((await first).status).toBe(0);
    expect(readers.filter((r) => fake.deliveredTo(r).length !== 1)).toEqual([]);
  } finally {
    await fake.close();
  }
});
