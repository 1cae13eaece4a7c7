import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL } from '../../test/helpers/pg.ts';
import { sampleIssue } from '../sample.ts';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import type { Vote } from '../subscribers/tokens.ts';
import { sendLock } from './submission.ts';
import { openFiles } from './open.ts';
import { migrate } from './pg/migrate.ts';
import { openPostgres, type PostgresState } from './pg/state.ts';
import type { State } from './stores.ts';

/** The stores whose records a crash can tear or a hand can damage. */
type Journaled = 'events' | 'votes' | 'ledger';

/**
 * One backend as the contract drives it: `open` opens the state anew (a restart sees only what was kept), `tear`
 * leaves a record cut short as a crash mid-write does, `damage` adds a whole record that is not one.
 */
interface Backend {
  open(): State;
  tear(store: Journaled): Promise<void>;
  damage(store: Journaled): Promise<void>;
  /** Records that `email` unsubscribed, as serve does on any host. */
  optOut(email: string): Promise<void>;
  /** Marks a planned batch of WEEK as having first gone 24 hours ago, its fate unknown. */
  wentLongAgo(batch: number): Promise<void>;
  close(): Promise<void>;
}

const DAY_AGO = () => new Date(Date.now() - 24 * 3_600_000);

const WEEK = '2026-W47';

async function filesBackend(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), 'state-contract-'));
  const fileOf = (store: Journaled) =>
    ({
      events: path.join(dir, 'subscribers', 'events.jsonl'),
      votes: path.join(dir, 'subscribers', 'votes.jsonl'),
      ledger: path.join(dir, 'ledger', `${WEEK}.jsonl`),
    })[store];
  const append = async (store: Journaled, text: string) => {
    await mkdir(path.dirname(fileOf(store)), { recursive: true });
    await appendFile(fileOf(store), text);
  };
  return {
    open: () => openFiles(dir),
    tear: (store) => append(store, '{"type":"unsubscribe","email":"cut@exa'),
    damage: (store) => append(store, '{"not":"a record"}\n'),
    optOut: (email) => openFiles(dir).subscribers.record(unsubscribe(email)),
    wentLongAgo: (batch) => append('ledger', `${JSON.stringify({ state: 'submitting', batch, at: DAY_AGO() })}\n`),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A database of its own, migrated; every opening is a pool of its own, all closed before the database is dropped. */
async function postgresBackend(): Promise<Backend> {
  const database = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'state-contract-pg-'));
  const opened: PostgresState[] = [];
  const open = () => {
    const state = openPostgres(database.url, dir);
    opened.push(state);
    return state;
  };
  await migrate(open().database);
  const unjournaled = () => Promise.reject(new Error('a database keeps no records a crash can cut short or a hand can damage'));
  return {
    open,
    tear: unjournaled,
    damage: unjournaled,
    optOut: async (email) => {
      const state = open();
      await state.subscribers.record(unsubscribe(email));
      // The subscribers table is not yet kept from the events by the backend (another change): written here as it will be.
      await state.database`INSERT INTO subscribers (email, status) VALUES (${email}, 'unsubscribed')
        ON CONFLICT (lower(email)) DO UPDATE SET status = EXCLUDED.status`;
    },
    wentLongAgo: async (batch) => {
      await open()
        .database`UPDATE ledger_batches SET state = 'submitting', submitted_at = ${DAY_AGO()} WHERE week = ${WEEK} AND batch = ${batch}`;
    },
    close: async () => {
      await Promise.all(opened.map((state) => state.close()));
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Each backend, and whether it keeps journals a crash can tear or a hand can damage: a database has neither (a
 * statement is committed whole or not at all, and CHECK constraints refuse a row that is not a record), so those cases
 * are the files backend's alone; every other case runs against each.
 */
const BACKENDS: [string, () => Promise<Backend>, { journals: boolean; skip?: boolean }][] = [
  ['files', filesBackend, { journals: true }],
  ['PostgreSQL (skipped without TEST_DATABASE_URL)', postgresBackend, { journals: false, skip: !TEST_DATABASE_URL }],
];

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 10, minutes));
const unsubscribe = (email: string): SubscriberEvent => ({ type: 'unsubscribe', email, at: at(0).toISOString(), source: 'cli' });
const reader = (n: number) => ({ email: `r${n}@example.com`, name: null, categories: [] });
const settings = { from: 'f1', publicUrl: 'p1', secret: null, postalAddress: 'a1' };
const collect = async <T>(items: AsyncIterable<T>) => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

describe.each(BACKENDS)('the %s backend of the state', (_name, make, { journals, skip = false }) => {
  const it = test.skipIf(skip);
  const itJournaled = test.skipIf(skip || !journals);
  let backend: Backend;
  let state: State;
  beforeEach(async () => {
    backend = await make();
    state = backend.open();
  });
  afterEach(() => backend.close());

  describe('subscriber events', () => {
    it('keeps what was recorded, in order, for the next opening; a feed gives only what came since', async () => {
      expect(await state.subscribers.hasEvents()).toBe(false);
      const feed = state.subscribers.follow('strict');
      await state.subscribers.record(unsubscribe('ada@example.com'), unsubscribe('bo@example.com'));
      expect((await collect((await feed.next()).events)).map((e) => e.email)).toEqual(['ada@example.com', 'bo@example.com']);
      await state.subscribers.record(unsubscribe('cy@example.com'));
      expect((await collect((await feed.next()).events)).map((e) => e.email)).toEqual(['cy@example.com']);
      const again = backend.open().subscribers;
      expect(await again.hasEvents()).toBe(true);
      expect((await collect(again.events())).map((e) => e.email)).toEqual(['ada@example.com', 'bo@example.com', 'cy@example.com']);
    });

    itJournaled('reads past a record a crash cut short, and refuses a damaged one naming where it is', async () => {
      await state.subscribers.record(unsubscribe('ada@example.com'));
      await backend.tear('events');
      await state.subscribers.record(unsubscribe('bo@example.com'));
      expect((await collect(backend.open().subscribers.events())).map((e) => e.email)).toEqual(['ada@example.com', 'bo@example.com']);
      await backend.damage('events');
      await expect(collect(backend.open().subscribers.events())).rejects.toThrow(state.subscribers.place);
      const strict = backend.open().subscribers.follow('strict');
      await expect(strict.next().then((turn) => collect(turn.events))).rejects.toThrow(state.subscribers.place);
      // A reader that only looks for some events passes over it.
      expect(await collect((await backend.open().subscribers.follow('lenient').next()).events)).toHaveLength(2);
    });
  });

  describe('signups', () => {
    const TEN_MINUTES = 10 * 60 * 1000;
    const signup = (id: string, minute = 0, email = `${id}@example.com`) => ({
      type: 'signup' as const,
      id,
      email,
      name: null,
      categories: [],
      at: at(minute).toISOString(),
    });

    it('pending until done, recorded once marked so', async () => {
      await state.signups.add(signup('a'), TEN_MINUTES);
      await state.signups.add(signup('b'), TEN_MINUTES);
      await state.signups.write({ type: 'recorded', id: 'a' });
      await state.signups.write({ type: 'done', id: 'b', outcome: 'sent', at: at(1).toISOString() });
      const pending = await backend.open().signups.pending();
      expect([...pending.values()].map((s) => [s.id, s.recorded])).toEqual([['a', true]]);
      // What a copy reads: every signup, the done one too, and how far each got (each id's lines in the order written).
      const lines = await collect(backend.open().signups.history());
      expect(['a', 'b'].map((id) => lines.filter((line) => line.id === id))).toEqual([
        [signup('a'), { type: 'recorded', id: 'a' }],
        [signup('b'), { type: 'done', id: 'b', outcome: 'sent', at: at(1).toISOString() }],
      ]);
    });

    it('keeps one signup per address in the window, also across openings and when two come at once', async () => {
      expect(await state.signups.add(signup('a', 0, 'ada@example.com'), TEN_MINUTES)).toEqual({ ok: true });
      expect(await backend.open().signups.add(signup('b', 4, 'ada@example.com'), TEN_MINUTES)).toEqual({
        ok: false,
        retryAfterSeconds: 360,
      });
      expect(await state.signups.add(signup('c', 10, 'ada@example.com'), TEN_MINUTES)).toEqual({ ok: true });
      const both = await Promise.all(['d', 'e'].map((id) => state.signups.add(signup(id, 30, 'bo@example.com'), TEN_MINUTES)));
      expect(both.filter((kept) => kept.ok)).toHaveLength(1);
      expect([...(await backend.open().signups.pending()).keys()]).toEqual(['a', 'c', expect.stringMatching(/^[de]$/)]);
    });

    it('gives each open signup to one claimant at a time, oldest first, until it is done or its hold is over', async () => {
      for (const [n, id] of ['a', 'b', 'c'].entries()) await state.signups.add(signup(id, n), TEN_MINUTES);
      const claims = await Promise.all([1, 2, 3, 4].map(() => state.signups.claim(60_000)));
      expect(claims.map((claimed) => claimed?.id ?? null).sort()).toEqual(['a', 'b', 'c', null]);
      expect(await state.signups.claim(60_000)).toBeNull();
      await state.signups.add(signup('d', 3), TEN_MINUTES);
      await state.signups.write({ type: 'recorded', id: 'd' });
      expect(await state.signups.claim(0)).toMatchObject({ id: 'd', email: 'd@example.com', recorded: true });
      // Held for no time: free again at once, until done.
      expect(await state.signups.claim(60_000)).toMatchObject({ id: 'd' });
      await state.signups.write({ type: 'done', id: 'd', outcome: 'sent', at: at(4).toISOString() });
      expect([...(await backend.open().signups.pending()).keys()]).toEqual(['a', 'b', 'c']);
    });
  });

  describe('votes', () => {
    const vote = (choice: Vote['choice']): Vote => ({ email: 'ada@example.com', week: '2026-W46', slug: 'loomcast', choice });

    it('records a cast vote, keeps the standing one, and refuses changes beyond the limit across openings', async () => {
      expect(await state.votes.cast(vote('ship'), at(0))).toEqual({ kind: 'recorded' });
      expect(await state.votes.cast(vote('ship'), at(1))).toEqual({ kind: 'unchanged' });
      for (const [i, choice] of (['skip', 'ship', 'skip'] as const).entries()) {
        expect(await state.votes.cast(vote(choice), at(2 + i))).toEqual({ kind: 'recorded' });
      }
      expect(await backend.open().votes.cast(vote('ship'), at(10))).toMatchObject({ kind: 'too-often', standing: 'skip' });
      expect((await backend.open().votes.current()).community().get('loomcast')).toEqual({ ship: 0, skip: 1 });
      const history = await collect(backend.open().votes.history());
      expect(history.map((v) => [v.choice, v.at])).toEqual(
        (['ship', 'skip', 'ship', 'skip'] as const).map((choice, i) => [choice, at(i === 0 ? 0 : 1 + i).toISOString()]),
      );
      expect(history[0]).toEqual({ type: 'vote', ...vote('ship'), at: at(0).toISOString() });
    });

    itJournaled('reads past a torn vote and refuses a damaged one', async () => {
      await state.votes.record(vote('ship'), at(0));
      await backend.tear('votes');
      await state.votes.record(vote('skip'), at(1));
      expect((await backend.open().votes.current()).community().get('loomcast')).toEqual({ ship: 0, skip: 1 });
      await backend.damage('votes');
      await expect(backend.open().votes.current()).rejects.toThrow(/is not a vote/);
    });
  });

  it('webhooks: a delivery and its bounce are recorded once, however often and however at once it comes, also after a restart', async () => {
    const entry = (id: string) => ({ id, at: at(0).toISOString(), type: 'email.bounced', to: ['ada@example.com'], week: '2026-W46' });
    const bounce: SubscriberEvent = { type: 'bounce', email: 'ada@example.com', at: at(0).toISOString(), detail: 'Resend email.bounced' };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => state.webhooks.record(entry('msg_1'), [bounce])));
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'recorded']);
    const restarted = backend.open();
    expect(await restarted.webhooks.record(entry('msg_1'), [bounce])).toBe('duplicate');
    expect(await restarted.webhooks.record({ id: 'msg_2', at: at(1).toISOString() }, [])).toBe('recorded');
    expect((await collect(restarted.webhooks.entries())).map((e) => [e.id, e.type])).toEqual([
      ['msg_1', 'email.bounced'],
      ['msg_2', undefined],
    ]);
    expect((await collect(restarted.subscribers.events())).map((e) => e.type)).toEqual(['bounce']);
  });

  it('webhooks: a delivery whose bounce cannot be recorded is not recorded either, so its retry is acted on', async () => {
    const entry = { id: 'msg_1', at: at(0).toISOString(), type: 'email.bounced', to: ['ada@example.com'] };
    const broken = { type: 'bounce', email: 'not an address', at: at(0).toISOString() } as SubscriberEvent;
    await expect(state.webhooks.record(entry, [broken])).rejects.toThrow();
    const bounce: SubscriberEvent = { type: 'bounce', email: 'ada@example.com', at: at(0).toISOString() };
    expect(await backend.open().webhooks.record(entry, [bounce])).toBe('recorded');
    expect((await collect(backend.open().subscribers.events())).map((e) => e.email)).toEqual(['ada@example.com']);
  });

  it('issues: the frozen issue reads back as written, each write gives a new version, and it can be removed', async () => {
    const issue = { ...(await sampleIssue()), week: WEEK };
    expect([await state.issues.read(WEEK), await state.issues.version(WEEK)]).toEqual([null, null]);
    await state.issues.write(issue);
    await state.issues.write({ ...issue, week: '2026-W45' });
    expect(await backend.open().issues.read(WEEK)).toEqual(issue);
    expect(await state.issues.weeks()).toEqual(['2026-W45', WEEK]);
    expect((await state.issues.before(WEEK)).map((i) => i.week)).toEqual(['2026-W45']);
    const first = await state.issues.version(WEEK);
    await state.issues.write({ ...issue, comparisons: [] });
    expect(await state.issues.version(WEEK)).not.toBe(first);
    await state.issues.remove(WEEK);
    expect(await state.issues.read(WEEK)).toBeNull();
  });

  describe('the ledger', () => {
    it('plans, marks each batch submitting then sent or failed, and summarizes it for the next run', async () => {
      const ledger = state.ledger(WEEK);
      expect([await ledger.exists(), await ledger.length(), await ledger.lastWritten()]).toEqual([false, 0, null]);
      const issue = { ...(await sampleIssue()), week: WEEK };
      await state.locks.hold(sendLock(WEEK), async () => {
        await ledger.plan(
          [1, 2, 3].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] })),
          { at: at(0), sha256: 'abc', issue, settings },
        );
        await ledger.submitting(1);
        await ledger.sent(1, [{ email: 'r11@example.com', reason: 'invalid address' }]);
        await ledger.submitting(2);
        await ledger.failed(3, 'validation_error', true);
      });
      const reopened = backend.open().ledger(WEEK);
      expect(await reopened.started()).toMatchObject({ issue, settings });
      const claimed: string[] = [];
      const summary = await reopened.summarize((email) => claimed.push(email));
      expect(summary).toMatchObject({ sent: 1, sentBatches: 1, lastBatch: 3, rejected: [{ email: 'r11@example.com' }] });
      expect(summary.unfinished.map((b) => [b.batch, b.state])).toEqual([[2, 'submitting']]);
      expect(claimed.sort()).toEqual(['r10@example.com', 'r11@example.com', 'r20@example.com', 'r21@example.com']);
      expect([...(await reopened.sentReaders())]).toEqual(['r10@example.com']);
      expect((await reopened.batchStates()).map((b) => b.state)).toEqual(['sent', 'submitting', 'failed']);
      expect(await collect(reopened.batches())).toEqual([
        {
          batch: 1,
          key: 'k1',
          recipients: [reader(10), reader(11)],
          state: 'sent',
          rejected: [{ email: 'r11@example.com', reason: 'invalid address' }],
          reason: null,
          nothingSent: false,
        },
        { batch: 2, key: 'k2', recipients: [reader(20), reader(21)], state: 'submitting', rejected: [], reason: null, nothingSent: false },
        {
          batch: 3,
          key: 'k3',
          recipients: [reader(30), reader(31)],
          state: 'failed',
          rejected: [],
          reason: 'validation_error',
          nothingSent: true,
        },
      ]);
      expect(await reopened.length()).toBeGreaterThan(0);
      expect(await backend.open().ledgerWeeks()).toEqual([WEEK]);
      expect(await backend.open().readers.has(WEEK, 'r10@example.com')).toBe(true);
      expect(await backend.open().readers.has(WEEK, 'r20@example.com')).toBe(false);
    });

    it('drops from a pending batch, as it goes, the readers who left since it was planned, and re-keys it; a batch that may have gone goes as recorded', async () => {
      const ledger = state.ledger(WEEK);
      const planned = [1, 2, 3].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] }));
      const recheck = (batch: number) => ({
        recipients: planned[batch - 1]?.recipients ?? [],
        rekey: (kept: { email: string }[]) => `k${batch}:${kept.map((r) => r.email).join(',')}`,
      });
      const submissions = await state.locks.hold(sendLock(WEEK), async () => {
        await ledger.plan(planned);
        await ledger.submitting(2);
        for (const email of ['r11@example.com', 'r21@example.com', 'r30@example.com', 'r31@example.com']) await backend.optOut(email);
        return [
          await ledger.submitting(1, { recheck: recheck(1) }),
          await ledger.submitting(2, { recheck: recheck(2) }),
          await ledger.submitting(3, { recheck: recheck(3) }),
        ];
      });
      const unsubscribed = (n: number) => ({ email: reader(n).email, status: 'unsubscribed' });
      expect(submissions).toEqual([
        { kind: 'send', stopped: [unsubscribed(11)], replanned: { key: 'k1:r10@example.com', recipients: [reader(10)] } },
        { kind: 'send', stopped: [], replanned: null },
        { kind: 'send', stopped: [unsubscribed(30), unsubscribed(31)], replanned: { key: 'k3:', recipients: [] } },
      ]);
      const reopened = backend.open().ledger(WEEK);
      const claimed: string[] = [];
      const summary = await reopened.summarize((email) => claimed.push(email));
      expect(summary.unfinished.map((b) => [b.batch, b.key, b.recipients.length])).toEqual([
        [1, 'k1:r10@example.com', 1],
        [2, 'k2', 2],
      ]);
      expect(claimed.sort()).toEqual(['r10@example.com', 'r20@example.com', 'r21@example.com']);
      expect((await reopened.batchStates()).map((b) => [b.batch, b.state, b.size])).toEqual([
        [1, 'submitting', 1],
        [2, 'submitting', 2],
        [3, 'sent', 0],
      ]);
      await state.locks.hold(sendLock(WEEK), () => ledger.sent(1));
      expect([...(await backend.open().ledger(WEEK).sentReaders())]).toEqual(['r10@example.com']);
      const readers = backend.open().readers;
      expect([await readers.has(WEEK, 'r10@example.com'), await readers.has(WEEK, 'r11@example.com')]).toEqual([true, false]);
    });

    it('leaves a batch of unknown fate that first went over 23 hours ago, unless asked to send it anyway', async () => {
      await state.locks.hold(sendLock(WEEK), () =>
        state.ledger(WEEK).plan([1, 2].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch)] }))),
      );
      await backend.wentLongAgo(1);
      // Opened again, as the next send is: a ledger of the files backend reads when its batches went only once.
      const resumed = backend.open();
      await resumed.locks.hold(sendLock(WEEK), async () => {
        const ledger = resumed.ledger(WEEK);
        expect(await ledger.submitting(1)).toEqual({ kind: 'fate-unknown' });
        expect(await ledger.submitting(2)).toMatchObject({ kind: 'send' });
        expect((await ledger.batchStates()).map((b) => b.state)).toEqual(['submitting', 'submitting']);
        expect(await resumed.ledger(WEEK).submitting(1, { resendUnknown: true })).toMatchObject({ kind: 'send' });
      });
    });

    itJournaled('reads past a step a crash cut short, and refuses a damaged record naming where it is', async () => {
      const ledger = state.ledger(WEEK);
      await ledger.plan([{ batch: 1, key: 'k1', recipients: [reader(1)] }]);
      await backend.tear('ledger');
      await ledger.sent(1);
      expect(
        (
          await backend
            .open()
            .ledger(WEEK)
            .summarize(() => undefined)
        ).sent,
      ).toBe(1);
      await backend.damage('ledger');
      await ledger.failed(2, 'x', true);
      await expect(
        backend
          .open()
          .ledger(WEEK)
          .summarize(() => undefined),
      ).rejects.toThrow(`${ledger.place}, line`);
    });
  });

  it('locks: one holder at a time, named while it holds; free again after, also when the work fails', async () => {
    const held = await state.locks.hold('send-x', async () => {
      expect(await backend.open().locks.holder('send-x')).toBe(process.pid);
      await expect(backend.open().locks.hold('send-x', async () => 'second', 'send of x')).rejects.toThrow(
        new RegExp(`Another send of x is running \\(.*process ${process.pid}\\b`),
      );
      return 'first';
    });
    expect(held).toBe('first');
    expect(await state.locks.holder('send-x')).toBeNull();
    await expect(state.locks.hold('send-x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await state.locks.hold('send-x', async () => 'again')).toBe('again');
  });

  it('locks: one that waits is told who holds the lock, goes once it is free, and stops waiting when asked', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const first = state.locks.hold('send-x', async () => {
      holding();
      await released;
      return 'first';
    });
    await held;
    const holders: string[] = [];
    const second = backend.open().locks.hold('send-x', async () => 'second', 'send of x', {
      onWaiting: (holder) => {
        holders.push(holder);
        release();
      },
    });
    expect([await first, await second]).toEqual(['first', 'second']);
    expect(holders).toEqual([expect.stringMatching(new RegExp(`^process ${process.pid}\\b`))]);
    await state.locks.hold('send-x', async () => {
      const stopped = backend.open().locks.hold('send-x', async () => 'never', 'send of x', { shouldStop: () => true });
      await expect(stopped).rejects.toThrow('Stopped waiting for the other send of x to finish; nothing was done.');
    });
  });

  it('schedule: nothing before the first write, then what was written', async () => {
    expect(await state.schedule.read()).toBeNull();
    await state.schedule.write({ handledUntil: at(5) });
    expect(await backend.open().schedule.read()).toEqual({ handledUntil: at(5) });
  });
});
