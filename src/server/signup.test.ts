import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Transport } from '../delivery/transport.ts';
import { SubscriberList } from '../subscribers/list.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import { signConfirmToken, verifyConfirmToken, verifyToken } from '../subscribers/tokens.ts';
import { judgeLink, optOutTime, SignupQueue } from './signup.ts';

const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;
const row = (email: string, status: 'active' | 'unsubscribed' | 'bounced') => ({ email, name: null, categories: [], status });
const statusAfter = (rows: ReturnType<typeof row>[], events: SubscriberEvent[], email: string) => {
  const list = new SubscriberList();
  for (const entry of [...rows, ...events]) list.fold(entry);
  return list.get(email)?.status;
};

describe('the fold and a completed double opt-in', () => {
  it('re-activates an address the list file marks unsubscribed, where a subscribe alone does not', () => {
    const subscribe: SubscriberEvent = { type: 'subscribe', email: 'sam@example.com', name: null, categories: [], at: at(1) };
    expect(statusAfter([row('sam@example.com', 'unsubscribed')], [subscribe], 'sam@example.com')).toBe('unsubscribed');
    const optIn: SubscriberEvent = { type: 'opt-in', email: 'sam@example.com', at: at(2), issued: at(1) };
    expect(statusAfter([row('sam@example.com', 'unsubscribed')], [subscribe, optIn], 'sam@example.com')).toBe('active');
  });

  it('an opt-out recorded after it stops the address again, and imports never re-activate it', () => {
    const events: SubscriberEvent[] = [
      { type: 'opt-in', email: 'a@example.com', at: at(2), issued: at(1) },
      { type: 'unsubscribe', email: 'a@example.com', at: at(3), source: 'one-click' },
      { type: 'add', email: 'a@example.com', name: null, categories: [], status: 'active', at: at(4), source: 'import x.csv:2' },
    ];
    expect(statusAfter([row('a@example.com', 'active')], events, 'a@example.com')).toBe('unsubscribed');
  });
});

describe('judgeLink', () => {
  const token = { email: 'a@example.com', issuedAt: new Date(at(5)) };

  it('a link issued after the latest opt-out is valid; one issued at or before it is superseded', () => {
    expect(judgeLink(token, true, null)).toEqual({ kind: 'valid', ...token });
    expect(judgeLink(token, true, Date.parse(at(4)))).toMatchObject({ kind: 'valid' });
    expect(judgeLink(token, true, Date.parse(at(5)))).toEqual({ kind: 'superseded', email: 'a@example.com' });
    expect(judgeLink(token, true, Date.parse(at(6)))).toEqual({ kind: 'superseded', email: 'a@example.com' });
  });

  it('a forged token or an address that never signed up is bad', () => {
    expect(judgeLink(null, true, null)).toEqual({ kind: 'bad' });
    expect(judgeLink(token, false, null)).toEqual({ kind: 'bad' });
  });
});

describe('optOutTime', () => {
  it('unsubscribes, bounces, complaints and stopping imports count; signups, confirmations and active imports do not', () => {
    const email = 'a@example.com';
    expect(optOutTime({ type: 'unsubscribe', email, at: at(1), source: 'cli' })).toBe(Date.parse(at(1)));
    expect(optOutTime({ type: 'bounce', email, at: at(2) })).toBe(Date.parse(at(2)));
    expect(optOutTime({ type: 'complaint', email, at: at(3) })).toBe(Date.parse(at(3)));
    expect(optOutTime({ type: 'add', email, name: null, categories: [], status: 'bounced', at: at(4), source: 'import' })).toBe(
      Date.parse(at(4)),
    );
    expect(optOutTime({ type: 'add', email, name: null, categories: [], status: 'active', at: at(4), source: 'import' })).toBeNull();
    expect(optOutTime({ type: 'subscribe', email, name: null, categories: [], at: at(5) })).toBeNull();
    expect(optOutTime({ type: 'opt-in', email, at: at(6), issued: at(5) })).toBeNull();
  });
});

describe('confirmation tokens', () => {
  it('carry the issue time, expire, and are no other purpose’s token', () => {
    const issued = new Date(at(0));
    const token = signConfirmToken('s', 'a@example.com', issued, new Date(at(30)));
    expect(verifyConfirmToken('s', token, new Date(at(10)))).toEqual({ email: 'a@example.com', issuedAt: issued });
    expect(verifyConfirmToken('s', token, new Date('2026-11-20T10:31:00.000Z'))).toBeNull();
    expect(verifyConfirmToken('other', token, new Date(at(10)))).toBeNull();
    expect(verifyToken('s', 'unsubscribe', token, new Date(at(10)))).toBeNull();
  });
});

describe('SignupQueue at start-up', () => {
  it('says which line of signups.jsonl it skipped, and still sends the signups around it', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'digest-signups-'));
    try {
      const signup = (id: string, email: string) => JSON.stringify({ type: 'signup', id, email, name: null, categories: [], at: at(1) });
      await mkdir(path.join(stateDir, 'subscribers'), { recursive: true });
      const file = path.join(stateDir, 'subscribers', 'signups.jsonl');
      await writeFile(file, `${signup('a', 'ada@example.com')}\n{"type":"signup","id":"b","ema\n${signup('c', 'cy@example.com')}\n`);
      const sentTo: string[] = [];
      const transport: Transport = {
        description: 'memory',
        parallelism: 1,
        async sendBatch(emails) {
          sentTo.push(...emails.map((e) => e.to));
          return { kind: 'sent', rejected: [] };
        },
      };
      const logged: string[] = [];
      const queue = new SignupQueue(stateDir, {
        now: () => new Date(at(2)),
        transport,
        settings: { from: 'Verdicts <v@example.com>', publicUrl: 'https://verdicts.example.com', secret: 's', postalAddress: null },
        store: new SubscriberStore(stateDir),
        list: async () => new SubscriberList(),
        log: (line) => logged.push(line),
      });
      await queue.idle();
      expect(logged.filter((line) => line.includes('line'))).toEqual([
        `${file}, line 2 is not a signup and was skipped, so if it was one, that reader gets no confirmation email until they sign up again; fix or delete that line.`,
      ]);
      expect(sentTo.sort()).toEqual(['ada@example.com', 'cy@example.com']);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
