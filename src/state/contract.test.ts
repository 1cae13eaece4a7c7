import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { recipientOf } from '../mail.ts';
import { sampleIssue } from '../sample.ts';
import type { Subscriber, SubscriberEvent } from '../subscribers/schema.ts';
import type { Vote } from '../subscribers/tokens.ts';
import { at, BACKENDS, type Backend, unsubscribe, WEEK, collect } from '../../test/helpers/state-backends.ts';
import type { State } from './stores.ts';

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

  describe('the audience of an issue', () => {
    const subscriber = (email: string, status: Subscriber['status'] = 'active', categories: string[] = []): Subscriber => ({
      email: `${email}@example.com`,
      name: null,
      categories,
      status,
    });
    // Readers past several pages, numbered so that address order is not number order.
    const many = Array.from({ length: 2100 }, (_, n) => subscriber(`reader${n}`));
    const list = [
      subscriber('zed'),
      subscriber('ana', 'active', ['research']),
      subscriber('bo', 'unsubscribed'),
      subscriber('cy', 'bounced'),
      subscriber('di', 'complained'),
      subscriber('ed', 'pending'),
      subscriber('fay', 'active', ['Marketing']),
      subscriber('gus', 'unsubscribed', ['Marketing']),
      subscriber('hal', 'active', ['DEVELOPER TOOLS', 'Audio']),
      // JavaScript lower-cases ΟΔΌΣ to οδός (a final sigma), the issue's Οδός, and οδόσ to itself; PostgreSQL's lower() does not tell them apart.
      subscriber('ody', 'active', ['ΟΔΌΣ']),
      subscriber('sig', 'active', ['οδόσ']),
      ...many,
    ];

    it('gives the readers in address order, page after page, and the skipped by reason, with categories matched as comparisonsFor does', async () => {
      const sample = { ...(await sampleIssue()), week: WEEK };
      const issue = {
        ...sample,
        comparisons: sample.comparisons.map((c, i) => (i === 0 ? { ...c, left: { ...c.left, category: 'Οδός' } } : c)),
      };
      await backend.fillList(list);
      const audience = await backend.open().audience(issue);
      const readers = (await collect(audience.readers())).flat().map(recipientOf);
      expect(readers.map((r) => r.email)).toEqual(
        [...['ana', 'hal', 'ody', 'zed'].map((n) => `${n}@example.com`), ...many.map((r) => r.email)].sort(),
      );
      expect(readers.find((r) => r.email === 'hal@example.com')).toEqual(
        recipientOf(subscriber('hal', 'active', ['DEVELOPER TOOLS', 'Audio'])),
      );
      expect(Object.fromEntries(audience.skipped)).toEqual({
        unsubscribed: 2,
        bounced: 1,
        complained: 1,
        pending: 1,
        'no matching categories': 2,
      });
      expect(await collect(audience.skippedLines())).toEqual([
        'bo@example.com,unsubscribed',
        'cy@example.com,bounced',
        'di@example.com,complained',
        'ed@example.com,pending',
        'fay@example.com,no matching categories',
        'gus@example.com,unsubscribed',
        'sig@example.com,no matching categories',
      ]);
      expect(audience.problems).toEqual([]);
      // An issue without comparisons has nothing for anyone, a reader of every category included.
      const empty = await state.audience({ ...issue, comparisons: [] });
      expect([(await collect(empty.readers())).flat(), empty.skipped.get('no matching categories')]).toEqual([[], 2100 + 6]);
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
