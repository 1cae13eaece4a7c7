import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProblem, readSubscriberCsv } from './csv.ts';
import { mulberry32 } from '../../test/helpers/random.ts';
import { hashOf, SubscriberList, type ListRow } from './list.ts';
import { SubscriberStatus as Statuses, type Subscriber, type SubscriberEvent, type SubscriberStatus } from './schema.ts';

const AT = '2026-11-17T09:00:00.000Z';
const EMAIL = 'ana@example.com';

type Row = Omit<ListRow, 'line'>;

function row(status: SubscriberStatus | '' = 'active', overrides: Partial<Row> = {}): Row {
  return { email: EMAIL, name: null, categories: [], status: status || 'active', ...overrides };
}

const ev = {
  add: (status: SubscriberStatus = 'active', categories: string[] = []): SubscriberEvent => ({
    type: 'add',
    email: EMAIL,
    name: null,
    categories,
    status,
    at: AT,
    source: 'cli',
  }),
  subscribe: (categories: string[] = []): SubscriberEvent => ({ type: 'subscribe', email: EMAIL, name: 'Ana', categories, at: AT }),
  confirm: (): SubscriberEvent => ({ type: 'confirm', email: EMAIL, at: AT }),
  preferences: (categories: string[]): SubscriberEvent => ({ type: 'preferences', email: EMAIL, categories, at: AT }),
  unsubscribe: (): SubscriberEvent => ({ type: 'unsubscribe', email: EMAIL, at: AT, source: 'link' }),
  bounce: (): SubscriberEvent => ({ type: 'bounce', email: EMAIL, at: AT }),
  complaint: (): SubscriberEvent => ({ type: 'complaint', email: EMAIL, at: AT }),
};

/** The list folded from the editor's rows, then the recorded events, as every reader of the list folds it. */
function resolveList(rows: Iterable<Row>, events: Iterable<SubscriberEvent>): SubscriberList {
  const list = new SubscriberList();
  for (const entry of [...rows, ...events]) list.fold(entry);
  return list;
}

/** Ana after these rows and events. */
const ana = (rows: Row[], events: SubscriberEvent[] = []) => resolveList(rows, events).get(EMAIL);

function statusAfter(rows: Row[], events: SubscriberEvent[]): SubscriberStatus | undefined {
  return ana(rows, events)?.status;
}

const isStopped = (status: SubscriberStatus) => (STOPS as readonly string[]).includes(status);

const NOT_ACTIVE = ['pending', 'unsubscribed', 'bounced', 'complained'] as const;
const STOPS = ['unsubscribed', 'bounced', 'complained'] as const;

describe('SubscriberList', () => {
  it('gives back the readers it was made from, the last of an address winning, in first-seen order, for random readers past its first growth', () => {
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
      const given: Subscriber[] = [];
      const expected = new Map<string, Subscriber>();
      for (let i = 0; i < 500; i++) {
        const email = `r${Math.floor(random() * 300)}@example.com`;
        const subscriber: Subscriber = {
          email,
          name: pick([null, `Reader ${i}`, '日本語 ü']),
          categories: pick([[], ['Design'], ['Design', 'Research'], ['Research', 'Design'], ['a\nb']]),
          status: pick(Statuses.options),
        };
        given.push(subscriber);
        expected.set(email, subscriber);
      }
      const list = SubscriberList.from(given);
      expect(list.size).toBe(expected.size);
      expect([...list.keys()]).toEqual([...expected.keys()]);
      expect([...list.values()]).toEqual([...expected.values()]);
      for (const [email, subscriber] of expected) expect(list.get(email)).toEqual(subscriber);
      expect(list.get('nobody@example.com')).toBeUndefined();
      expect(list.has('nobody@example.com')).toBe(false);
    }
  });

  it('keeps every reader of a list of several pages, by address and by slot, in first-seen order', () => {
    const list = new SubscriberList();
    const emails = Array.from({ length: 20_000 }, (_, i) => `r${i}@example.com`);
    for (const [i, email] of emails.entries()) list.foldRow({ email, name: `R ${i}`, categories: [], status: 'active' });
    list.foldRow({ email: 'r9000@example.com', name: null, categories: [], status: 'bounced' });
    expect(list.size).toBe(emails.length);
    expect([...list.keys()]).toEqual(emails);
    expect(emails.every((email, i) => list.emailAt(i) === email && list.get(email)?.name === `R ${i}`)).toBe(true);
    expect(list.atSlot(9000)).toEqual({ email: 'r9000@example.com', name: 'R 9000', categories: [], status: 'bounced' });
  });

  it('keeps addresses apart whose hashes are equal, and finds each past the other', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const email = `r${i}@example.com`;
      const other = seen.get(hashOf(email));
      if (other !== undefined) pair = [other, email];
      seen.set(hashOf(email), email);
    }
    const list = new SubscriberList();
    list.foldRow({ email: pair[0], name: 'First', categories: [], status: 'active' });
    list.foldRow({ email: pair[1], name: 'Second', categories: [], status: 'bounced' });
    list.foldRow({ email: pair[1], name: null, categories: [], status: 'active' });
    expect(list.size).toBe(2);
    expect([list.get(pair[0])?.name, list.get(pair[1])?.name, list.get(pair[1])?.status]).toEqual(['First', 'Second', 'bounced']);
  });

  it('finds again an address whose hash is the starting one, as the empty text is', () => {
    const list = new SubscriberList();
    for (const email of ['', 'a@example.com', '']) list.foldRow({ email, name: null, categories: [], status: 'active' });
    expect([...list.keys()]).toEqual(['', 'a@example.com']);
  });

  it("stores each distinct category list once, frozen, so no reader can change another's", () => {
    const list = SubscriberList.from([
      { email: 'a@example.com', name: null, categories: ['Design'], status: 'active' },
      { email: 'b@example.com', name: 'B', categories: ['Design'], status: 'pending' },
    ]);
    const [a, b] = [list.get('a@example.com')!, list.get('b@example.com')!];
    expect(a.categories).toBe(b.categories);
    expect(() => a.categories.push('Research')).toThrow(TypeError);
    expect(list.get('b@example.com')!.categories).toEqual(['Design']);
  });

  it('keeps category lists apart that a shortcut key could mix up', () => {
    const lists = [[], [''], ['a,b'], ['a', 'b'], ['["a","b"]'], ['b', 'a']];
    const list = new SubscriberList();
    for (const turn of [1, 2])
      for (const [i, categories] of lists.entries())
        list.fold({ email: `r${i}@example.com`, name: turn === 1 ? null : 'R', categories, status: 'active' });
    expect(lists.map((_, i) => list.get(`r${i}@example.com`)!.categories)).toEqual(lists);
  });
});

describe('fold: rows of one address', () => {
  it('takes the first row as it is', () => {
    expect(ana([row('pending', { name: 'Ana', categories: ['Research'] })])).toEqual({
      email: EMAIL,
      name: 'Ana',
      categories: ['Research'],
      status: 'pending',
    });
  });

  it.each(NOT_ACTIVE)('a %s row wins over an active one, in either order', (status) => {
    expect(statusAfter([row('active'), row(status)], [])).toBe(status);
    expect(statusAfter([row(status), row('active')], [])).toBe(status);
  });

  it.each([
    // first categories, second categories, merged
    [['Research'], ['Design'], ['Research', 'Design']],
    [['Research'], ['research', 'Design'], ['Research', 'Design']],
    [[], ['Design'], []],
    [['Design'], [], []],
  ])('categories %j and %j merge to %j', (a, b, merged) => {
    expect(ana([row('active', { categories: a }), row('active', { categories: b })])!.categories).toEqual(merged);
  });

  it('keeps the first name and fills a missing one', () => {
    expect(ana([row('active', { name: 'Ana' }), row('active', { name: 'Other' })])!.name).toBe('Ana');
    expect(ana([row('active'), row('active', { name: 'Ana' })])!.name).toBe('Ana');
  });
});

describe('fold: duplicate rows', () => {
  it.each(NOT_ACTIVE.flatMap((status) => [[['active', status]], [[status, 'active']], [['active', status, 'active']]]))(
    'rows %j: not active',
    (statuses) => {
      expect(
        statusAfter(
          statuses.map((s) => row(s as SubscriberStatus)),
          [],
        ),
      ).not.toBe('active');
    },
  );

  it.each(STOPS.flatMap((stop) => [[['pending', stop]], [[stop, 'pending']]]))('rows %j: stopped, whatever the order', (statuses) => {
    expect(
      isStopped(
        statusAfter(
          statuses.map((s) => row(s as SubscriberStatus)),
          [],
        )!,
      ),
    ).toBe(true);
  });

  it.each(STOPS.flatMap((stop) => [[['pending', stop]], [[stop, 'pending']], [['active', stop, 'pending']]]))(
    'rows %j then a confirmation: still gets nothing, whatever the order',
    (statuses) => {
      expect(
        statusAfter(
          statuses.map((s) => row(s as SubscriberStatus)),
          [ev.confirm()],
        ),
      ).not.toBe('active');
    },
  );

  it('merges addresses that differ in case and spaces in the CSV into one reader', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'subscribers-list-'));
    try {
      const file = path.join(dir, 'list.csv');
      await writeFile(
        file,
        'email,name,status,categories\nAna@Example.com,Ana,,Research\n ana@example.COM ,,unsubscribed,Design\nbo@example.com,Bo,,\n',
      );
      const rows: ListRow[] = [];
      for await (const item of readSubscriberCsv(file)) if (!isProblem(item)) rows.push(item);
      const list = resolveList(rows, []);
      expect([...list.keys()].sort()).toEqual(['ana@example.com', 'bo@example.com']);
      expect(list.get('ana@example.com')).toMatchObject({ name: 'Ana', status: 'unsubscribed' });
      expect(list.get('bo@example.com')!.status).toBe('active');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fold: one event', () => {
  const active: Subscriber = { email: EMAIL, name: 'Ana', categories: ['Research'], status: 'active' };
  const ending = (event: SubscriberEvent) => ana([active], [event]);

  it.each([
    ['unsubscribe', ev.unsubscribe(), 'unsubscribed'],
    ['bounce', ev.bounce(), 'bounced'],
    ['complaint', ev.complaint(), 'complained'],
  ] as const)('%s stops an active reader', (_, event, status) => {
    expect(ending(event)).toEqual({ ...active, status });
  });

  it.each([ev.unsubscribe(), ev.bounce(), ev.complaint()])('$type of an unknown address is remembered as stopped', (event) => {
    const next = ana([], [event]);
    expect(next?.email).toBe(EMAIL);
    expect(isStopped(next!.status)).toBe(true);
  });

  it('subscribe makes a new reader pending, confirm makes them active', () => {
    const pending = ana([], [ev.subscribe(['Design'])]);
    expect(pending).toEqual({ email: EMAIL, name: 'Ana', categories: ['Design'], status: 'pending' });
    expect(ana([], [ev.subscribe(['Design']), ev.confirm()])).toEqual({ ...pending, status: 'active' });
  });

  it('confirm without a pending subscription changes nothing', () => {
    expect(ana([], [ev.confirm()])).toBeUndefined();
    expect(ana([active], [ev.unsubscribe(), ev.confirm()])).toEqual({ ...active, status: 'unsubscribed' });
  });

  it('preferences change the categories and nothing else', () => {
    expect(ending(ev.preferences(['Design', 'Audio']))).toEqual({ ...active, categories: ['Design', 'Audio'] });
    expect(ending(ev.preferences([]))).toEqual({ ...active, categories: [] });
  });
});

describe('fold: rows then events', () => {
  it.each([
    // description, rows, events, status
    ['no events', [row('active')], [], 'active'],
    ['empty status is active', [row('')], [], 'active'],
    ['unsubscribe', [row('active')], [ev.unsubscribe()], 'unsubscribed'],
    ['bounce', [row('active')], [ev.bounce()], 'bounced'],
    ['complaint', [row('active')], [ev.complaint()], 'complained'],
    ['a stop then an active add', [row('active')], [ev.unsubscribe(), ev.add('active')], 'unsubscribed'],
    ['a pending row, confirmed', [row('pending')], [ev.confirm()], 'active'],
    ['signup from a form, confirmed', [], [ev.subscribe(), ev.confirm()], 'active'],
    ['signup, not confirmed', [], [ev.subscribe()], 'pending'],
    ['unsubscribed by event, then a new signup confirmed', [row('active')], [ev.unsubscribe(), ev.subscribe(), ev.confirm()], 'active'],
    ['signup, confirm, then bounce', [], [ev.subscribe(), ev.confirm(), ev.bounce()], 'bounced'],
    ['add of an unknown address', [], [ev.add('active')], 'active'],
    ['preferences of an unknown address', [], [ev.preferences(['Design'])], undefined],
  ] as const)('%s → %s', (_, rows, events, status) => {
    expect(statusAfter([...rows], [...events])).toBe(status);
  });

  it.each(
    STOPS.flatMap(
      (stop) =>
        [
          [stop, [ev.add('active')]],
          [stop, [ev.subscribe(), ev.confirm()]],
          [stop, [ev.add('active'), ev.subscribe(), ev.confirm(), ev.preferences(['Design'])]],
        ] as const,
    ),
  )('a reader %s in the CSV stays stopped after %j', (stop, events) => {
    expect(statusAfter([row(stop)], [...events])).toBe(stop);
  });

  it('keeps other readers apart', () => {
    const bo: Row = { email: 'bo@example.com', name: 'Bo', categories: [], status: 'active' };
    const list = resolveList([row('active'), bo], [ev.unsubscribe()]);
    expect(list.get('bo@example.com')!.status).toBe('active');
    expect(list.get(EMAIL)!.status).toBe('unsubscribed');
  });

  it('applies preferences to a reader from the CSV', () => {
    expect(resolveList([row('active', { categories: ['Research'] })], [ev.preferences(['Design'])]).get(EMAIL)!.categories).toEqual([
      'Design',
    ]);
  });
});
