import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resend } from 'resend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config.ts';
import { webhookLogFile } from '../state/webhook-log.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import { createApp } from './app.ts';
import { defaultDeps } from './serve.ts';
import { ResendEvent, stopEventsOf, verifyWebhook, webhookEntryOf, webhookHeaders, type WebhookHeaders } from './webhooks.ts';
import { signedPost, svixSignature, WEBHOOK_KEY, WEBHOOK_SECRET } from '../../test/helpers/svix.ts';
import { openFiles } from '../state/open.ts';

const at = new Date('2026-11-20T10:00:00Z');

const event = (value: unknown) => ResendEvent.parse(value);

describe('stopEventsOf', () => {
  it('turns email.bounced and email.complained into one event per valid address', () => {
    expect(
      stopEventsOf(
        event({ type: 'email.bounced', data: { to: ['Ada@Example.com', 'not an address'], bounce: { message: 'No such user' } } }),
        'msg_1',
        at,
      ),
    ).toEqual([
      { type: 'bounce', email: 'ada@example.com', at: '2026-11-20T10:00:00.000Z', detail: 'Resend email.bounced msg_1: No such user' },
    ]);
    expect(stopEventsOf(event({ type: 'email.complained', data: { to: 'ben@example.com' } }), 'msg_2', at)).toMatchObject([
      { type: 'complaint', email: 'ben@example.com' },
    ]);
  });

  it('means nothing for other types, or without readers', () => {
    expect(stopEventsOf(event({ type: 'email.delivered', data: { to: ['ada@example.com'] } }), 'msg_3', at)).toEqual([]);
    expect(stopEventsOf(event({ type: 'email.bounced', data: {} }), 'msg_4', at)).toEqual([]);
  });
});

describe('ResendEvent', () => {
  it('reads the fields the program uses and drops the rest unread; refuses any other shape', () => {
    const deep = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) as unknown;
    expect(ResendEvent.parse({ type: 'domain.updated', created_at: 'x', data: { records: deep } })).toEqual({
      type: 'domain.updated',
      data: {},
    });
    for (const shape of [null, [], 'email.opened', { type: 'email.opened' }, { data: {} }, { type: 'email.opened', data: { to: deep } }]) {
      expect(ResendEvent.safeParse(shape).success).toBe(false);
    }
  });
});

describe('webhookHeaders', () => {
  it('reads the svix-* headers, or the webhook-* ones, and needs all three', () => {
    const headers = new Map([
      ['svix-id', 'msg_1'],
      ['svix-timestamp', '1'],
      ['webhook-signature', 'v1,x'],
    ]);
    expect(webhookHeaders((n) => headers.get(n))).toEqual({ id: 'msg_1', timestamp: '1', signature: 'v1,x' });
    expect(webhookHeaders((n) => (n === 'svix-id' ? 'msg_1' : undefined))).toBeNull();
  });
});

describe('webhookEntryOf', () => {
  it('keeps the type, the readers, the issue from the week tag and the email id', () => {
    const opened = event({
      type: 'email.opened',
      data: { email_id: 'e-1', to: ['Ada@Example.com'], tags: { week: '2026-W46', other: 'x' } },
    });
    expect(webhookEntryOf(opened, 'msg_1', at)).toEqual({
      id: 'msg_1',
      at: '2026-11-20T10:00:00.000Z',
      type: 'email.opened',
      to: ['ada@example.com'],
      week: '2026-W46',
      emailId: 'e-1',
    });
    const listTags = event({ type: 'email.clicked', data: { to: 'ben@example.com', tags: [{ name: 'week', value: '2026-W47' }] } });
    expect(webhookEntryOf(listTags, 'msg_2', at)).toMatchObject({ week: '2026-W47', to: ['ben@example.com'], emailId: null });
    expect(
      webhookEntryOf(event({ type: 'email.delivered', data: { to: ['ada@example.com'], tags: { week: 'last week' } } }), 'msg_3', at),
    ).toMatchObject({ week: null });
    expect(webhookEntryOf(event({ type: 'domain.updated', data: {} }), 'msg_4', at)).toEqual({
      id: 'msg_4',
      at: '2026-11-20T10:00:00.000Z',
    });
  });
});

describe('verifyWebhook', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts exactly what the Resend SDK accepts: timestamps, signatures and bodies of every form, at the edges of the five minutes', () => {
    // Both read the clock: fixed between whole seconds, where rounding the wrong way shows.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_800_000_000_600);
    const now = 1_800_000_000;
    const sdk = new Resend('re_unused');
    const bodies = [JSON.stringify({ type: 'email.opened', data: { to: ['ada@example.com'] } }), '', 'not json', '{"a":"é ☃ \u2028"}'];
    const timestamps = [-301, -300, 0, 300, 301].flatMap((offset) => {
      const t = now + offset;
      return [`${t}`, `+${t}`, ` ${t}`, `0${t}`, `${t}abc`, `${t}.9`];
    });
    const variants = (good: string): string[] => [
      good,
      good.replace(/=+$/, ''),
      good.replaceAll('+', '-').replaceAll('/', '_'),
      `${good}!!`,
      good.toLowerCase(),
      `v1,bogus ${good}`,
      `${good} v1,bogus`,
      ` ${good}`,
      good.replace('v1,', 'v2,'),
      good.replace('v1,', 'V1,'),
      good.replace('v1,', 'v1 '),
      `${good},extra`,
    ];
    let accepted = 0;
    for (const body of bodies) {
      for (const timestamp of ['abc', '', '1e3', ...timestamps]) {
        // Signed over the header as sent, and over the integer the SDK reads from it.
        const signedOver = [timestamp, String(Number.parseInt(timestamp, 10))];
        for (const signature of signedOver.flatMap((t) => variants(svixSignature(WEBHOOK_KEY, 'msg_1', t, body)))) {
          const headers: WebhookHeaders = { id: 'msg_1', timestamp, signature };
          let expected: unknown = null;
          try {
            expected = { event: sdk.webhooks.verify({ payload: body, headers, webhookSecret: WEBHOOK_SECRET }) };
          } catch {
            expected = null;
          }
          if (expected) accepted++;
          expect([body, headers, verifyWebhook(body, headers, WEBHOOK_SECRET)]).toEqual([body, headers, expected]);
        }
      }
    }
    expect(accepted).toBeGreaterThan(50);
  });
});

describe('POST /webhooks/resend', () => {
  const signed = (payload: string, id: string) => signedPost(payload, id);

  it('refuses a signed event in a shape it does not read (a 20,000-deep `to`) with 400, recording nothing, every time', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'webhook-app-'));
    const stop = new AbortController();
    try {
      const config = resolveConfig(
        { data: dir, subscribers: path.join(dir, 'subscribers.csv'), state: dir },
        { DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234', RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET },
      );
      const app = createApp(config, {
        ...(await defaultDeps(config, openFiles(config.stateDir, config.subscribersFile))),
        now: () => new Date(),
        signal: stop.signal,
      });
      const deep = `{"type":"email.bounced","created_at":"2026-11-20T10:00:00Z","data":{"email_id":"e1","to":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      for (const attempt of [1, 2]) {
        const response = await app.request('/webhooks/resend', signed(deep, 'msg_deep'));
        expect([attempt, response.status]).toEqual([attempt, 400]);
        expect(await response.text()).toMatch(/data\.to/);
      }
      for (const shape of ['[]', '"email.opened"', '{"type":"email.opened"}', '{"type":"email.opened","data":{"to":[3]}}']) {
        expect((await app.request('/webhooks/resend', signed(shape, 'msg_shape'))).status).toBe(400);
      }
      await expect(readFile(webhookLogFile(dir), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(readFile(new SubscriberStore(dir).file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      const bounced = JSON.stringify({ type: 'email.bounced', data: { to: ['ada@example.com'] } });
      expect((await app.request('/webhooks/resend', signed(bounced, 'msg_ok'))).status).toBe(200);
    } finally {
      stop.abort();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
