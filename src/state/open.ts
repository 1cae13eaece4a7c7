import path from 'node:path';
import type { Config } from '../config.ts';
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
    webhooks: new WebhookLog(folder, subscribers),
    issues: new IssueStore(folder),
    ledger: (week) => new Ledger(folder, week),
    ledgerWeeks: () => ledgerWeeks(folder),
    readers: new SentReaders(folder),
    locks: new FileLocks(folder),
    schedule: new ScheduleStore(folder),
    outboxDir: path.join(folder, 'outbox'),
    previewDir: path.join(folder, 'preview'),
    // A file that can't be read or written is not a passing outage: it needs someone to look.
    unavailable: () => null,
    close: async () => {},
  };
}

/** The run's state, opened once at the top of a command or of the server: the only reader of `config.stateDir`. */
export function openState(config: Pick<Config, 'stateDir' | 'subscribersFile'>): State {
  return openFiles(config.stateDir, config.subscribersFile);
}
