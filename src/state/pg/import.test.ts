import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fixture, REPO, tempDir, writeCsv } from '../../../test/helpers/cli.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../../test/helpers/pg.ts';
import { resolveConfig } from '../../config.ts';
import { SubscriberList } from '../../subscribers/list.ts';
import { importSubscribers } from '../../subscribers/manage.ts';
import type { Subscriber, SubscriberEvent } from '../../subscribers/schema.ts';
import { openFiles } from '../open.ts';
import type { State } from '../stores.ts';
import { migrate } from './migrate.ts';
import { openPostgres, type PostgresState } from './state.ts';
import { collect } from '../../../test/helpers/state-backends.ts';

const AT = new Date('2026-11-18T15:00:00Z');
const exportFile = (name: string) => fixture(path.join('exports', name));
const readers = async (state: State) => {
  const { list } = await state.list({ allowMissingCsv: true }).current();
  return [...list.values()].sort((a, b) => a.email.localeCompare(b.email));
};

/** What a scenario does to the list: import a file, or record events as the other commands and the server do. */
type Step = { import: string } | { record: SubscriberEvent[] };

const at = AT.toISOString();
/** Files the scenarios import, written once the tests run: the list in our own format, case duplicates as real lists have them. */
const written = path.join(tmpdir(), `pg-import-${randomBytes(6).toString('hex')}`);
const FILES: Record<string, string[]> = {
  'own-list.csv': [
    'email,name,categories,status',
    'a@example.com,Ann,,active',
    'b@example.com,Bob,Design,active',
    'dana.ruiz@example.com,Dana,,active',
    'farah.haddad@example.com,Farah,Writing,active',
    'gus.lindqvist@example.com,Gus,Research;Writing,active',
    'fay@example.com,Fay,Writing,active',
    'gone@example.com,,,unsubscribed',
  ],
  'cli-import.csv': ['email,status', 'fresh@example.com,', 'bad address,', 'B@Example.com,active', 'A@example.com,active'],
  'stale.csv': [
    'Email Address,First Name,Last Name',
    'dana.ruiz@example.com,Dana,Ruiz',
    'farah.haddad@example.com,Farah,Haddad',
    'jo.adeyemi@example.com,Jo,Adeyemi',
    'ivan.petrov@example.com,Ivan,Petrov',
  ],
  'case-duplicates.csv': [
    'email,name,categories,status',
    'Ada@Example.com,Ada,Design,subscribed', //       added
    'ada@example.com,,Writing,subscribed', //         categories add up: updated
    'ADA@example.com,Ada L.,,pending', //             a pending row changes no one on the list
    'bo@example.com,,,pending', //                    added as pending
    'Bo@Example.com,Bo,,subscribed', //               still pending, named: updated
    'cy@example.com,Cy,Research,unsubscribed', //     recorded as unsubscribed
    'CY@example.com,Cy,Research,subscribed', //       kept out
    'CY@EXAMPLE.COM,Cy,Design,subscribed', //         kept out, its categories added
    'di@example.com,,,subscribed', //                 every category
    'Di@example.com,Di,Writing,subscribed', //        still every category, named: updated
    'FAY@example.com,,,bounced', //                   on the list: recorded as bounced, every category
    'fay@example.com,Fay,Design,subscribed', //       kept out, still every category
    'Gone@Example.com,Gone,,pending', //              a pending row changes no one on the list
    'gus.lindqvist@example.com,,design,subscribed', // on the list: Design added
  ],
};
const ownList = path.join(written, 'own-list.csv');
const cliImport = path.join(written, 'cli-import.csv');
const stale = path.join(written, 'stale.csv');
const caseDuplicates = path.join(written, 'case-duplicates.csv');

/** The state as an import uses it, its list unreadable: the database judges the rows where it keeps the list. */
const setBased = (state: PostgresState): PostgresState => ({
  ...state,
  list: () => {
    throw new Error('an import into PostgreSQL reads no list into memory');
  },
});

const unsubscribe = (email: string): SubscriberEvent => ({ type: 'unsubscribe', email, at, source: 'cli' });

/** What test/cli-subscribers.test.ts and src/subscribers/import.test.ts import, in the same orders, and case duplicates. */
const SCENARIOS: [string, Step[]][] = [
  [
    'add, unsubscribe and import (test/cli-subscribers)',
    [{ import: ownList }, { record: [unsubscribe('a@example.com')] }, { import: cliImport }],
  ],
  [
    'other tools’ exports in a row, then a stale export that would re-activate who left',
    ['mailchimp-unsubscribed.csv', 'mailchimp-cleaned.csv', 'buttondown.csv']
      .map((name) => ({ import: exportFile(name) }))
      .concat({ import: stale }),
  ],
  [
    'every export fixture, with the catalog’s categories, onto a list that has some of them',
    [
      ownList,
      ...['mailchimp-subscribed.csv', 'mailchimp-nonsubscribed.csv', 'buttondown-paid.csv', 'substack.csv', 'bom-crlf-quoted.csv'].map(
        exportFile,
      ),
      ...['excel-semicolon.csv', 'excel-unicode-text.txt', 'buttondown.csv', 'mailchimp-unsubscribed.csv'].map(exportFile),
    ].map((file) => ({ import: file })),
  ],
  [
    'Mailchimp’s nonsubscribed export twice',
    [{ import: exportFile('mailchimp-nonsubscribed.csv') }, { import: exportFile('mailchimp-nonsubscribed.csv') }],
  ],
  [
    'an address in several cases in one file, onto a list, twice',
    [{ import: ownList }, { record: [unsubscribe('gone@example.com')] }, { import: caseDuplicates }, { import: caseDuplicates }],
  ],
];

describe.skipIf(!TEST_DATABASE_URL)('subscribers import with the PostgreSQL state', () => {
  let database: TestDatabase;
  let dir: string;
  let opened: PostgresState[] = [];
  const config = () => resolveConfig({ data: path.join(REPO, 'data'), subscribers: path.join(dir, 'none.csv'), state: dir }, {});
  const openDatabase = () => {
    const state = openPostgres(database.url, dir);
    opened.push(state);
    return state;
  };

  beforeAll(() => {
    for (const [name, lines] of Object.entries(FILES)) writeCsv(written, lines, name);
  });
  beforeEach(async () => {
    database = await createTestDatabase();
    dir = tempDir('pg-import-state-');
    await migrate(openDatabase().database);
  });
  afterEach(async () => {
    await Promise.all(opened.map((state) => state.close()));
    opened = [];
    await database.drop();
  });
  afterAll(() => {
    cleanup();
    rmSync(written, { recursive: true, force: true });
  });

  it.each(SCENARIOS)('%s: the same summaries, events and list as the files backend', async (_name, steps) => {
    const files = openFiles(path.join(dir, 'files'), path.join(dir, 'none.csv'));
    const pg = openDatabase();
    for (const step of steps) {
      if ('record' in step) {
        await files.subscribers.record(...step.record);
        await pg.subscribers.record(...step.record);
        continue;
      }
      const [expected, events] = [await importSubscribers(config(), files, step.import, AT), await collect(files.subscribers.events())];
      expect(await importSubscribers(config(), setBased(pg), step.import, AT), step.import).toBe(expected);
      expect(await collect(pg.subscribers.events()), step.import).toHaveLength(events.length);
    }
    const list = await readers(openDatabase());
    expect(list).toEqual(await readers(files));
    // The table is the fold of the events, as the files backend folds them.
    const folded = new SubscriberList();
    for (const event of await collect(pg.subscribers.events())) folded.fold(event);
    expect(list).toEqual([...folded.values()].sort((a, b) => a.email.localeCompare(b.email)));
  });

  it('says of case duplicates what the files backend says, and a second import of the file changes nothing', async () => {
    const pg = openDatabase();
    await importSubscribers(config(), pg, ownList, AT);
    await pg.subscribers.record(unsubscribe('gone@example.com'));
    const events = (await collect(pg.subscribers.events())).length;
    expect((await importSubscribers(config(), setBased(pg), caseDuplicates, AT)).split('\n')).toEqual([
      `Imported ${caseDuplicates}:`,
      '  2 added as active',
      '  1 added as pending: not confirmed in the export, so no digest until they confirm through the signup form',
      '  2 recorded as unsubscribed, bounced or complained, as the export has them: never mailed',
      '  4 updated (name, categories or status)',
      '  3 kept as they were, unsubscribed, bounced or complained, although the export has them subscribed: only their own new signup brings them back',
      '  2 unchanged',
    ]);
    const after = (await collect(pg.subscribers.events())).length;
    expect(after - events).toBe(10);
    const byEmail = new Map((await readers(openDatabase())).map((s): [string, Subscriber] => [s.email, s]));
    expect(byEmail.get('ada@example.com')).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
      categories: ['Design', 'Writing'],
      status: 'active',
    });
    expect(byEmail.get('bo@example.com')).toMatchObject({ name: 'Bo', status: 'pending' });
    expect(byEmail.get('cy@example.com')).toMatchObject({ categories: ['Research', 'Design'], status: 'unsubscribed' });
    expect(byEmail.get('di@example.com')).toMatchObject({ name: 'Di', categories: [] });
    expect(byEmail.get('fay@example.com')).toMatchObject({ categories: [], status: 'bounced' });
    expect(byEmail.get('gus.lindqvist@example.com')).toMatchObject({ categories: ['Research', 'Writing', 'Design'] });
    expect(byEmail.get('gone@example.com')).toMatchObject({ name: null, status: 'unsubscribed' });

    expect(await importSubscribers(config(), setBased(pg), caseDuplicates, AT)).toBe(
      `Imported ${caseDuplicates}:\n  3 kept as they were, unsubscribed, bounced or complained, although the export has them subscribed: only their own new signup brings them back\n  11 unchanged`,
    );
    expect(await collect(pg.subscribers.events())).toHaveLength(after);
  });

  // Past JUDGED_ROWS (25,000 rows a statement) twice over: the million is BENCHMARKS.md's.
  it('imports a 60,000-row file, judged a part at a time', async () => {
    const rows = 60_000;
    const lines = ['email,name,status'];
    for (let i = 0; i < rows; i++) lines.push(`reader${i}@example.com,Reader ${i},${['unsubscribed', 'pending'][i % 10] ?? 'subscribed'}`);
    // The same readers again in capitals, every thousandth: already on the list by then.
    for (let i = 5; i < rows; i += 1000) lines.push(`READER${i}@EXAMPLE.COM,Reader ${i},subscribed`);
    const file = path.join(dir, 'large.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const pg = openDatabase();
    expect(await importSubscribers(config(), setBased(pg), file, AT)).toBe(
      [
        `Imported ${file}:`,
        '  48000 added as active',
        '  6000 added as pending: not confirmed in the export, so no digest until they confirm through the signup form',
        '  6000 recorded as unsubscribed, bounced or complained, as the export has them: never mailed',
        '  60 unchanged',
      ].join('\n'),
    );
    const { list } = await openDatabase().list().current();
    expect(list.size).toBe(rows);
    // Analyzed at once, so the first send's pages are planned with the table's size (-1: never analyzed).
    const [table] = await pg.database`SELECT reltuples FROM pg_class WHERE relname = 'subscribers'`;
    expect(table?.reltuples).toBeGreaterThan(rows / 2);
    expect(list.get('reader10@example.com')).toEqual({
      email: 'reader10@example.com',
      name: 'Reader 10',
      categories: [],
      status: 'unsubscribed',
    });
    expect(await collect(pg.subscribers.events())).toHaveLength(rows);
  });
});
