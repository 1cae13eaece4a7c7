import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopEventsOf, webhookHeaders, WebhookLog } from './webhooks.ts';

const at = new Date('2026-11-20T10:00:00Z');

describe('stopEventsOf', () => {
  it('turns email.bounced and email.complained into one event per valid address', () => {
    expect(stopEventsOf({ type: 'email.bounced', data: { to: ['Ada@Example.com', 'not an address'], bounce: { message: 'No such user' } } }, 'msg_1', at)).toEqual([
      { type: 'bounce', email: 'ada@example.com', at: '2026-11-20T10:00:00.000Z', detail: 'Resend email.bounced msg_1: No such user' },
    ]);
    expect(stopEventsOf({ type: 'email.complained', data: { to: 'ben@example.com' } }, 'msg_2', at)).toMatchObject([{ type: 'complaint', email: 'ben@example.com' }]);
  });

  it('means nothing for other types or shapes', () => {
    expect(stopEventsOf({ type: 'email.delivered', data: { to: ['ada@example.com'] } }, 'msg_3', at)).toEqual([]);
    expect(stopEventsOf({ type: 'email.bounced' }, 'msg_4', at)).toEqual([]);
    expect(stopEventsOf(null, 'msg_5', at)).toEqual([]);
  });
});

describe('webhookHeaders', () => {
  it('reads the svix-* headers, or the webhook-* ones, and needs all three', () => {
    const headers = new Map([['svix-id', 'msg_1'], ['svix-timestamp', '1'], ['webhook-signature', 'v1,x']]);
    expect(webhookHeaders((n) => headers.get(n))).toEqual({ id: 'msg_1', timestamp: '1', signature: 'v1,x' });
    expect(webhookHeaders((n) => (n === 'svix-id' ? 'msg_1' : undefined))).toBeNull();
  });
});

describe('WebhookLog', () => {
  it('knows the ids acted on, by itself or another process, and starts over when the log was cut short', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'webhook-log-'));
    try {
      const log = new WebhookLog(dir);
      const other = new WebhookLog(dir);
      expect(await log.has('msg_1')).toBe(false);
      await log.add('msg_1', at);
      await other.add('msg_2', at);
      expect([await log.has('msg_1'), await log.has('msg_2'), await log.has('msg_3')]).toEqual([true, true, false]);
      await writeFile(log.file, '{"id":"msg_9","at":"2026-11-20T10:00:00.000Z"}\n');
      expect([await log.has('msg_1'), await log.has('msg_9')]).toEqual([false, true]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
