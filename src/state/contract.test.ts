import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sampleIssue } from '../sample.ts';
import type { Vote } from '../subscribers/tokens.ts';
import { sendLock } from './submission.ts';
import { at, BACKENDS, type Backend, unsubscribe, WEEK } from '../../test/helpers/state-backends.ts';
import type { State } from './stores.ts';

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
    // What a copy reads: every signup, the done one too, and how far each got (each id's lines in the order written).
    const lines = await collect(backend.open().signups.history());
    expect(['a', 'b'].map((id) => lines.filter((line) => line.id === id))).toEqual([
      [signup('a'), { type: 'recorded', id: 'a' }],
      [signup('b'), { type: 'done', id: 'b', outcome: 'sent', at: at(1).toISOString() }],
    ]);
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
