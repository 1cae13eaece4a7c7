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

  const bounce = (email: string): SubscriberEvent => ({ type: 'bounce', email, at: new Date().toISOString() });
  const bounced = (id: string, email: string) => ({ id, at: new Date().toISOString(), type: 'email.bounced', to: [email] });
  const bounces = async (state: PostgresState, email: string) =>
    (await state.database<{ email: string }[]>`SELECT email FROM subscriber_events WHERE type = 'bounce' AND email = ${email}`).map(
      (r) => r.email,
    );
  /** Resolves once `count` statements of the test database wait for a lock. */
  const waitingForLocks = async (state: PostgresState, count: number) => {
    for (;;) {
      const [row] = await state.database<{ waiting: number }[]>`
        SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND a.datname = current_database()`;
      if (row?.waiting === count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  /** Holds the lock every append of subscriber events takes, until the returned function is called. */
  const holdEventAppends = async (state: PostgresState) => {
    let release!: () => void;
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const done = state.database.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended('digest subscriber events', 0))`;
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isHeld;
    return async () => {
      release();
      await done;
    };
  };
  const settled = (promise: Promise<unknown>) => {
    const state = { settled: false };
    promise.then(
      () => (state.settled = true),
      () => (state.settled = true),
    );
    return state;
  };

  it('answers a delivery that two servers get at once only once the first has recorded it: one recorded, one duplicate', async () => {
    const [a, b, holder] = [open(), open(), open()];
    const release = await holdEventAppends(holder);
    const first = a.webhooks.record(bounced('msg_1', 'ada@example.com'), [bounce('ada@example.com')]);
    await waitingForLocks(holder, 1);
    const second = b.webhooks.record(bounced('msg_1', 'ada@example.com'), [bounce('ada@example.com')]);
    await waitingForLocks(holder, 2);
    const [firstDone, secondDone] = [settled(first), settled(second)];
    expect(await bounces(holder, 'ada@example.com')).toEqual([]);
    expect([firstDone.settled, secondDone.settled]).toEqual([false, false]);
    await release();
    expect(await Promise.all([first, second])).toEqual(['recorded', 'duplicate']);
    expect(await bounces(holder, 'ada@example.com')).toEqual(['ada@example.com']);
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

  it('acts on a delivery at the second server when the first dies before recording it, and leaves nothing of the first', async () => {
    const [a, b, holder] = [open(), open(), open()];
    const release = await holdEventAppends(holder);
    const first = a.webhooks.record(bounced('msg_2', 'bo@example.com'), [bounce('bo@example.com')]);
    await waitingForLocks(holder, 1);
    const second = b.webhooks.record(bounced('msg_2', 'bo@example.com'), [bounce('bo@example.com')]);
    await waitingForLocks(holder, 2);
    // The first server's connection dies mid-transaction, its row written and its bounce waiting.
    await holder.database`SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()`;
    await expect(first).rejects.toThrow();
    expect(a.unavailable(await first.catch((error: unknown) => error))?.message).toMatch(
      /^The PostgreSQL database .* cannot be used right now: /,
    );
    await release();
    expect(await second).toBe('recorded');
    expect(await bounces(holder, 'bo@example.com')).toEqual(['bo@example.com']);
  });

  it('records a delivery and its bounce together or not at all: a row the database refuses leaves no bounce behind', async () => {
    const state = open();
    // A NUL in the type is valid JSON and a valid string, but not jsonb: the delivery's own row is refused.
    const refused = { ...bounced('msg_nul', 'cy@example.com'), type: 'email.bounced\u0000' };
    await expect(state.webhooks.record(refused, [bounce('cy@example.com')])).rejects.toThrow();
    expect(await bounces(state, 'cy@example.com')).toEqual([]);
  });

  it('acts on a burst of bounces larger than the pool', async () => {
    const state = open();
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, (_, n) =>
        state.webhooks.record(bounced(`msg_bounce_${n}`, `r${n}@example.com`), [bounce(`r${n}@example.com`)]),
      ),
    );
    expect(outcomes.every((outcome) => outcome === 'recorded')).toBe(true);
    expect(await open().webhooks.record(bounced('msg_bounce_24', 'r24@example.com'), [])).toBe('duplicate');
  });

  it('gives each signup to one server when several work the queue at once', async () => {
    const servers = [open(), open(), open()];
    for (let n = 0; n < 6; n++) {
      const at = new Date(Date.UTC(2026, 10, 20, 10, n)).toISOString();
      await servers[0]?.signups.add({ type: 'signup', id: `s${n}`, email: `r${n}@example.com`, name: null, categories: [], at }, 60_000);
    }
    const claimed = await Promise.all(servers.flatMap((server) => [1, 2, 3].map(() => server.signups.claim(60_000))));
    expect(
      claimed
        .map((signup) => signup?.id)
        .filter(Boolean)
        .sort(),
    ).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
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
