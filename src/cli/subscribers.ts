import { defineCommand } from 'citty';
import { UserError } from '../errors.ts';
import { readExport } from '../subscribers/import.ts';
import { Address, parseCategories, SubscriberStatus, type SubscriberEvent } from '../subscribers/schema.ts';
import { LiveSubscribers, SubscriberStore } from '../subscribers/store.ts';
import { commonArgs, configFrom, now, strictFlags } from './common.ts';

function address(value: string, flag: string): string {
  const parsed = Address.safeParse(value);
  if (!parsed.success) throw new UserError(`${flag} "${value}" is not a valid email address.`);
  return parsed.data;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const importCommand = defineCommand({
  meta: { name: 'import', description: 'Add or update subscribers from a CSV file (exports of other tools work as they are)' },
  args: { ...commonArgs, file: { type: 'positional', required: true, description: 'CSV file with an email column' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const store = new SubscriberStore(config.stateDir);
    const { list } = await new LiveSubscribers(config.subscribersFile, store, { allowMissingCsv: true }).current();
    const at = now().toISOString();
    const events: SubscriberEvent[] = [];
    let added = 0;
    let updated = 0;
    const rejected: string[] = [];
    // Read whole before anything is recorded: a status it doesn't know stops the import with nothing imported.
    const { rows, problems } = await readExport(args.file);
    for (const problem of problems) rejected.push(problem.problem);
    for (const item of rows) {
      const known = list.get(item.email);
      if (known) updated++;
      else added++;
      const event: SubscriberEvent = { type: 'add', email: item.email, name: item.name, categories: item.categories, status: item.status, at, source: `import ${args.file}:${item.line}` };
      list.fold(event);
      events.push(event);
    }
    await store.record(...events);
    console.log(`Imported ${args.file}: ${added} added, ${updated} updated, ${rejected.length} rejected.`);
    for (const line of rejected) console.log(`  ${line}`);
  },
});

const addCommand = defineCommand({
  meta: { name: 'add', description: 'Add one active subscriber' },
  args: {
    ...commonArgs,
    address: { type: 'positional', required: true, description: 'email address' },
    name: { type: 'string', description: "the reader's name" },
    categories: { type: 'string', description: 'categories separated by ";" (default: every category)' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const email = address(args.address, 'ADDRESS');
    const store = new SubscriberStore(config.stateDir);
    const { list } = await new LiveSubscribers(config.subscribersFile, store, { allowMissingCsv: true }).current();
    const known = list.get(email);
    if (known && known.status !== 'active' && known.status !== 'pending') {
      throw new UserError(`${email} is ${known.status}; they must subscribe again themselves (signup form) before they get mail.`);
    }
    await store.record({ type: 'add', email, name: args.name ?? null, categories: parseCategories(args.categories), status: 'active', at: now().toISOString(), source: 'cli add' });
    console.log(known ? `Updated ${email}.` : `Added ${email}.`);
  },
});

const unsubscribeCommand = defineCommand({
  meta: { name: 'unsubscribe', description: 'Unsubscribe one address; no later send mails it' },
  args: { ...commonArgs, address: { type: 'positional', required: true, description: 'email address' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const email = address(args.address, 'ADDRESS');
    await new SubscriberStore(config.stateDir).record({ type: 'unsubscribe', email, at: now().toISOString(), source: 'cli' });
    console.log(`Unsubscribed ${email}.`);
  },
});

const listCommand = defineCommand({
  meta: { name: 'list', description: 'Print the list as the next send sees it, as CSV' },
  args: { ...commonArgs, status: { type: 'string', description: 'only this status: active, pending, unsubscribed, bounced or complained' } },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const status = args.status === undefined ? undefined : SubscriberStatus.safeParse(args.status.toLowerCase());
    if (status && !status.success) throw new UserError(`--status "${args.status}" is not one of ${SubscriberStatus.options.join(', ')}.`);
    const { list, problems } = await new LiveSubscribers(config.subscribersFile, new SubscriberStore(config.stateDir)).current();
    for (const p of problems) console.error(p.problem);
    console.log('email,name,categories,status');
    for (const s of [...list.values()].sort((a, b) => a.email.localeCompare(b.email))) {
      if (status?.data && s.status !== status.data) continue;
      console.log([s.email, s.name ?? '', s.categories.join(';'), s.status].map(csvField).join(','));
    }
  },
});

export default defineCommand({
  meta: { name: 'subscribers', description: 'Manage the list: import FILE | add ADDRESS | unsubscribe ADDRESS | list' },
  subCommands: { import: importCommand, add: addCommand, unsubscribe: unsubscribeCommand, list: listCommand },
});
