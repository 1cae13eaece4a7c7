import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Resend, type CreateBatchOptions, type CreateEmailOptions } from 'resend';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { BACKSTOP_MS } from './helpers/cli.ts';

const KEY = 're_test_key';
const OTHER_KEY = 're_other_key';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function email(to: string | string[] = 'reader@example.com', subject = 'Weekly verdicts'): CreateEmailOptions {
  return { from: 'AI Verdicts <digest@verdicts.dev>', to, subject, html: '<p>This week…</p>', text: 'This week…' };
}

function batch(size: number): CreateBatchOptions {
  return Array.from({ length: size }, (_, i) => email(`reader${i}@example.com`));
}

/** Payloads the SDK's types forbid, to exercise server-side validation. */
function malformed(payload: Record<string, unknown>): CreateEmailOptions {
  return payload as unknown as CreateEmailOptions;
}

describe('fake Resend through the real SDK', () => {
  let fake: FakeResend;
  let resend: Resend;

  beforeAll(async () => {
    fake = await startFakeResend({ rateLimit: 1000, apiKeys: [KEY, OTHER_KEY] });
    resend = new Resend(KEY, { baseUrl: fake.url });
  });
  beforeEach(() => fake.reset());
  afterAll(() => fake.close());

  it('sends a single email and exposes the rate-limit headers', async () => {
    const result = await resend.emails.send({ ...email(), headers: { 'List-Unsubscribe': '<mailto:u@verdicts.dev>' } });

    expect(result.error).toBeNull();
    expect(result.data?.id).toMatch(UUID);
    expect(result.headers).toMatchObject({ 'ratelimit-limit': '1000', 'ratelimit-remaining': '999', 'ratelimit-reset': '1' });
    expect(fake.emails).toEqual([
      {
        id: result.data?.id,
        from: 'AI Verdicts <digest@verdicts.dev>',
        to: ['reader@example.com'],
        subject: 'Weekly verdicts',
        html: '<p>This week…</p>',
        text: 'This week…',
        headers: { 'List-Unsubscribe': '<mailto:u@verdicts.dev>' },
        receivedAt: expect.any(Number),
      },
    ]);
    expect(fake.deliveredTo('READER@Example.com')).toHaveLength(1);
    expect(fake.deliveredTo('someone@example.com')).toHaveLength(0);
    expect(fake.requests).toEqual([{ method: 'POST', path: '/emails', status: 200, at: expect.any(Number) }]);
  });

  it('is reachable through RESEND_BASE_URL, read when the client is constructed', async () => {
    const previous = process.env.RESEND_BASE_URL;
    process.env.RESEND_BASE_URL = fake.url;
    const client = new Resend(KEY);
    if (previous === undefined) delete process.env.RESEND_BASE_URL;
    else process.env.RESEND_BASE_URL = previous;

    const { error } = await client.emails.send(email());
    expect(error).toBeNull();
    expect(fake.emails).toHaveLength(1);
  });

  it('sends a batch as one request', async () => {
    const { data, error } = await resend.batch.send(batch(3));

    expect(error).toBeNull();
    expect(data?.data.map((item) => item.id)).toEqual(fake.emails.map((item) => item.id));
    expect(new Set(fake.emails.map((item) => item.id)).size).toBe(3);
    expect(fake.emails.map((item) => item.to)).toEqual([['reader0@example.com'], ['reader1@example.com'], ['reader2@example.com']]);
    expect(fake.requests).toHaveLength(1);
  });

  it('accepts 100 emails in a batch and rejects 101 without delivering any', async () => {
    expect((await resend.batch.send(batch(100))).data?.data).toHaveLength(100);

    fake.reset();
    const { data, error } = await resend.batch.send(batch(101));
    expect(data).toBeNull();
    expect(error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(fake.emails).toHaveLength(0);
  });

  it('validates required fields and addresses', async () => {
    const send = async (payload: CreateEmailOptions) => (await resend.emails.send(payload)).error;
    const { subject: _subject, ...noSubject } = email();
    const { html: _html, text: _text, ...noBody } = email();

    expect(await send(malformed(noSubject))).toMatchObject({
      statusCode: 422,
      name: 'missing_required_field',
      message: 'Missing `subject` field.',
    });
    expect(await send(malformed(noBody))).toMatchObject({ statusCode: 422, name: 'missing_required_field' });
    expect(await send(malformed({ ...email(), to: [] }))).toMatchObject({ name: 'missing_required_field' });
    expect(await send(email('not-an-address'))).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(await send(malformed({ ...email(), from: 'nobody' }))).toMatchObject({ name: 'validation_error' });
    const tooMany = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`);
    expect(await send(email(tooMany))).toMatchObject({ name: 'validation_error' });
    expect(await send(email(['Ann <ann@example.com>', 'bob@example.com']))).toBeNull();
    expect(fake.deliveredTo('ann@example.com')).toHaveLength(1);
    expect(fake.emails).toHaveLength(1);
  });

  it('replays an idempotent request without delivering twice', async () => {
    const first = await resend.emails.send(email(), { idempotencyKey: 'digest-42/reader' });
    const second = await resend.emails.send(email(), { idempotencyKey: 'digest-42/reader' });
    const firstBatch = await resend.batch.send(batch(2), { idempotencyKey: 'digest-42/batch-1' });
    const secondBatch = await resend.batch.send(batch(2), { idempotencyKey: 'digest-42/batch-1' });

    expect(second.data).toEqual(first.data);
    expect(secondBatch.data).toEqual(firstBatch.data);
    expect(fake.emails).toHaveLength(3);
    expect(fake.emails[0]?.idempotencyKey).toBe('digest-42/reader');
    expect(fake.requests.map((r) => [r.status, r.idempotencyKey])).toEqual([
      [200, 'digest-42/reader'],
      [200, 'digest-42/reader'],
      [200, 'digest-42/batch-1'],
      [200, 'digest-42/batch-1'],
    ]);
  });

  it('rejects a reused key with a different payload, but scopes keys per API key', async () => {
    await resend.emails.send(email(), { idempotencyKey: 'k' });
    const { error } = await resend.emails.send(email('other@example.com'), { idempotencyKey: 'k' });
    expect(error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });

    const other = new Resend(OTHER_KEY, { baseUrl: fake.url });
    expect((await other.emails.send(email('other@example.com'), { idempotencyKey: 'k' })).error).toBeNull();
    expect(fake.emails).toHaveLength(2);
  });

  it('rejects idempotency keys longer than 256 characters', async () => {
    expect((await resend.emails.send(email(), { idempotencyKey: 'k'.repeat(256) })).error).toBeNull();
    const { error } = await resend.emails.send(email(), { idempotencyKey: 'k'.repeat(257) });
    expect(error).toMatchObject({ statusCode: 400, name: 'invalid_idempotency_key' });
    expect(fake.emails).toHaveLength(1);
  });

  it('answers 409 concurrent_idempotent_requests while the first request is in flight', async () => {
    fake.inject({ kind: 'hold' });
    const first = resend.emails.send(email(), { idempotencyKey: 'k' });
    await vi.waitFor(() => expect(fake.emails).toHaveLength(1), { timeout: BACKSTOP_MS, interval: 10 });

    const concurrent = await resend.emails.send(email(), { idempotencyKey: 'k' });
    expect(concurrent.error).toMatchObject({ statusCode: 409, name: 'concurrent_idempotent_requests' });
    fake.release();

    const { data } = await first;
    expect((await resend.emails.send(email(), { idempotencyKey: 'k' })).data).toEqual(data);
    expect(fake.emails).toHaveLength(1);
  });

  it('strict batches fail whole on a rejected address; permissive ones report it by index', async () => {
    fake.inject({ kind: 'reject-address', address: 'Bounce@Example.com' });
    const emails = [email('a@example.com'), email('bounce@example.com'), email('c@example.com'), email('bad-address')];

    const strict = await resend.batch.send(emails);
    expect(strict.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(strict.error?.message).toMatch(/^emails\[1\]: .*bounce@example\.com/);
    expect(fake.emails).toHaveLength(0);

    const permissive = await resend.batch.send(emails, { batchValidation: 'permissive' });
    expect(permissive.error).toBeNull();
    expect(permissive.data?.data).toHaveLength(2);
    expect(permissive.data?.errors).toEqual([
      { index: 1, message: expect.stringContaining('bounce@example.com') },
      { index: 3, message: expect.stringContaining('bad-address') },
    ]);
    expect(fake.emails.flatMap((item) => item.to)).toEqual(['a@example.com', 'c@example.com']);

    const single = await resend.emails.send(email(['ok@example.com', 'Bounce <bounce@example.com>']));
    expect(single.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
  });

  it('rejects unknown and missing API keys', async () => {
    const wrong = await new Resend('re_wrong', { baseUrl: fake.url }).emails.send(email());
    expect(wrong.error).toEqual({ statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid.' });

    // The SDK refuses to construct without a key, so send the request by hand.
    const response = await fetch(`${fake.url}/emails`, { method: 'POST', body: JSON.stringify(email()) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ name: 'missing_api_key' });
    expect(fake.emails).toHaveLength(0);
  });

  it('answers 404 for unknown endpoints and 405 for other methods', async () => {
    const headers = { Authorization: `Bearer ${KEY}` };
    expect((await fetch(`${fake.url}/domains`, { headers })).status).toBe(404);
    expect((await fetch(`${fake.url}/emails`, { headers })).status).toBe(405);
  });
});

describe('rate limiting', () => {
  let fake: FakeResend;
  // The windows run on a clock the test steps, so a slow machine can't spill requests into the next window.
  let clock = 1_000_000;

  beforeAll(async () => {
    fake = await startFakeResend({ rateLimit: 3, apiKeys: [KEY, OTHER_KEY], now: () => clock });
  });
  afterAll(() => fake.close());

  it('counts requests (not emails) per API key in 1-second windows', async () => {
    const resend = new Resend(KEY, { baseUrl: fake.url });
    const remaining: (string | undefined)[] = [];
    remaining.push((await resend.batch.send(batch(5))).headers?.['ratelimit-remaining']);
    remaining.push((await resend.emails.send(email())).headers?.['ratelimit-remaining']);
    remaining.push((await resend.emails.send(email())).headers?.['ratelimit-remaining']);
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await resend.emails.send(email());
    expect(limited.error).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
    expect(limited.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'retry-after': '1' });
    expect(fake.emails).toHaveLength(7);

    const other = await new Resend(OTHER_KEY, { baseUrl: fake.url }).emails.send(email());
    expect(other.error).toBeNull();

    clock += Number(limited.headers?.['retry-after']) * 1000;
    const afterReset = await resend.emails.send(email());
    expect(afterReset.error).toBeNull();
    expect(afterReset.headers?.['ratelimit-remaining']).toBe('2');
  });
});

describe('injected faults', () => {
  let fake: FakeResend;
  let resend: Resend;

  beforeAll(async () => {
    fake = await startFakeResend({ rateLimit: 1000 });
    resend = new Resend(KEY, { baseUrl: fake.url });
  });
  beforeEach(() => fake.reset());
  afterAll(() => fake.close());

  it('status: 500 is a JSON error, 502/503 are gateway pages the SDK maps to application_error', async () => {
    fake.inject({ kind: 'status', status: 500 });
    fake.inject({ kind: 'status', status: 503, times: 2 });

    expect((await resend.emails.send(email())).error).toMatchObject({ statusCode: 500, name: 'internal_server_error' });
    const unavailable = await resend.emails.send(email());
    expect(unavailable.error).toMatchObject({ statusCode: 503, name: 'application_error' });
    expect(unavailable.headers?.['ratelimit-limit']).toBe('1000');
    expect((await resend.batch.send(batch(2))).error).toMatchObject({ statusCode: 503 });
    expect(fake.emails).toHaveLength(0);

    expect((await resend.emails.send(email())).error).toBeNull();
    expect(fake.requests.map((r) => r.status)).toEqual([500, 503, 503, 200]);
  });

  it('rate-limit: 429 with the given retry-after', async () => {
    fake.inject({ kind: 'rate-limit', retryAfterSeconds: 7 });
    const { error, headers } = await resend.emails.send(email());
    expect(error).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
    expect(headers).toMatchObject({ 'retry-after': '7', 'ratelimit-remaining': '0' });
    expect(fake.emails).toHaveLength(0);
  });

  it('quota: 429 daily_quota_exceeded', async () => {
    fake.inject({ kind: 'quota' });
    expect((await resend.emails.send(email())).error).toMatchObject({ statusCode: 429, name: 'daily_quota_exceeded' });
    expect(fake.emails).toHaveLength(0);
  });

  it('drop-before: the SDK reports a network error and nothing is delivered', async () => {
    fake.inject({ kind: 'drop-before' });
    const result = await resend.emails.send(email(), { idempotencyKey: 'k' });

    expect(result).toEqual({
      data: null,
      error: { statusCode: null, name: 'application_error', message: 'Unable to fetch data. The request could not be resolved.' },
      headers: null,
    });
    expect(fake.emails).toHaveLength(0);
    expect(fake.requests.map((r) => r.status)).toEqual([0]);

    expect((await resend.emails.send(email(), { idempotencyKey: 'k' })).error).toBeNull();
    expect(fake.emails).toHaveLength(1);
  });

  it('drop-after: delivered although the SDK reports an error; a keyed retry replays, an unkeyed one duplicates', async () => {
    fake.inject({ kind: 'drop-after' });
    const dropped = await resend.emails.send(email(), { idempotencyKey: 'k' });
    expect(dropped).toMatchObject({ data: null, error: { statusCode: null, name: 'application_error' }, headers: null });
    expect(fake.emails).toHaveLength(1);
    expect(fake.requests.map((r) => r.status)).toEqual([0]);

    const retry = await resend.emails.send(email(), { idempotencyKey: 'k' });
    expect(retry.error).toBeNull();
    expect(retry.data?.id).toBe(fake.emails[0]?.id);
    expect(fake.emails).toHaveLength(1);

    fake.inject({ kind: 'drop-after' });
    await resend.emails.send(email('dup@example.com'));
    await resend.emails.send(email('dup@example.com'));
    expect(fake.deliveredTo('dup@example.com')).toHaveLength(2);
  });

  it('slow: a client that gives up mid-request sees a network error, yet the email is delivered', async () => {
    // The client gives up once the fake has delivered the email and holds its answer: an event, not a guessed timeout.
    const giveUp = new AbortController();
    const own = await startFakeResend({ onReceived: () => giveUp.abort() });
    try {
      own.inject({ kind: 'hold' });
      const client = new Resend(KEY, { baseUrl: own.url });
      const timedOut = await client.emails.send(email(), { idempotencyKey: 'k', signal: giveUp.signal });
      expect(timedOut.error).toMatchObject({ statusCode: null, name: 'application_error' });
      expect(own.emails).toHaveLength(1);
      own.release();

      await vi.waitFor(() => expect(own.requests).toHaveLength(1), { timeout: BACKSTOP_MS, interval: 10 });
      const retry = await client.emails.send(email(), { idempotencyKey: 'k' });
      expect(retry.data?.id).toBe(own.emails[0]?.id);
      expect(own.emails).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it('tells of each request once it acted on it, before its answer waits, and again once the answer is written', async () => {
    const heard: string[] = [];
    let received!: () => void;
    const receiving = new Promise<void>((resolve) => (received = resolve));
    const own = await startFakeResend({
      onReceived: (entry) => {
        heard.push(`received ${entry.status}`);
        received();
      },
      onRequest: (entry) => heard.push(`answered ${entry.status}`),
    });
    try {
      own.inject({ kind: 'hold' });
      const sending = new Resend(KEY, { baseUrl: own.url }).emails.send(email());
      await receiving;
      expect(heard).toEqual(['received 200']);
      expect(own.emails).toHaveLength(1);
      own.release();
      expect((await sending).error).toBeNull();
      expect(heard).toEqual(['received 200', 'answered 200']);
    } finally {
      await own.close();
    }
  });

  it('consumes queued faults in order, one request each unless `times` says otherwise', async () => {
    fake.inject({ kind: 'status', status: 500 });
    fake.inject({ kind: 'quota' });
    fake.inject({ kind: 'rate-limit', times: 2 });

    const names: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) names.push((await resend.emails.send(email())).error?.name ?? 'ok');
    expect(names).toEqual(['internal_server_error', 'daily_quota_exceeded', 'rate_limit_exceeded', 'rate_limit_exceeded', 'ok']);
  });

  it('reset() clears queued faults', async () => {
    fake.inject({ kind: 'status', status: 500 });
    fake.reset();
    expect((await resend.emails.send(email())).error).toBeNull();
  });
});

describe('options and standalone use', () => {
  let fake: FakeResend | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('adds latencyMs to every response', async () => {
    fake = await startFakeResend({ latencyMs: 80 });
    const started = performance.now();
    await new Resend(KEY, { baseUrl: fake.url }).emails.send(email());
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('keeps envelopes only when asked, and still checks the bodies it does not keep', async () => {
    fake = await startFakeResend({ envelopesOnly: true });
    const resend = new Resend(KEY, { baseUrl: fake.url });
    expect((await resend.batch.send(batch(2))).error).toBeNull();
    expect(fake.emails.map((e) => [e.to, e.html, e.text])).toEqual([
      [['reader0@example.com'], undefined, undefined],
      [['reader1@example.com'], undefined, undefined],
    ]);
    const { html: _html, text: _text, ...noBody } = email();
    expect((await resend.batch.send([email(), malformed({ ...noBody, html: '', text: '' })])).error).toMatchObject({
      statusCode: 422,
      name: 'missing_required_field',
    });
    expect((await resend.emails.send(malformed({ ...email(), html: 42 }))).error).toMatchObject({
      statusCode: 422,
      name: 'validation_error',
    });
    expect(fake.emails).toHaveLength(2);
  });

  it('runs from the command line, printing its URL and a line per request', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-resend.ts', '--port', '0', '--rate-limit', '5'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines: string[] = [];
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
      await vi.waitFor(() => expect(lines[0]).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/), { timeout: BACKSTOP_MS, interval: 10 });
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(lines[0] ?? '')?.[1];

      const { error, headers } = await new Resend(KEY, { baseUrl: url }).emails.send(email());
      expect(error).toBeNull();
      expect(headers?.['ratelimit-limit']).toBe('5');
      await vi.waitFor(() => expect(lines[1]).toMatch(/POST \/emails 200/));
    } finally {
      child.kill();
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
