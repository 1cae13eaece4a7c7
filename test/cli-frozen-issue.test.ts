/**
 * A frozen issue touched by hand between two runs of a send that stopped part way: changed, the send stops naming
 * the file and sends nobody else; gone, it is put back from the ledger as sent, never built anew.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { cleanup, fixture, runCli, tempDir, traceNoise, writeCsv } from './helpers/cli.ts';

const WEEK = '2026-W46';
const READERS = Array.from({ length: 150 }, (_, i) => `reader${String(i).padStart(3, '0')}@example.com`);

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: 1000 });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  cleanup();
});

const env = {
  RESEND_API_KEY: 're_test_key',
  DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
  DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234',
  DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
  DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
};

/** A send of 150 readers that stopped part way: the first batch went, the second met the daily quota. */
async function halfSent() {
  const dir = tempDir();
  const state = path.join(dir, 'state');
  const csv = writeCsv(dir, ['email', ...READERS]);
  const args = ['send', '--week', WEEK, '--data', fixture('mixed'), '--subscribers', csv, '--state', state, '--tz', 'UTC'];
  const send = () => runCli(args, { env: { ...env, RESEND_BASE_URL: fake.url } });
  fake.inject({ kind: 'slow', ms: 0 });
  fake.inject({ kind: 'quota' });
  const first = await send();
  expect(first.status, first.stdout + first.stderr).toBe(1);
  expect(fake.emails).toHaveLength(100);
  const file = path.join(state, 'issues', `${WEEK}.json`);
  return { state, file, frozen: readFileSync(file, 'utf8'), send };
}

describe('a frozen issue touched after its send started', () => {
  it('changed: the send stops naming the file and sends nobody; deleted as it says, the issue as sent is put back and the rest get it', async () => {
    const { file, frozen, send } = await halfSent();
    writeFileSync(file, frozen.replace(/"summary": "/, '"summary": "EDITED BY HAND. '));
    const requests = fake.requests.length;

    const stopped = await send();
    expect(stopped.status).toBe(1);
    expect(traceNoise(stopped.stderr)).toEqual([]);
    expect(stopped.stderr).toContain(`${file} changed after the send of ${WEEK} started on `);
    expect(stopped.stderr).toMatch(/delete it and run the command again: the issue as sent is put back from .*ledger/);
    expect(fake.requests).toHaveLength(requests);

    rmSync(file);
    const finished = await send();
    expect(finished.status, finished.stdout + finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(/put back as sent in .*2026-W46\.json/);
    expect(readFileSync(file, 'utf8')).toBe(frozen);
    expect(READERS.filter((r) => fake.deliveredTo(r).length !== 1)).toEqual([]);
    expect(fake.emails.filter((e) => e.html?.includes('EDITED BY HAND'))).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 409)).toEqual([]);
  });

  it('deleted: the next send puts it back as sent, says so, and finishes with the same issue', async () => {
    const { file, frozen, send } = await halfSent();
    rmSync(file);
    const finished = await send();
    expect(finished.status, finished.stdout + finished.stderr).toBe(0);
    expect(finished.stdout).toMatch(/put back as sent in .*2026-W46\.json \(the file had gone/);
    expect(readFileSync(file, 'utf8')).toBe(frozen);
    expect(READERS.filter((r) => fake.deliveredTo(r).length !== 1)).toEqual([]);
    expect(new Set(fake.emails.map((e) => e.subject)).size).toBe(1);
  });

  it('deleted, with a ledger from before sends kept the issue: stops naming the file and builds nothing anew', async () => {
    const { state, file, send } = await halfSent();
    const ledger = path.join(state, 'ledger', `${WEEK}.jsonl`);
    writeFileSync(ledger, readFileSync(ledger, 'utf8').replace(/^.*\n/, ''));
    rmSync(file);
    const requests = fake.requests.length;

    const stopped = await send();
    expect(stopped.status).toBe(1);
    expect(traceNoise(stopped.stderr)).toEqual([]);
    expect(stopped.stderr).toMatch(
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is missing, but the send of ${WEEK} started on .*, so put it back from a backup`,
      ),
    );
    expect(fake.requests).toHaveLength(requests);
    expect(() => readFileSync(file)).toThrow();
  });
});
