import { stat } from 'node:fs/promises';
import { UserError } from '../errors.ts';
import { isProblem, readSubscriberCsv } from '../subscribers/csv.ts';
import { STOPPED, type SubscriberList } from '../subscribers/list.ts';
import type { Subscriber, SubscriberEvent } from '../subscribers/schema.ts';
import { rebuildRepair } from './issues.ts';
import type { LedgerBatch } from './ledger.ts';
import { loadQueries } from './pg/queries.ts';
import type { PostgresState, PostgresStores } from './pg/state.ts';
import type { State } from './stores.ts';

/** What a copy of a state wrote, per store. */
export interface Copied {
  /** Readers on the list, as the next send sees it. */
  readers: number;
  /** Rows of the list file, each recorded as an `add` event. */
  rows: number;
  /** Changes the files state had recorded, copied in order. */
  events: number;
  /** Readers the list file kept stopped although a later change would let them back: recorded stopped once more. */
  held: number;
  signups: number;
  votes: number;
  webhooks: number;
  issues: number;
  ledgers: { weeks: number; batches: number };
  schedule: Date | null;
}

/** Events recorded per call, and ledger batches read per plan: a large list is never one statement nor one array. */
const CHUNK = 1000;

/**
 * Copies the files state `from` and its list file `listFile` into the empty database of `to`, in one transaction: a
 * copy that fails copies nothing. A database that holds anything is refused, and so is a copy whose list would not
 * read back as the files say (a bug). Lines the files' own readers skip are told to `log`.
 */
export async function importState(
  from: State,
  listFile: string,
  to: PostgresState,
  now: Date,
  log: (line: string) => void = () => undefined,
): Promise<Copied> {
  const query = loadQueries();
  return to.transaction(async (stores, tx) => {
    await tx.unsafe(query('import-lock'));
    const held = (await tx.unsafe<{ store: string }[]>(query('state-held'))).map((row) => row.store);
    if (held.length > 0) {
      throw new UserError(
        `${to.place} already holds state (${held.join(', ')}), and db import-state copies only into an empty database; point --database or DATABASE_URL at a new one.`,
      );
    }
    const list = await copyList(from, listFile, stores, now, log);
    return {
      ...list,
      signups: await copySignups(from, stores, log),
      votes: await copyVotes(from, stores),
      webhooks: await copyWebhooks(from, stores),
      issues: await copyIssues(from, stores),
      ledgers: await copyLedgers(from, stores),
      schedule: await copySchedule(from, stores),
    };
  });
}

async function copyList(from: State, listFile: string, stores: PostgresStores, now: Date, log: (line: string) => void) {
  const { list: want, problems } = await from.list().current();
  for (const { problem } of problems) log(problem);
  const copy = stores.list();
  let chunk: SubscriberEvent[] = [];
  const record = async (event: SubscriberEvent | null) => {
    if (event) chunk.push(event);
    if (chunk.length === CHUNK || (event === null && chunk.length > 0)) {
      await stores.subscribers.record(...chunk);
      chunk = [];
    }
  };
  let rows = 0;
  const at = now.toISOString();
  // The file's rows come first, as every reader of the files state folds them: each as `subscribers import` records one.
  const csvExists = await stat(listFile).then(
    () => true,
    () => false,
  );
  if (csvExists) {
    for await (const row of readSubscriberCsv(listFile)) {
      if (isProblem(row)) continue;
      const { email, name, categories, status } = row;
      await record({ type: 'add', email, name, categories, status, at, source: `db import-state ${listFile}:${row.line}` });
      rows++;
    }
  }
  let events = 0;
  for await (const event of from.subscribers.events()) {
    await record(event);
    events++;
  }
  await record(null);
  const stopped = stillStopped(want, (await copy.current()).list, at, listFile);
  if (stopped.length > 0) await stores.subscribers.record(...stopped);
  const got = (await copy.current()).list;
  const differs = firstDifference(want, got);
  if (differs !== null) {
    throw new Error(
      `The copied list says ${JSON.stringify(differs.got)} where ${from.listPlace} say ${JSON.stringify(differs.want)}: a bug.`,
    );
  }
  return { readers: got.size, rows, events, held: stopped.length };
}

/**
 * The events that stop again the readers the list file keeps stopped although a change recorded after would let them
 * back (a signup): the files state folds the file's rows apart from events, a database has only events.
 */
function stillStopped(want: SubscriberList, got: SubscriberList, at: string, listFile: string): SubscriberEvent[] {
  const events: SubscriberEvent[] = [];
  for (const reader of want.values()) {
    const copied = got.get(reader.email);
    if (!STOPPED.has(reader.status) || !copied || STOPPED.has(copied.status)) continue;
    const { email } = reader;
    const detail = `${listFile} has them ${reader.status}`;
    if (reader.status === 'unsubscribed') events.push({ type: 'unsubscribe', email, at, source: `db import-state: ${detail}` });
    else events.push({ type: reader.status === 'bounced' ? 'bounce' : 'complaint', email, at, detail });
  }
  return events;
}

/** The first reader on whom two lists disagree, or null when they hold the same readers alike. */
function firstDifference(want: SubscriberList, got: SubscriberList): { want?: Subscriber; got?: Subscriber } | null {
  const same = (a: Subscriber, b: Subscriber) =>
    a.name === b.name && a.status === b.status && a.categories.join('\0') === b.categories.join('\0');
  for (const reader of want.values()) {
    const copied = got.get(reader.email);
    if (!copied || !same(reader, copied)) return { want: reader, got: copied };
  }
  for (const copied of got.values()) if (!want.has(copied.email)) return { got: copied };
  return null;
}

async function copySignups(from: State, stores: PostgresStores, log: (line: string) => void): Promise<number> {
  let signups = 0;
  for await (const line of from.signups.history(log)) {
    await stores.signups.write(line);
    if (line.type === 'signup') signups++;
  }
  return signups;
}

/** Every vote in the order cast, with its time: the database counts the changes of each, so the limit still holds. */
async function copyVotes(from: State, stores: PostgresStores): Promise<number> {
  let votes = 0;
  for await (const { type: _, at, ...vote } of from.votes.history()) {
    await stores.votes.record(vote, new Date(at));
    votes++;
  }
  return votes;
}

async function copyWebhooks(from: State, stores: PostgresStores): Promise<number> {
  let entries = 0;
  for await (const entry of from.webhooks.entries()) {
    await stores.webhooks.record(entry, []);
    entries++;
  }
  return entries;
}

/** Each frozen issue byte for byte, as its send's ledger recorded its sha256; one that is not an issue stops the copy. */
async function copyIssues(from: State, stores: PostgresStores): Promise<number> {
  const weeks = await from.issues.weeks();
  for (const week of weeks) {
    const repair = rebuildRepair(week);
    const text = await from.issues.text(week, repair);
    if (text === null) continue;
    from.issues.parse(week, text, repair);
    await stores.issues.writeText(week, text);
  }
  return weeks.length;
}

/** Each send's ledger: its start, every batch with its key and readers, and the step each got to. */
async function copyLedgers(from: State, stores: PostgresStores): Promise<Copied['ledgers']> {
  const weeks = await from.ledgerWeeks();
  let batches = 0;
  for (const week of weeks) {
    const source = from.ledger(week);
    const ledger = stores.ledger(week);
    let start = (await source.started()) ?? undefined;
    let chunk: LedgerBatch[] = [];
    const flush = async () => {
      await ledger.plan(chunk, start);
      start = undefined;
      for (const batch of chunk) {
        if (batch.state === 'submitting') await ledger.submitting(batch.batch);
        else if (batch.state === 'sent') await ledger.sent(batch.batch, batch.rejected);
        else if (batch.state === 'failed') await ledger.failed(batch.batch, batch.reason ?? '', batch.nothingSent);
      }
      batches += chunk.length;
      chunk = [];
    };
    for await (const batch of source.batches()) {
      chunk.push(batch);
      if (chunk.length === CHUNK) await flush();
    }
    if (chunk.length > 0 || start) await flush();
  }
  return { weeks: weeks.length, batches };
}

async function copySchedule(from: State, stores: PostgresStores): Promise<Date | null> {
  const record = await from.schedule.read();
  if (record) await stores.schedule.write(record);
  return record?.handledUntil ?? null;
}
