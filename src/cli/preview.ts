import path from 'node:path';
import { defineCommand } from 'citty';
import { writeFileDurably } from '../files.ts';
import { UserError } from '../errors.ts';
import { prepareIssue } from '../pipeline.ts';
import { renderMessage } from '../render/message.ts';
import { Address } from '../subscribers/schema.ts';
import { SubscriberStore, loadSubscribers } from '../subscribers/store.ts';
import type { Recipient } from '../delivery/ledger.ts';
import type { Config } from '../config.ts';
import { commonArgs, configFrom, now, senderSettings, strictFlags, weekArg } from './common.ts';
import { issueHeadline } from './build.ts';

export const ALL_TOPICS_READER: Recipient = { email: 'reader@example.com', name: null, categories: [] };

/** The reader to preview as: a subscriber of the list by address, or an all-topics reader. */
async function readerFor(config: Config, as: string | undefined): Promise<Recipient> {
  if (as === undefined) return ALL_TOPICS_READER;
  const address = Address.safeParse(as);
  if (!address.success) throw new UserError(`--as "${as}" is not a valid email address.`);
  const { list } = await loadSubscribers(config.subscribersFile, new SubscriberStore(config.stateDir));
  const subscriber = list.get(address.data);
  if (!subscriber) throw new UserError(`--as ${address.data} is not on the list in ${config.subscribersFile}.`);
  return { email: subscriber.email, name: subscriber.name, categories: subscriber.categories };
}

export interface PreviewFiles {
  html: string;
  text: string;
  subject: string;
  bytes: number;
}

/** Writes `<out>/<week>.html` and `.txt` exactly as `reader` would get them; null when the week has nothing for them. */
export async function writePreview(config: Config, week: string | undefined, out: string | undefined, reader: Recipient): Promise<{ headline: string; empty: boolean; files: PreviewFiles | null }> {
  const prepared = await prepareIssue(config, { week, now: now(), rebuild: false });
  const headline = issueHeadline(prepared, path.join(config.stateDir, 'issues', `${prepared.issue.week}.json`));
  const message = await renderMessage(prepared.issue, reader, senderSettings(config));
  const empty = prepared.issue.comparisons.length === 0;
  if (message === null) return { headline, empty, files: null };
  const dir = out ?? path.join(config.stateDir, 'preview');
  const html = path.join(dir, `${prepared.issue.week}.html`);
  const text = path.join(dir, `${prepared.issue.week}.txt`);
  await writeFileDurably(html, message.html);
  await writeFileDurably(text, message.text);
  return { headline, empty, files: { html, text, subject: message.subject, bytes: Buffer.byteLength(message.html) } };
}

export default defineCommand({
  meta: { name: 'preview', description: 'Write the digest as .html and .txt, as a subscriber would get it' },
  args: {
    ...commonArgs,
    ...weekArg,
    out: { type: 'string', description: 'folder for the files (default: <state>/preview)' },
    as: { type: 'string', description: 'preview as this subscriber (default: a reader of every category)' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const reader = await readerFor(config, args.as);
    const { headline, empty, files } = await writePreview(config, args.week, args.out, reader);
    console.log(headline);
    if (empty) return;
    if (files === null) {
      console.log(`${reader.email} would get no email this week: none of the comparisons is in their categories.`);
      return;
    }
    console.log(`Subject: ${files.subject}`);
    console.log(`HTML: ${files.html} (${(files.bytes / 1024).toFixed(1)} KB${files.bytes > 102 * 1024 ? ', over the 102 KB at which Gmail clips a message' : ''})`);
    console.log(`Text: ${files.text}`);
  },
});
