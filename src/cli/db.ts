import { defineCommand } from 'citty';
import { type Copied, importState } from '../state/import-state.ts';
import { openForImport } from '../state/open.ts';
import { commonArgs, configFrom, now, print, printError, strictFlags } from './common.ts';
import { closeAtEnd } from './io.ts';

const { state, subscribers, database } = commonArgs;

const importStateCommand = defineCommand({
  meta: { name: 'import-state', description: 'Copy a state folder and its list into an empty PostgreSQL database, once' },
  args: {
    state: { ...state, description: 'the state folder to copy (default: .digest)' },
    subscribers: { ...subscribers, description: 'its list file (default: subscribers/subscribers.csv)' },
    database: { ...database, description: 'the empty PostgreSQL database to copy into (default: $DATABASE_URL)' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    // Only the flags declared here: an undeclared --data or --tz is parsed as a bare switch and changes nothing.
    const { from, listFile, to } = await openForImport(
      configFrom({ state: args.state, subscribers: args.subscribers, database: args.database }),
    );
    closeAtEnd(() => to.close());
    const copied = await importState(from, listFile, to, now(), printError);
    for (const line of copiedLines(copied, from.place, listFile, to.place)) print(line);
  },
});

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a copy says it did, store by store. */
function copiedLines(copied: Copied, folder: string, listFile: string, database: string): string[] {
  return [
    `Copied ${folder} and ${listFile} into ${database}:`,
    `  list: ${count(copied.readers, 'reader')}, from ${count(copied.rows, 'row')} of ${listFile} and ${count(copied.events, 'recorded change')}`,
    `  signups: ${copied.signups}`,
    `  votes: ${copied.votes}`,
    `  webhook deliveries: ${copied.webhooks}`,
    `  frozen issues: ${copied.issues}`,
    `  send ledgers: ${count(copied.ledgers.weeks, 'week')}, ${count(copied.ledgers.batches, 'batch', 'batches')}`,
    `  schedule: ${copied.schedule ? `handled until ${copied.schedule.toISOString()}` : 'never ran'}`,
    `From now on set DATABASE_URL to this database on every host, and leave out --subscribers; ${folder} is left as it was.`,
  ];
}

export default defineCommand({
  meta: { name: 'db', description: 'The PostgreSQL state: import-state' },
  subCommands: { 'import-state': importStateCommand },
});
