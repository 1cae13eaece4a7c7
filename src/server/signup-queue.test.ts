import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Transport } from '../delivery/transport.ts';
import { SubscriberList } from '../subscribers/list.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import type { PendingSignup } from '../state/signups.ts';
import type { Signups } from '../state/stores.ts';
import { SignupQueue } from './signup-queue.ts';
import { openFiles } from '../state/open.ts';

const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;

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
      const queue = new SignupQueue(openFiles(stateDir).signups, {
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

describe('SignupQueue with its queue out of reach', () => {
  it('says so and goes on, and sends once the queue can be read again (a database that was away)', async () => {
    let away = true;
    const waiting: PendingSignup[] = [
      { type: 'signup', id: 'a', email: 'nia@example.com', name: null, categories: [], at: at(1), recorded: false },
    ];
    const reach = async <T>(value: () => T) => {
      if (away) throw new Error('connection lost');
      return value();
    };
    const journal: Signups = {
      pending: () => reach(() => new Map()),
      add: () => reach(() => ({ ok: true }) as const),
      claim: () => reach(() => waiting.shift() ?? null),
      write: () => reach(() => undefined),
      history: async function* () {},
    };
    const sentTo: string[] = [];
    const logged: string[] = [];
    const stop = new AbortController();
    const queue = new SignupQueue(journal, {
      now: () => new Date(at(2)),
      transport: {
        description: 'memory',
        parallelism: 1,
        async sendBatch(emails) {
          sentTo.push(...emails.map((e) => e.to));
          return { kind: 'sent', rejected: [] };
        },
      },
      settings: { from: 'Verdicts <v@example.com>', publicUrl: 'https://verdicts.example.com', secret: 's', postalAddress: null },
      store: { record: () => reach(() => undefined) } as unknown as SubscriberStore,
      list: async () => new SubscriberList(),
      signal: stop.signal,
      log: (line) => logged.push(line),
    });
    try {
      await queue.idle();
      expect(logged).toEqual([
        'The signup queue could not be read (connection lost); it is tried again in 5 minutes.',
        'The signup queue could not be read (connection lost); it is tried again in 5 minutes.',
      ]);
      away = false;
      queue.kick();
      await queue.idle();
      expect(sentTo).toEqual(['nia@example.com']);
    } finally {
      stop.abort();
    }
  });
});
