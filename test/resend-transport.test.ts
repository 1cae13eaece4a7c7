/** The Resend transport on its own against the fake: timeouts, retries with the same key, what stops a run. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResendTransport } from '../src/delivery/resend.ts';
import type { OutgoingEmail } from '../src/mail.ts';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { BACKSTOP_MS } from './helpers/cli.ts';

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: 100 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const emails = (n: number): OutgoingEmail[] =>
  Array.from({ length: n }, (_, i) => ({
    to: `reader${i}@example.com`,
    from: 'Verdicts <v@example.com>',
    subject: 'Week 46',
    html: '<p>Hi</p>',
    text: 'Hi',
    headers: { 'List-Unsubscribe': '<https://v.example.com/u>' },
  }));
const transport = (options: Partial<ConstructorParameters<typeof ResendTransport>[0]> = {}) =>
  new ResendTransport({ apiKey: 're_test_key', baseUrl: fake.url, maxBackoffMs: 50, ...options });

describe('ResendTransport', () => {
  it('gives up on a response slower than its timeout and retries with the same key; the batch is delivered once', async () => {
    // The first answer is held until a retry has met Resend still holding the first request as in progress (409).
    fake.inject({ kind: 'hold' });
    const sending = transport({ timeoutMs: 300, maxBackoffMs: 30_000 }).sendBatch(emails(3), 'key-slow');
    await vi.waitFor(() => expect(fake.requests.map((r) => r.status)).toContain(409), { timeout: BACKSTOP_MS, interval: 10 });
    fake.release();
    const outcome = await sending;
    expect(outcome).toEqual({ kind: 'sent', rejected: [] });
    expect(fake.emails).toHaveLength(3);
    const keys = fake.requests.map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set(['key-slow']));
    expect(fake.requests.length).toBeGreaterThan(1);
  });

  it('retries 5xx and dropped connections with the same key', async () => {
    fake.inject({ kind: 'status', status: 503 });
    fake.inject({ kind: 'drop-before' });
    fake.inject({ kind: 'drop-after' });
    expect(await transport().sendBatch(emails(2), 'key-faults')).toEqual({ kind: 'sent', rejected: [] });
    expect(fake.emails).toHaveLength(2);
  });

  it('does not retry a quota error, and says it stops the run with nothing sent', async () => {
    fake.inject({ kind: 'quota' });
    const outcome = await transport().sendBatch(emails(1), 'key-quota');
    expect(outcome).toMatchObject({ kind: 'failed', stopRun: true, nothingSent: true });
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry a revoked key', async () => {
    const outcome = await transport({ apiKey: 're_revoked' }).sendBatch(emails(1), 'key-auth');
    expect(outcome).toMatchObject({ kind: 'failed', stopRun: true });
    expect(fake.requests).toHaveLength(1);
    expect(fake.emails).toHaveLength(0);
  });

  it('one bad address fails only itself', async () => {
    fake.inject({ kind: 'reject-address', address: 'reader1@example.com' });
    const outcome = await transport().sendBatch(emails(3), 'key-permissive');
    expect(outcome).toMatchObject({ kind: 'sent', rejected: [{ index: 1 }] });
    expect(fake.emails.map((e) => e.to[0])).toEqual(['reader0@example.com', 'reader2@example.com']);
  });

  it('gives up after its attempts on a server that keeps failing, without claiming nothing was sent', async () => {
    fake.inject({ kind: 'status', status: 500, times: 10 });
    const outcome = await transport({ maxAttempts: 3 }).sendBatch(emails(1), 'key-down');
    expect(outcome).toMatchObject({ kind: 'failed', stopRun: false, nothingSent: false });
    expect(fake.requests).toHaveLength(3);
  });
});
