import path from 'node:path';
import { defineCommand } from 'citty';
import { writeFileDurably } from '../files.ts';
import { UserError } from '../errors.ts';
import { prepareIssue, type PreparedIssue } from '../pipeline.ts';
import { digestProps, renderMessage } from '../render/message.ts';
import { comparisonsFor } from '../digest/issue.ts';
import type { OutgoingEmail } from '../delivery/transport.ts';
import { Address } from '../subscribers/schema.ts';
import { LiveSubscribers, SubscriberStore } from '../subscribers/store.ts';
import type { Recipient } from '../delivery/ledger.ts';
import type { Config } from '../config.ts';
import { commonArgs, configFrom, now, senderSettings, strictFlags, weekArg } from './common.ts';
import { editionLine, holdLine, issueHeadline } from './build.ts';

export const ALL_TOPICS_READER: Recipient = { email: 'reader@example.com', name: null, categories: [] };

/** The reader to preview as: a subscriber of the list by address, or an all-topics reader. */
async function readerFor(config: Config, as: string | undefined): Promise<Recipient> {
  if (as === undefined) return ALL_TOPICS_READER;
  const address = Address.safeParse(as);
  if (!address.success) throw new UserError(`--as "${as}" is not a valid email address.`);
  const { list } = await new LiveSubscribers(config.subscribersFile, new SubscriberStore(config.stateDir)).current();
  const subscriber = list.get(address.data);
  if (!subscriber) throw new UserError(`--as ${address.data} is not on the list in ${config.subscribersFile}.`);
  return { email: subscriber.email, name: subscriber.name, categories: subscriber.categories };
}

export interface Preview {
  prepared: PreparedIssue;
  message: OutgoingEmail | null;
  html: string;
  text: string;
}

/** Writes `<out>/<week>.html` and `.txt` exactly as `reader` would get them (nothing when the week has nothing for them). */
export async function writePreview(config: Config, week: string | undefined, out: string | undefined, reader: Recipient): Promise<Preview> {
  const prepared = await prepareIssue(config, { week, now: now() });
  const message = await renderMessage(prepared.issue, reader, senderSettings(config));
  const dir = out ?? path.join(config.stateDir, 'preview');
  const html = path.join(dir, `${prepared.issue.week}.html`);
  const text = path.join(dir, `${prepared.issue.week}.txt`);
  if (message) {
    await writeFileDurably(html, message.html);
    await writeFileDurably(text, message.text);
  }
  return { prepared, message, html, text };
}

const GMAIL_CLIP_BYTES = 102 * 1024;

/** What would hurt delivery or the reader, one sentence each. */
export function deliveryHazards(config: Config, preview: Preview): string[] {
  const { message, prepared } = preview;
  const hazards: string[] = [];
  if (message && Buffer.byteLength(message.html) > GMAIL_CLIP_BYTES) hazards.push('The HTML is over 102 KB, so Gmail will clip it and hide the unsubscribe link.');
  if (config.postalAddress === null) hazards.push('DIGEST_POSTAL_ADDRESS is not set: bulk mail must carry the sender\'s postal address.');
  if (!config.publicUrl.startsWith('https://')) hazards.push(`Links point at ${config.publicUrl}: readers can't reach it; set DIGEST_PUBLIC_URL to where \`serve\` runs, over https.`);
  const insecure = prepared.issue.comparisons.flatMap((c) => [c.left, c.right]).filter((s) => s?.url.startsWith('http:')).map((s) => s!.slug);
  if (insecure.length > 0) hazards.push(`Plain http: links (spam filters frown on them): ${[...new Set(insecure)].join(', ')}.`);
  const held = holdLine(prepared);
  if (held) hazards.push(held);
  return hazards;
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
    const preview = await writePreview(config, args.week, args.out, reader);
    const { prepared, message } = preview;
    console.log(issueHeadline(prepared));
    const fromEdition = editionLine(prepared);
    if (fromEdition) console.log(fromEdition);
    if (prepared.issue.comparisons.length === 0) return;
    if (message === null) {
      console.log(`${reader.email} would get no email this week: none of the comparisons is in their categories.`);
      return;
    }
    const shown = comparisonsFor(prepared.issue, reader.categories).length;
    console.log(`As ${reader.email}: ${shown} of ${prepared.issue.comparisons.length} comparisons.`);
    console.log(`Subject: ${message.subject}`);
    console.log(`Preheader: ${digestProps(prepared.issue, reader, senderSettings(config))!.preheader}`);
    console.log(`HTML: ${preview.html} (${(Buffer.byteLength(message.html) / 1024).toFixed(1)} KB)`);
    console.log(`Text: ${preview.text}`);
    const hazards = deliveryHazards(config, preview);
    console.log(hazards.length === 0 ? 'Nothing found that would hurt delivery.' : ['Before sending:', ...hazards.map((h) => `  - ${h}`)].join('\n'));
  },
});
