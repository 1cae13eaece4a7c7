import path from 'node:path';
import type { Config } from '../config.ts';
import { UserError } from '../errors.ts';
import { openDatabaseState } from './pg/state.ts';
import { LiveSubscribers } from '../subscribers/live.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import { IssueStore } from './issues.ts';
import { Ledger, ledgerWeeks, SentReaders } from './ledger.ts';
import { FileLocks } from './lock.ts';
import { ScheduleStore } from './schedule.ts';
import { SignupsFile } from './signups.ts';
import type { State } from './stores.ts';
import { VoteStore } from './votes.ts';
import { WebhookLog } from './webhook-log.ts';

/** The files backend: everything in the state folder `folder` (see README, "How the code is laid out"). */
export function openFiles(folder: string, listFile = path.join(folder, 'subscribers.csv')): State {
  const subscribers = new SubscriberStore(folder);
  return {
    place: folder,
    subscribers,
    listPlace: `${listFile} and recorded changes`,
    list: (options) => new LiveSubscribers(listFile, subscribers, options),
    signups: new SignupsFile(folder),
    votes: new VoteStore(folder),
    webhooks: new WebhookLog(folder),
    issues: new IssueStore(folder),
    ledger: (week) => new Ledger(folder, week),
    ledgerWeeks: () => ledgerWeeks(folder),
    readers: new SentReaders(folder),
    locks: new FileLocks(folder),
    schedule: new ScheduleStore(folder),
    outboxDir: path.join(folder, 'outbox'),
    previewDir: path.join(folder, 'preview'),
    close: async () => {},
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
  return openDatabaseState(config.databaseUrl, config.stateDir, config.databaseSource, access);
}
