import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL } from '../../test/helpers/pg.ts';
import { sampleIssue } from '../sample.ts';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import type { Vote } from '../subscribers/tokens.ts';
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
  close(): Promise<void>;
}

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

    it('lists each reader once, as the events fold, whatever the case the address came in; a reader sees what comes after', async () => {
      const when = at(0).toISOString();
      await state.subscribers.record(
        {
          type: 'add',
          email: 'Ada@Example.com',
          name: 'Ada',
          categories: ['Design'],
          status: 'active',
          at: when,
          source: 'import x.csv:2',
        },
        {
          type: 'add',
          email: 'ADA@example.com',
          name: null,
          categories: ['Writing'],
          status: 'active',
          at: when,
          source: 'import x.csv:3',
        },
        { type: 'subscribe', email: 'bo@example.com', name: 'Bo', categories: [], at: when },
        { type: 'confirm', email: 'Bo@Example.com', at: when },
        { type: 'subscribe', email: 'cy@example.com', name: null, categories: ['Research'], at: when },
        { type: 'confirm', email: 'nobody@example.com', at: when },
        { type: 'preferences', email: 'nobody@example.com', categories: ['Design'], at: when },
      );
      await state.subscribers.record({ type: 'preferences', email: 'ada@EXAMPLE.com', categories: ['Research'], at: when });
      await state.subscribers.record({ type: 'update', email: 'ada@example.com', name: 'Ada L.', at: when, source: 'cli' });
      await state.subscribers.record(unsubscribe('DI@example.com'), { type: 'bounce', email: 'bo@example.com', at: when });
      await state.subscribers.record(
        { type: 'add', email: 'ed@example.com', name: 'Ed', categories: [], status: 'active', at: when, source: 'cli' },
        { type: 'complaint', email: 'Ed@example.com', at: when },
        { type: 'subscribe', email: 'fay@example.com', name: 'Fay', categories: [], at: when },
        unsubscribe('Fay@example.com'),
        { type: 'opt-in', email: 'FAY@example.com', at: when, issued: when },
      );
      const reader = (email: string, name: string | null, categories: string[], status: string) => ({ email, name, categories, status });
      const expected = [
        reader('ada@example.com', 'Ada L.', ['Research'], 'active'),
        reader('bo@example.com', 'Bo', [], 'bounced'),
        reader('cy@example.com', null, ['Research'], 'pending'),
        reader('di@example.com', null, [], 'unsubscribed'),
        reader('ed@example.com', 'Ed', [], 'complained'),
        reader('fay@example.com', 'Fay', [], 'active'),
      ];
      const listed = async (list: State['list']) => {
        const { list: readers, problems } = await list({ allowMissingCsv: true }).current();
        expect(problems).toEqual([]);
        return [...readers.values()].sort((a, b) => a.email.localeCompare(b.email));
      };
      expect(await listed(backend.open().list)).toEqual(expected);

      const kept = backend.open().list({ allowMissingCsv: true });
      await kept.current();
      await backend.open().subscribers.record({ type: 'confirm', email: 'CY@example.com', at: when }, unsubscribe('ada@example.com'));
      const now = [...(await kept.current()).list.values()];
      expect(now.find((r) => r.email === 'cy@example.com')?.status).toBe('active');
      expect(now.find((r) => r.email === 'ada@example.com')?.status).toBe('unsubscribed');
      expect(await listed(backend.open().list)).toEqual(now.sort((a, b) => a.email.localeCompare(b.email)));
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

  it('signups: pending until done, recorded once marked so', async () => {
    const signup = (id: string) => ({
      type: 'signup' as const,
      id,
      email: `${id}@example.com`,
      name: null,
      categories: [],
      at: at(0).toISOString(),
    });
    await state.signups.write(signup('a'));
    await state.signups.write(signup('b'));
    await state.signups.write({ type: 'recorded', id: 'a' });
    await state.signups.write({ type: 'done', id: 'b', outcome: 'sent', at: at(1).toISOString() });
    const pending = await backend.open().signups.pending();
    expect([...pending.values()].map((s) => [s.id, s.recorded])).toEqual([['a', true]]);
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

  it('webhooks: one delivery of an id is acted on, however often and however at once it comes, also after a restart', async () => {
    const claims = await Promise.all(Array.from({ length: 5 }, () => state.webhooks.claim('msg_1')));
    expect(claims.filter(Boolean)).toHaveLength(1);
    await state.webhooks.commit({ id: 'msg_1', at: at(0).toISOString(), type: 'email.opened', to: ['ada@example.com'], week: '2026-W46' });
    expect(await state.webhooks.claim('msg_2')).toBe(true);
    state.webhooks.release('msg_2');
    const restarted = backend.open().webhooks;
    expect([await restarted.claim('msg_1'), await restarted.claim('msg_2')]).toEqual([false, true]);
    expect((await collect(restarted.entries())).map((e) => [e.id, e.type])).toEqual([['msg_1', 'email.opened']]);
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
      await ledger.plan(
        [1, 2, 3].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] })),
        { at: at(0), sha256: 'abc', issue },
      );
      await ledger.submitting(1);
      await ledger.sent(1, [{ email: 'r11@example.com', reason: 'invalid address' }]);
      await ledger.submitting(2);
      await ledger.failed(3, 'validation_error', true);
      const reopened = backend.open().ledger(WEEK);
      expect((await reopened.started())?.issue).toEqual(issue);
      const claimed: string[] = [];
      const summary = await reopened.summarize((email) => claimed.push(email));
      expect(summary).toMatchObject({ sent: 1, sentBatches: 1, lastBatch: 3, rejected: [{ email: 'r11@example.com' }] });
      expect(summary.unfinished.map((b) => [b.batch, b.state])).toEqual([[2, 'submitting']]);
      expect(claimed.sort()).toEqual(['r10@example.com', 'r11@example.com', 'r20@example.com', 'r21@example.com']);
      expect([...(await reopened.sentReaders())]).toEqual(['r10@example.com']);
      expect((await reopened.batchStates()).map((b) => b.state)).toEqual(['sent', 'submitting', 'failed']);
      expect(await reopened.length()).toBeGreaterThan(0);
      expect(await backend.open().ledgerWeeks()).toEqual([WEEK]);
      expect(await backend.open().readers.has(WEEK, 'r10@example.com')).toBe(true);
      expect(await backend.open().readers.has(WEEK, 'r20@example.com')).toBe(false);
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
      await expect(backend.open().locks.hold('send-x', async () => 'second', 'send of x')).rejects.toThrow(/Another send of x is running/);
      return 'first';
    });
    expect(held).toBe('first');
    expect(await state.locks.holder('send-x')).toBeNull();
    await expect(state.locks.hold('send-x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await state.locks.hold('send-x', async () => 'again')).toBe('again');
  });

  it('schedule: nothing before the first write, then what was written', async () => {
    expect(await state.schedule.read()).toBeNull();
    await state.schedule.write({ handledUntil: at(5) });
    expect(await backend.open().schedule.read()).toEqual({ handledUntil: at(5) });
  });
});
