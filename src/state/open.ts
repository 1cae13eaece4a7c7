import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { UserError } from '../errors.ts';
import type { PostgresState } from './pg/state.ts';
import { LiveSubscribers } from '../subscribers/live.ts';
import { StoppedReaders } from '../subscribers/stopped.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import { audienceOf } from './audience.ts';
import { IssueStore } from './issues.ts';
import { Ledger } from './ledger.ts';
import { ledgerWeeks, SentReaders } from './sent-readers.ts';
import { FileLocks } from './lock.ts';
import { ScheduleStore } from './schedule.ts';
import { SignupsFile } from './signups.ts';
import type { State } from './stores.ts';
import { VoteStore } from './votes.ts';
import { WebhookLog } from './webhook-log.ts';

/** The files backend: everything in the state folder `folder` (see README, "How the code is laid out"). */
export function openFiles(folder: string, listFile = path.join(folder, 'subscribers.csv')): State {
  const subscribers = new SubscriberStore(folder);
  const list: State['list'] = (options) => new LiveSubscribers(listFile, subscribers, options);
  const webhooks = new WebhookLog(folder, subscribers);
  const votes = new VoteStore(folder);
  return {
    place: folder,
    subscribers,
    listPlace: `${listFile} and recorded changes`,
    list,
    audience: async (issue) => {
      const { list: current, problems } = await list().current();
      return audienceOf(issue, current, problems);
    },
    signups: new SignupsFile(folder),
    votes,
    webhooks,
    issues: new IssueStore(folder),
    ledger: (week) => new Ledger(folder, week, new StoppedReaders(subscribers)),
    ledgerWeeks: () => ledgerWeeks(folder),
    readers: new SentReaders(folder),
    locks: new FileLocks(folder),
    schedule: new ScheduleStore(folder),
    outboxDir: path.join(folder, 'outbox'),
    previewDir: path.join(folder, 'preview'),
    // A file that can't be read or written is not a passing outage: it needs someone to look.
    unavailable: () => null,
    close: async () => {
      await Promise.all([webhooks.close(), votes.close()]);
    },
  };
}

/** What a command does with the state: `read` (status, stats, the list) never changes a database's schema. */
export type Access = 'read' | 'write';

/**
 * The run's state, opened once at the top of a command or of the server: the only reader of `config.stateDir`.
 * With a database URL, every store is in PostgreSQL (connected and, for `write`, migrated before this returns) and
 * the folder keeps only the outbox and previews; the caller closes it.
 */
export async function openState(
  config: Pick<Config, 'stateDir' | 'subscribersFile' | 'subscribersFlag' | 'databaseUrl' | 'databaseSource'>,
  access: Access = 'write',
): Promise<State> {
  if (config.databaseUrl === null) return openFiles(config.stateDir, config.subscribersFile);
  if (config.subscribersFlag) {
    throw new UserError(
      `--subscribers names a list file, but with ${config.databaseSource} the list is in the database; load a file into it with \`npm run digest -- subscribers import FILE\` (or copy a whole state folder once with \`db import-state\`), and leave --subscribers out.`,
    );
  }
  return openDatabase(config.databaseUrl, config.stateDir, config.databaseSource, access);
}

// Loaded only with a database: postgres and the PostgreSQL stores are a good part of a files run's start-up.
async function openDatabase(...args: Parameters<typeof import('./pg/state.ts').openDatabaseState>): Promise<PostgresState> {
  const { openDatabaseState } = await import('./pg/state.ts');
  return openDatabaseState(...args);
}

/**
 * For `db import-state`: the files state of `config`'s folder and list file, to copy from, and its database (connected
 * and migrated; the caller closes it), to copy into.
 */
export async function openForImport(
  config: Pick<Config, 'stateDir' | 'subscribersFile' | 'databaseUrl' | 'databaseSource'>,
): Promise<{ from: State; listFile: string; to: PostgresState }> {
  if (config.databaseUrl === null) {
    throw new UserError('db import-state copies into a PostgreSQL database: give its URL with --database or DATABASE_URL.');
  }
  if (!existsSync(config.stateDir)) {
    throw new UserError(`The state folder "${config.stateDir}" does not exist; give the folder to copy with --state.`);
  }
  const to = await openDatabase(config.databaseUrl, config.stateDir, config.databaseSource, 'write');
  return { from: openFiles(config.stateDir, config.subscribersFile), listFile: config.subscribersFile, to };
}
