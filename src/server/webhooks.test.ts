import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resend } from 'resend';
import { describe, expect, it } from 'vitest';
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
  it('accepts exactly what the Resend SDK accepts', () => {
    const secret = WEBHOOK_SECRET;
    const body = JSON.stringify({ type: 'email.opened', data: { to: ['ada@example.com'] } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = svixSignature(WEBHOOK_KEY, 'msg_1', timestamp, body);
    const sdk = new Resend('re_unused');
    const cases: [string, WebhookHeaders][] = [
      [body, { id: 'msg_1', timestamp, signature }],
      [body, { id: 'msg_1', timestamp, signature: `v1,bogus ${signature}` }],
      [body, { id: 'msg_2', timestamp, signature }],
      [`${body} `, { id: 'msg_1', timestamp, signature }],
      [body, { id: 'msg_1', timestamp: String(Number(timestamp) - 400), signature }],
      [body, { id: 'msg_1', timestamp, signature: signature.replace('v1,', 'v2,') }],
    ];
    for (const [payload, headers] of cases) {
      let expected: unknown = null;
      try {
        expected = { event: sdk.webhooks.verify({ payload, headers, webhookSecret: secret }) };
      } catch {
        expected = null;
      }
      expect(verifyWebhook(payload, headers, secret)).toEqual(expected);
    }
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
