/** The Resend transport on its own against the fake: timeouts, retries with the same key, what stops a run. */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ByteBudget } from '../src/delivery/in-flight.ts';
import { ResendTransport } from '../src/delivery/resend.ts';
import { at } from '../src/invariant.ts';
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

/** A Resend stand-in that keeps each request's raw body and answers only when the test lets it. */
async function holdingServer() {
  const open: { body: Buffer; answer: () => void }[] = [];
  const bodies: Buffer[] = [];
  const heads: Record<string, string | string[] | undefined>[] = [];
  let openBytes = 0;
  /** The bytes of the requests open as each request came, the one that came included. */
  const openAtArrival: number[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    bodies.push(body);
    heads.push(req.headers);
    openBytes += body.length;
    openAtArrival.push(openBytes);
    const count = (JSON.parse(body.toString()) as unknown[]).length;
    open.push({
      body,
      answer: () => {
        openBytes -= body.length;
        res.writeHead(200, { 'content-type': 'application/json', 'ratelimit-limit': '1000', 'ratelimit-remaining': '999' });
        res.end(JSON.stringify({ data: Array.from({ length: count }, (_, i) => ({ id: `id-${i}` })), errors: [] }));
      },
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    open,
    bodies,
    heads,
    openAtArrival,
    /** Answers the oldest request still open, once there is one. */
    answerNext: async () => {
      await vi.waitFor(() => expect(open.length).toBeGreaterThan(0), { timeout: BACKSTOP_MS, interval: 5 });
      open.shift()?.answer();
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Messages as the renderer gives them (every other one with its bodies' pieces): accents, quotes, new lines, an emoji. */
const rendered = (n: number, size = 1): OutgoingEmail[] =>
  Array.from({ length: n }, (_, i) => {
    const template = [`<p class="x">Bonjour «${'é'.repeat(size)}»\n`, 'NAME', ` — 🚀 "<a href='/u?t=`, 'TOKEN', `'>désabonner</a>\\</p>`];
    // A fill JSON must escape (quote, backslash, tab, lone surrogate) beside plain ones.
    const fills = [i % 4 === 0 ? `Zoë "${i}" \\\t\ud800 😀` : `Zoë ${i}`, `tok.${i}`];
    const text = `Hi ${fills[0]},\r\n\tsee\u2028you`;
    return {
      to: `reader${i}@example.com`,
      from: 'Vérdicts <v@example.com>',
      subject: `Week "46" ${i}`,
      html: `${template[0]}${fills[0]}${template[2]}${fills[1]}${template[4]}`,
      text,
      headers: { 'List-Unsubscribe': `<https://v.example.com/u/${i}>` },
      ...(i % 3 === 0 && { tags: [{ name: 'week', value: '2026-W46' }] }),
      ...(i % 2 === 0 && { pieces: { html: { template, fills }, text: { template: [text], fills: [] } } }),
    };
  });

describe('ResendTransport request bodies', () => {
  it('sends the very bytes and headers the SDK would send for the messages, pieces or not', async () => {
    const server = await holdingServer();
    try {
      const emails = rendered(7);
      const sending = new ResendTransport({ apiKey: 're_test_key', baseUrl: server.url }).sendBatch(emails, 'key-bytes');
      await server.answerNext();
      expect(await sending).toEqual({ kind: 'sent', rejected: [] });
      const sdk = new Resend('re_test_key', { baseUrl: server.url }).batch.send(
        emails.map(({ pieces: _pieces, to, ...e }) => ({ ...e, to: [to] })),
        { idempotencyKey: 'key-bytes', batchValidation: 'permissive' },
      );
      await server.answerNext();
      expect((await sdk).error).toBeNull();
      const [ours, theirs] = server.bodies;
      expect(ours?.toString()).toBe(theirs?.toString());
      expect(ours?.equals(theirs ?? Buffer.alloc(0))).toBe(true);
      const sent = ['authorization', 'user-agent', 'content-type', 'content-length', 'idempotency-key', 'x-batch-validation'];
      const [ourHead, theirHead] = server.heads.map((h) => Object.fromEntries(sent.map((name) => [name, h[name]])));
      expect(ourHead).toEqual(theirHead);
      expect(ourHead?.['user-agent']).toMatch(/^resend-node:/);
    } finally {
      await server.close();
    }
  });

  it('holds no more request bytes in flight than its bound, and a batch larger than the bound goes alone', async () => {
    const server = await holdingServer();
    // Asks of the budget not yet granted: a batch is either one of those, on its way, or open at the server.
    const waiting = new Set<Promise<void>>();
    const acquire = ByteBudget.prototype.acquire;
    vi.spyOn(ByteBudget.prototype, 'acquire').mockImplementation(function (this: ByteBudget, bytes: number) {
      const ask = acquire.call(this, bytes);
      waiting.add(ask);
      void ask.then(() => waiting.delete(ask));
      return ask;
    });
    try {
      // The body of a batch of ten: the bytes are the same whatever the order of each email's fields.
      const batch = Buffer.byteLength(JSON.stringify(rendered(10, 1000).map(({ pieces: _pieces, ...e }) => ({ ...e, to: [e.to] }))));
      const transport = new ResendTransport({
        apiKey: 're_test_key',
        baseUrl: server.url,
        maxBytesInFlight: Math.floor(batch * 2.5),
        timeoutMs: 2 * BACKSTOP_MS,
      });
      // Until a first answer tells the rate limit, the pacer lets one request go alone: that one is out of the way first.
      const first = transport.sendBatch(rendered(1), 'key-first');
      await server.answerNext();
      await first;
      server.bodies.length = 0;
      server.openAtArrival.length = 0;
      const sizes = [10, 10, 10, 10, 40, 10, 10];
      const sending = sizes.map((n, i) => transport.sendBatch(rendered(n, 1000), `key-${i}`));
      for (let answered = 0; answered < sizes.length; answered++) {
        // Once every batch left has gone as far as it may, the oldest open request is answered.
        await vi.waitFor(
          () => {
            expect(server.open.length).toBeGreaterThan(0);
            expect(server.open.length + waiting.size).toBe(sizes.length - answered);
          },
          { timeout: BACKSTOP_MS, interval: 5 },
        );
        server.open.shift()?.answer();
      }
      expect(await Promise.all(sending)).toEqual(sizes.map(() => ({ kind: 'sent', rejected: [] })));
      expect(server.bodies.map((b) => (JSON.parse(b.toString()) as unknown[]).length).sort()).toEqual([...sizes].sort());
      const large = server.bodies.findIndex((b) => b.length > batch * 2.5);
      // The large batch went alone, and the others two at a time at most.
      expect(server.openAtArrival[large]).toBe(at(server.bodies, large).length);
      expect(Math.max(...server.openAtArrival.filter((_, i) => i !== large))).toBeLessThanOrEqual(batch * 2.5);
    } finally {
      await server.close();
    }
  });
});
