import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import type { ExportRow } from './import.ts';
import { importSummary, planImport, withCatalogCategories } from './import-plan.ts';
import { SubscriberList } from './list.ts';
import type { Subscriber } from './schema.ts';

const AT = '2026-11-17T09:00:00.000Z';
let line = 1;
const row = (email: string, status: ExportRow['status'], more: Partial<ExportRow> = {}): ExportRow => ({
  line: ++line,
  email,
  name: null,
  categories: [],
  status,
  unconsented: false,
  ...more,
});
const listOf = (...readers: Subscriber[]) => SubscriberList.from(readers);
const reader = (email: string, status: Subscriber['status'], name: string | null = null): Subscriber => ({
  email,
  name,
  categories: [],
  status,
});

describe('planImport', () => {
  it('adds new readers with the status the export gives them, one event each, and counts each outcome', () => {
    const list = listOf();
    const { events, outcomes } = planImport(
      list,
      [
        row('a@example.com', 'active', { name: 'Ann' }),
        row('p@example.com', 'pending'),
        row('n@example.com', 'pending', { unconsented: true }),
        row('u@example.com', 'unsubscribed'),
      ],
      AT,
      'mc.csv',
    );
    expect(events.map((e) => [e.email, e.type === 'add' && e.status, e.type === 'add' && e.source])).toEqual([
      ['a@example.com', 'active', 'import mc.csv:2'],
      ['p@example.com', 'pending', 'import mc.csv:3'],
      ['n@example.com', 'pending', 'import mc.csv:4'],
      ['u@example.com', 'unsubscribed', 'import mc.csv:5'],
    ]);
    expect(outcomes).toEqual({ addedActive: 1, addedPending: 1, addedUnconsented: 1, optedOut: 1, updated: 0, keptOut: 0, unchanged: 0 });
    expect(list.get('n@example.com')?.status).toBe('pending');
  });

  it('records nothing for rows that change nothing, so importing a file again writes nothing', () => {
    const rows = [row('a@example.com', 'active', { name: 'Ann' }), row('u@example.com', 'bounced'), row('n@example.com', 'pending')];
    const list = listOf();
    expect(planImport(list, rows, AT, 'f.csv').events).toHaveLength(3);
    const again = planImport(list, rows, AT, 'f.csv');
    expect(again.events).toEqual([]);
    expect(again.outcomes.unchanged).toBe(3);
  });

  it('keeps an opt-out on the list although the export has the reader subscribed', () => {
    const list = listOf(reader('gone@example.com', 'unsubscribed', 'Gus'));
    const { events, outcomes } = planImport(list, [row('gone@example.com', 'active', { name: 'Gus' })], AT, 'f.csv');
    expect(events).toEqual([]);
    expect(outcomes.keptOut).toBe(1);
    expect(list.get('gone@example.com')?.status).toBe('unsubscribed');
  });

  it('a pending row leaves a reader on the list as they are: it is no sign they left, nor that they agreed to more', () => {
    const list = listOf(reader('on@example.com', 'active', 'On'), reader('wait@example.com', 'pending'));
    const { events, outcomes } = planImport(
      list,
      [row('on@example.com', 'pending', { unconsented: true }), row('on@example.com', 'pending'), row('wait@example.com', 'pending')],
      AT,
      'f.csv',
    );
    expect(events).toEqual([]);
    expect(outcomes.unchanged).toBe(3);
    expect(list.get('on@example.com')?.status).toBe('active');
  });

  it('an export that has a reader on the list unsubscribed records the opt-out; a name the list lacks is an update', () => {
    const list = listOf(reader('a@example.com', 'active', 'Ann'), reader('b@example.com', 'active'));
    const { events, outcomes } = planImport(
      list,
      [row('a@example.com', 'complained'), row('b@example.com', 'active', { name: 'Bo' })],
      AT,
      'f.csv',
    );
    expect(events).toHaveLength(2);
    expect(outcomes).toMatchObject({ optedOut: 1, updated: 1 });
    expect(list.get('a@example.com')?.status).toBe('complained');
    expect(list.get('b@example.com')?.name).toBe('Bo');
  });
});

describe('withCatalogCategories', () => {
  const known = ['Design', 'Research', 'Writing'];

  it('spells categories as the catalog does', () => {
    expect(
      withCatalogCategories([row('a@example.com', 'active', { categories: ['design', ' WRITING'] })], known, 'the catalog', 'f.csv'),
    ).toMatchObject([{ categories: ['Design', 'Writing'] }]);
  });

  it('refuses a category the catalog does not have as add does, naming the line, the category and the known ones', () => {
    const rows = [
      row('a@example.com', 'active', { categories: ['Design'] }),
      row('b@example.com', 'active', { categories: ['Desing\u001b[0m'] }),
    ];
    const check = () => withCatalogCategories(rows, known, 'the catalog in data/tools', 'f.csv');
    expect(check).toThrow(UserError);
    expect(check).toThrow(
      `f.csv, line ${rows[1]?.line}: categories "Desing\\u001b[0m" is not a category of the catalog in data/tools; the known ones are: Design, Research, Writing; nothing was imported.`,
    );
  });
});

describe('importSummary', () => {
  it('says how many readers had each outcome, then every rejected row', () => {
    const outcomes = { addedActive: 2, addedPending: 0, addedUnconsented: 3, optedOut: 1, updated: 0, keptOut: 1, unchanged: 4 };
    expect(
      importSummary('mc.csv', outcomes, [{ line: 7, problem: 'mc.csv, line 7: "x" is not a valid email address; skipped.' }]).split('\n'),
    ).toEqual([
      'Imported mc.csv:',
      '  2 added as active',
      '  3 added as pending: the export shows no opt-in or confirmation time for them (never subscribed?), so no digest unless they confirm through the signup form',
      '  1 recorded as unsubscribed, bounced or complained, as the export has them: never mailed',
      '  1 kept as they were, unsubscribed, bounced or complained, although the export has them subscribed: only their own new signup brings them back',
      '  4 unchanged',
      '  1 rejected:',
      '    mc.csv, line 7: "x" is not a valid email address; skipped.',
    ]);
  });
});
