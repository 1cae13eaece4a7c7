import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openFiles } from '../../src/state/open.ts';
import { migrate } from '../../src/state/pg/migrate.ts';
import { openPostgres, type PostgresState } from '../../src/state/pg/state.ts';
import type { State } from '../../src/state/stores.ts';
import type { Subscriber, SubscriberEvent } from '../../src/subscribers/schema.ts';
import { createTestDatabase, TEST_DATABASE_URL } from './pg.ts';

/** The backends of the state as src/state/contract.test.ts drives them, each made afresh for a test. */

/** The stores whose records a crash can tear or a hand can damage. */
export type Journaled = 'events' | 'votes' | 'ledger';

/**
 * One backend as the contract drives it: `open` opens the state anew (a restart sees only what was kept), `tear`
 * leaves a record cut short as a crash mid-write does, `damage` adds a whole record that is not one.
 */
export interface Backend {
  open(): State;
  tear(store: Journaled): Promise<void>;
  damage(store: Journaled): Promise<void>;
  /** Records that `email` unsubscribed, as serve does on any host. */
  optOut(email: string): Promise<void>;
  /** Marks a planned batch of WEEK as having first gone 24 hours ago, its fate unknown. */
  wentLongAgo(batch: number): Promise<void>;
  /** Makes `readers` the list: the editor's CSV, or the rows of the table subscribers. */
  fillList(readers: Subscriber[]): Promise<void>;
  close(): Promise<void>;
}

const DAY_AGO = () => new Date(Date.now() - 24 * 3_600_000);

export const WEEK = '2026-W47';

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
  // Each opening is closed before the folder goes: the webhook and vote logs keep their files open.
  const opened: State[] = [];
  const open = () => {
    const state = openFiles(dir);
    opened.push(state);
    return state;
  };
  return {
    open,
    tear: (store) => append(store, '{"type":"unsubscribe","email":"cut@exa'),
    damage: (store) => append(store, '{"not":"a record"}\n'),
    optOut: (email) => open().subscribers.record(unsubscribe(email)),
    wentLongAgo: (batch) => append('ledger', `${JSON.stringify({ state: 'submitting', batch, at: DAY_AGO() })}\n`),
    fillList: (readers) =>
      writeFile(
        path.join(dir, 'subscribers.csv'),
        ['email,name,categories,status', ...readers.map((r) => `${r.email},${r.name ?? ''},${r.categories.join('; ')},${r.status}`)].join(
          '\n',
        ),
      ),
    close: async () => {
      await Promise.all(opened.map((state) => state.close()));
      await rm(dir, { recursive: true, force: true });
    },
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
      await open().subscribers.record(unsubscribe(email));
    },
    wentLongAgo: async (batch) => {
      await open()
        .database`UPDATE ledger_batches SET state = 'submitting', submitted_at = ${DAY_AGO()} WHERE week = ${WEEK} AND batch = ${batch}`;
    },
    fillList: async (readers) => {
      await open().database.unsafe(
        `INSERT INTO subscribers (email, name, categories, status)
         SELECT email, name, ARRAY(SELECT jsonb_array_elements_text(categories)), status
         FROM jsonb_to_recordset($1::text::jsonb) AS r (email text, name text, categories jsonb, status text)`,
        [JSON.stringify(readers)],
      );
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
export const BACKENDS: [string, () => Promise<Backend>, { journals: boolean; skip?: boolean }][] = [
  ['files', filesBackend, { journals: true }],
  ['PostgreSQL (skipped without TEST_DATABASE_URL)', postgresBackend, { journals: false, skip: !TEST_DATABASE_URL }],
];

export const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 10, minutes));
export const unsubscribe = (email: string): SubscriberEvent => ({ type: 'unsubscribe', email, at: at(0).toISOString(), source: 'cli' });

/** Every item of `items`, in order (Array.fromAsync comes with Node 22). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
