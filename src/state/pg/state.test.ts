import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../../test/helpers/pg.ts';
import { SubscriberList } from '../../subscribers/list.ts';
import type { SubscriberEvent } from '../../subscribers/schema.ts';
import { VOTE_CHANGES } from '../votes.ts';
import { migrate } from './migrate.ts';
import { openPostgres, type PostgresState } from './state.ts';

/** What the database guarantees beyond the contract (contract.test.ts): states opened apart, as on two hosts, agree. */
describe.skipIf(!TEST_DATABASE_URL)('the PostgreSQL state across processes', () => {
  let database: TestDatabase;
  let dir: string;
  let opened: PostgresState[] = [];
  const open = () => {
    const state = openPostgres(database.url, dir);
    opened.push(state);
    return state;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'pg-state-'));
    await migrate(open().database);
  });
  afterEach(async () => {
    await Promise.all(opened.map((state) => state.close()));
    opened = [];
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("knows its own database's locks only: a send of the same week on another database of the server is not its", async () => {
    const other = await createTestDatabase();
    const elsewhere = openPostgres(other.url, dir);
    try {
      await elsewhere.locks.hold('send-2026-W46', async () => {
        expect(await elsewhere.locks.holder('send-2026-W46')).toBe(process.pid);
        expect(await open().locks.holder('send-2026-W46')).toBeNull();
        expect(await open().locks.hold('send-2026-W46', async () => 'sent')).toBe('sent');
      });
    } finally {
      await elsewhere.close();
      await other.drop();
    }
  });

  it('keeps the table subscribers the fold of the events, also when two servers record for one reader at once', async () => {
    const [a, b] = [open(), open()];
    const at = new Date(Date.UTC(2026, 10, 20, 10)).toISOString();
    await a.subscribers.record({ type: 'add', email: 'ada@example.com', name: null, categories: [], status: 'active', at, source: 'cli' });
    const changes: SubscriberEvent[] = Array.from({ length: 24 }, (_, i): SubscriberEvent => {
      const email = i % 3 === 0 ? 'ADA@example.com' : 'ada@example.com';
      if (i % 4 === 0) return { type: 'preferences', email, categories: [`Category ${i}`], at };
      if (i % 4 === 1) return { type: 'update', email, name: `Ada ${i}`, at, source: 'cli' };
      if (i % 4 === 2) return { type: 'unsubscribe', email, at, source: 'cli' };
      return { type: 'opt-in', email, at, issued: at };
    });
    await Promise.all(changes.map((event, i) => [a, b][i % 2]?.subscribers.record(event)));
    const folded = new SubscriberList();
    for await (const event of a.subscribers.events()) folded.fold(event);
    expect(await a.database`SELECT email, name, categories, status FROM subscribers WHERE email = 'ada@example.com'`).toEqual([
      ...folded.values(),
    ]);
    // The latest unsubscribe's time, by the database's clock: a confirmation link issued before it is no consent.
    const [row] = await a.database`SELECT opted_out_at BETWEEN now() - interval '1 minute' AND now() AS recent FROM subscribers`;
    expect(row?.recent).toBe(true);
  });

  it('lists the readers of the table subscribers, and refuses a row that is not one, naming it', async () => {
    const state = open();
    await state.database`INSERT INTO subscribers (email, name, categories, status) VALUES ('hand@example.com', 'Hand', '{Design}', 'active')`;
    expect((await open().list().current()).list.get('hand@example.com')).toEqual({
      email: 'hand@example.com',
      name: 'Hand',
      categories: ['Design'],
      status: 'active',
    });
    await state.database`INSERT INTO subscribers (email, status) VALUES ('not an address', 'active')`;
    await expect(open().list().current()).rejects.toThrow(
      `${state.listPlace}: the subscribers row of "not an address" is not a reader; fix or delete that row, then run again.`,
    );
    await state.database`DELETE FROM subscribers`;
  });

  it('acts on a webhook id once when two servers get it at once, and again when the one that claimed it dies first', async () => {
    const [a, b, c] = [open(), open(), open()];
    expect((await Promise.all([a.webhooks.claim('msg_1'), b.webhooks.claim('msg_1')])).filter(Boolean)).toHaveLength(1);
    await a.close();
    await b.close();
    // Neither committed: the claim died with its transaction, so Resend's retry is acted on.
    expect(await c.webhooks.claim('msg_1')).toBe(true);
    await c.webhooks.commit({ id: 'msg_1', at: new Date().toISOString(), type: 'email.bounced', to: ['ada@example.com'] });
    expect(await open().webhooks.claim('msg_1')).toBe(false);
  });

  it('acts on a burst of bounces larger than the pool: claims never take every connection their effects need', async () => {
    const state = open();
    const bounce = async (n: number) => {
      const id = `msg_bounce_${n}`;
      expect(await state.webhooks.claim(id)).toBe(true);
      await state.subscribers.record({ type: 'bounce', email: `r${n}@example.com`, at: new Date().toISOString() });
      await state.webhooks.commit({ id, at: new Date().toISOString(), type: 'email.bounced', to: [`r${n}@example.com`] });
    };
    await Promise.all(Array.from({ length: 25 }, (_, n) => bounce(n)));
    expect(await open().webhooks.claim('msg_bounce_24')).toBe(false);
  });

  it("holds a reader's vote changes to the limit when two servers take them at once", async () => {
    const [a, b] = [open(), open()];
    const vote = (choice: 'ship' | 'skip') => ({ email: 'ada@example.com', week: '2026-W46', slug: 'loomcast', choice }) as const;
    const at = new Date(Date.UTC(2026, 10, 20, 10));
    await a.votes.cast(vote('ship'), at);
    const casts = Array.from({ length: 8 }, (_, i) => [a, b][i % 2]?.votes.cast(vote(i % 2 === 0 ? 'skip' : 'ship'), at));
    const outcomes = await Promise.all(casts);
    // How many casts change the vote depends on the order the two servers' casts are judged in (a cast that repeats
    // the standing vote is no change); whatever the order, no more changes than the limit are recorded, and a cast is
    // refused as too often only once the limit is reached.
    const recorded = outcomes.filter((o) => o?.kind === 'recorded').length;
    const refused = outcomes.filter((o) => o?.kind === 'too-often').length;
    expect(recorded).toBeGreaterThan(0);
    expect(recorded).toBeLessThanOrEqual(VOTE_CHANGES.changes);
    if (refused > 0) expect(recorded).toBe(VOTE_CHANGES.changes);
  });

  it('frees a lock whose holding connection is gone, and names the holder while it holds', async () => {
    const [a, b] = [open(), open()];
    await a.locks.hold('send-x', async () => {
      expect(await b.locks.holder('send-x')).toBe(process.pid);
      // Only this database's: pg_locks lists every database of the server, and other test files run at once.
      await b.database`SELECT pg_terminate_backend(pid, 10000) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      expect(await b.locks.holder('send-x')).toBeNull();
      expect(await b.locks.hold('send-x', async () => 'taken over')).toBe('taken over');
    });
  });
});
