import path from 'node:path';
import { senderSettings, type Config } from '../config.ts';
import { UserError } from '../errors.ts';
import { writeFileDurably } from '../files.ts';
import { EVERY_CATEGORY_READER, type OutgoingEmail, type Recipient } from '../mail.ts';
import { prepareIssue, type PreparedIssue } from '../pipeline.ts';
import { digestProps, renderMessage } from '../render/message.ts';
import { argumentAddress, type SubscriberStatus } from '../subscribers/schema.ts';
import { LiveSubscribers, SubscriberStore } from '../subscribers/store.ts';

/** The reader to preview as: a subscriber of the list by address (with their status), or an every-category reader. */
export async function readerFor(config: Config, as: string | undefined): Promise<Recipient & { status?: SubscriberStatus }> {
  if (as === undefined) return EVERY_CATEGORY_READER;
  const address = argumentAddress('--as', as);
  const { list } = await new LiveSubscribers(config.subscribersFile, new SubscriberStore(config.stateDir)).current();
  const subscriber = list.get(address);
  if (!subscriber) throw new UserError(`--as ${address} is not on the list in ${config.subscribersFile}.`);
  return { email: subscriber.email, name: subscriber.name, categories: subscriber.categories, status: subscriber.status };
}

export interface Preview {
  prepared: PreparedIssue;
  reader: Recipient;
  /** Null when the week has nothing for the reader. */
  message: OutgoingEmail | null;
  preheader: string | null;
  html: string;
  text: string;
}

export interface PreviewRequest {
  week?: string;
  /** The folder for the files; absent, `<state>/preview`. */
  out?: string;
  reader: Recipient;
  now: Date;
}

/** Writes `<out>/<week>.html` and `.txt` exactly as the reader would get them (nothing when the week has nothing for them). */
export async function writePreview(config: Config, request: PreviewRequest): Promise<Preview> {
  const { reader } = request;
  const prepared = await prepareIssue(config, { week: request.week, now: request.now });
  const settings = senderSettings(config);
  const message = await renderMessage(prepared.issue, reader, settings);
  const dir = request.out ?? path.join(config.stateDir, 'preview');
  // A preview as one reader is named after them, so it never replaces the every-category preview.
  const base =
    reader === EVERY_CATEGORY_READER ? prepared.issue.week : `${prepared.issue.week}-${reader.email.replace(/[^a-z0-9@._-]/gi, '_')}`;
  const html = path.join(dir, `${base}.html`);
  const text = path.join(dir, `${base}.txt`);
  if (message) {
    await writeFileDurably(html, message.html);
    await writeFileDurably(text, message.text);
  }
  const preheader = digestProps(prepared.issue, reader, settings)?.preheader ?? null;
  return { prepared, reader, message, preheader, html, text };
}
