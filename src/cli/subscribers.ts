import { defineCommand } from 'citty';
import { UserError } from '../errors.ts';
import { terminalSafe } from '../plain-text.ts';
import { argumentAddress, parseCategories, SubscriberStatus } from '../subscribers/schema.ts';
import { csvLine, LIST_HEADER, subscriberLine } from '../subscribers/export.ts';
import { addSubscriber, importSubscribers, unsubscribe } from '../subscribers/manage.ts';
import { commonArgs, configFrom, now, print, printError, strictFlags, openRunState } from './common.ts';
import { currentIo } from './io.ts';

// --data and --tz change nothing here but --data for the categories of add and import, so the help lists only the flags that do.
const { subscribers: subscribersArg, state: stateArg } = commonArgs;
const listArgs = { subscribers: subscribersArg, state: stateArg };
/** Only the flags these commands declare: an undeclared --tz or --data is parsed as a bare switch and changes nothing here. */
const listConfig = (args: { subscribers?: string; state?: string; data?: unknown }) =>
  configFrom({ subscribers: args.subscribers, state: args.state, data: typeof args.data === 'string' ? args.data : undefined });

const importCommand = defineCommand({
  meta: { name: 'import', description: 'Add or update subscribers from a CSV file (exports of other tools work as they are)' },
  args: {
    ...listArgs,
    data: commonArgs.data,
    file: { type: 'positional', required: true, description: 'CSV file with an email column (comma, semicolon or tab separated)' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = listConfig(args);
    print(await importSubscribers(config, await openRunState(config), args.file, now()));
  },
});

const addCommand = defineCommand({
  meta: { name: 'add', description: 'Add one active subscriber, or change the name or categories of one on the list' },
  args: {
    ...listArgs,
    data: commonArgs.data,
    address: { type: 'positional', required: true, description: 'email address' },
    name: { type: 'string', description: "the reader's name (default: as it is, for a reader on the list)" },
    categories: {
      type: 'string',
      description:
        'categories of the catalog separated by ";", or "" for every category (default: as it is; every category for a new reader)',
    },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = listConfig(args);
    const email = argumentAddress('ADDRESS', args.address);
    const categories = args.categories === undefined ? undefined : parseCategories(args.categories);
    print(await addSubscriber(config, await openRunState(config), { email, name: args.name, categories, at: now() }));
  },
});

const unsubscribeCommand = defineCommand({
  meta: { name: 'unsubscribe', description: 'Unsubscribe one address; no later send mails it' },
  args: { ...listArgs, address: { type: 'positional', required: true, description: 'email address' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = listConfig(args);
    print(await unsubscribe(config, await openRunState(config), argumentAddress('ADDRESS', args.address), now()));
  },
});

const listCommand = defineCommand({
  meta: { name: 'list', description: 'Print the list as the next send sees it, as CSV' },
  args: { ...listArgs, status: { type: 'string', description: 'only this status: active, pending, unsubscribed, bounced or complained' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = listConfig(args);
    const status = args.status === undefined ? undefined : SubscriberStatus.safeParse(args.status.toLowerCase());
    if (status && !status.success) throw new UserError(`--status "${args.status}" is not one of ${SubscriberStatus.options.join(', ')}.`);
    const { list, problems } = await (await openRunState(config, 'read')).list().current();
    for (const p of problems) printError(p.problem);
    const { stdout } = currentIo();
    stdout.write(csvLine(LIST_HEADER));
    for (const s of [...list.values()].sort((a, b) => a.email.localeCompare(b.email))) {
      if (status?.data && s.status !== status.data) continue;
      // The list file is written by hand or by other tools: a name in it may hold anything.
      stdout.write(terminalSafe(subscriberLine(s)));
    }
  },
});

export default defineCommand({
  meta: { name: 'subscribers', description: 'Manage the list: import FILE | add ADDRESS | unsubscribe ADDRESS | list' },
  subCommands: { import: importCommand, add: addCommand, unsubscribe: unsubscribeCommand, list: listCommand },
});
