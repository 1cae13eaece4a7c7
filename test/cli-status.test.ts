/**
 * `status` as an operator reads it: each week the state knows, where its send stands (sent / failed / not yet
 * sent, when it ran), and the list by status.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { cleanup, copyFixture, filesUnder, fixture, runCli, tempDir, traceNoise, writeCsv, writeText } from './helpers/cli.ts';

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: 1000 });
});
afterAll(async () => {
  await fake.close();
  cleanup();
});

const env = () => ({
  RESEND_API_KEY: 're_test_key',
  RESEND_BASE_URL: fake.url,
  DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
  DIGEST_SECRET: 'status-test-secret-long-enough-to-sign-links',
  DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
  DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
});

describe('status', () => {
  it('shows a built week, a partly sent one, then the same week sent, and the list by status', async () => {
    const dir = tempDir();
    const state = path.join(dir, 'state');
    const readers = Array.from({ length: 150 }, (_, i) => `reader${i}@example.com`);
    const csv = writeCsv(dir, [
      'email,status',
      ...readers.map((r) => `${r},active`),
      'gone@example.com,unsubscribed',
      'wait@example.com,pending',
    ]);
    const common = ['--data', fixture('mixed'), '--subscribers', csv, '--state', state, '--tz', 'UTC'];

    const empty = await runCli(['status', ...common]);
    expect(empty.status, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/No week built or sent yet/);
    expect(empty.stdout).toMatch(/150 active, 1 pending, 1 unsubscribed, 0 bounced, 0 complained/);

    expect((await runCli(['build', '--week', '2026-W45', ...common])).status).toBe(0);
    // The first batch goes, the second meets the daily quota: the run stops part way.
    fake.inject({ kind: 'slow', ms: 0 });
    fake.inject({ kind: 'quota' });
    const partial = await runCli(['send', '--week', '2026-W46', ...common], { env: env() });
    expect(partial.status).not.toBe(0);

    const middle = await runCli(['status', ...common]);
    expect(middle.status, middle.stderr).toBe(0);
    expect(middle.stdout).toMatch(/^2026-W45 +built +\d+ comparisons?, not sent$/m);
    const line =
      /^2026-W46 +partly sent +(\d+) sent, (\d+) failed, 0 not yet sent; last ran \d{4}-\d\d-\d\d \d\d:\d\d UTC; run send --week 2026-W46 to finish$/m.exec(
        middle.stdout,
      );
    expect(line, middle.stdout).not.toBeNull();
    expect(Number(line![1]) + Number(line![2])).toBe(150);
    expect(Number(line![1])).toBeGreaterThan(0);

    const finished = await runCli(['send', '--week', '2026-W46', ...common], { env: env() });
    expect(finished.status, finished.stdout + finished.stderr).toBe(0);
    const done = await runCli(['status', ...common]);
    expect(done.stdout).toMatch(/^2026-W46 +sent +150 sent, 0 failed, 0 not yet sent; last ran \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m);
  });

  it('lists no week without an issue: build of a week with no new tools, or whose tools were all left out, freezes nothing', async () => {
    const dir = tempDir();
    const state = path.join(dir, 'state');
    const data = copyFixture('mixed', dir);
    const common = ['--data', data, '--subscribers', writeCsv(dir, ['email', 'a@example.com']), '--state', state, '--tz', 'UTC'];
    // An older version froze an empty issue for such a week.
    writeText(
      path.join(state, 'issues', '2026-W40.json'),
      JSON.stringify({ week: '2026-W40', timezone: 'UTC', strategy: 'best-match', intro: null, pairingFlags: null, comparisons: [] }),
    );
    const empty = await runCli(['build', '--week', '2026-W48', ...common]);
    expect(empty.stdout).toMatch(/2026-W48 .* has no new tools/);
    expect((await runCli(['build', '--week', '2026-W47', ...common])).status).toBe(0);
    const built = (await runCli(['status', ...common])).stdout;
    expect(built).toMatch(/^2026-W47 +built +\d+ comparisons?, not sent$/m);
    expect(built).not.toMatch(/2026-W40|2026-W48/);

    writeText(path.join(data, 'editions', '2026-W47.json'), JSON.stringify({ exclude: ['lab-notes', 'taleloom', 'versesmith'] }));
    const leftOut = await runCli(['build', '--week', '2026-W47', ...common]);
    expect(leftOut.stdout).toMatch(/2026-W47 .* has no new tools/);
    expect(filesUnder(path.join(state, 'issues'))).toEqual(['2026-W40.json']);
    const status = await runCli(['status', ...common]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^No week built or sent yet/);
  });
});

describe('status on damaged state', () => {
  it('shows the weeks it can read, names the damaged ledger line and the empty list, and exits 1', async () => {
    const dir = tempDir();
    const ledger = (week: string, lines: string[]) =>
      writeText(path.join(dir, 'state', 'ledger', `${week}.jsonl`), `${lines.join('\n')}\n`);
    const pending = JSON.stringify({
      state: 'pending',
      batch: 1,
      key: 'k',
      recipients: [{ email: 'ada@example.com', name: null, categories: [] }],
    });
    const sent = JSON.stringify({ state: 'sent', batch: 1, rejected: [] });
    ledger('2026-W45', [pending, sent]);
    const damaged = ledger('2026-W46', [pending, '{"state":"sent","batch":1,"rejec', sent]);
    const empty = writeText(path.join(dir, 'subscribers.csv'), '');

    const result = await runCli(['status', '--state', path.join(dir, 'state'), '--subscribers', empty, '--tz', 'UTC']);
    expect(result.status, result.stderr).toBe(1);
    expect(traceNoise(result.stdout + result.stderr)).toEqual([]);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^2026-W45 +sent +1 sent, 0 failed, 0 not yet sent; last ran /),
      `2026-W46  damaged      ${damaged}, line 2 is not a ledger record, so status cannot tell how far the send of 2026-W46 got; restore the file from a backup or repair that line by hand (see "Damaged state" in README.md).`,
      `Subscribers: ${empty} is empty (no header row), so it lists nobody; restore it from a backup, or write the header row "email,name,categories,status" if the list is meant to be empty.`,
    ]);
  });
});
