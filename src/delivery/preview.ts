import { stat } from 'node:fs/promises';
import path from 'node:path';
import { senderSettings, type Config } from '../config.ts';
import { SubscribersError, UserError } from '../errors.ts';
import { writeFileDurably } from '../files.ts';
import { EVERY_CATEGORY_READER, recipientOf, type OutgoingEmail, type Recipient } from '../mail.ts';
import { prepareIssue, type PreparedIssue } from '../pipeline.ts';
import { digestProps, renderMessage } from '../render/message.ts';
import { argumentAddress, type Subscriber, type SubscriberStatus } from '../subscribers/schema.ts';
import type { State } from '../state/stores.ts';

/** The list's reader at `address` after every recorded event, and how many readers the list has; a missing CSV lists nobody. */
export async function listedReader(
  _config: Config,
  state: State,
  address: string,
): Promise<{ subscriber: Subscriber | undefined; listSize: number }> {
  const { list } = await state.list({ allowMissingCsv: true }).current();
  return { subscriber: list.get(address), listSize: list.size };
}

/** The reader to preview as: a subscriber of the list by address (with their status), or an every-category reader. */
export async function readerFor(config: Config, state: State, as: string | undefined): Promise<Recipient & { status?: SubscriberStatus }> {
  if (as === undefined) return EVERY_CATEGORY_READER;
  const address = argumentAddress('--as', as);
  const { subscriber, listSize } = await listedReader(config, state, address);
  if (subscriber) return { ...recipientOf(subscriber), status: subscriber.status };
  const file = config.subscribersFile;
  // Any other failure to read the file was thrown while reading the list.
  const missing = listSize === 0 && (await stat(file).catch(() => null)) === null;
  if (missing)
    throw new SubscribersError(
      `--as ${address}: there is no subscriber list at ${file}; copy subscribers/example.csv there, add readers with \`subscribers import FILE\`, or pass --subscribers subscribers/example.csv.`,
    );
  throw new UserError(
    `--as ${address} is not on the list in ${file}; without --as, preview shows the issue as a reader of every category gets it.`,
  );
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
export async function writePreview(config: Config, state: State, request: PreviewRequest): Promise<Preview> {
  const { reader } = request;
  const prepared = await prepareIssue(config, state, { week: request.week, now: request.now });
  const settings = senderSettings(config);
  const message = await renderMessage(prepared.issue, reader, settings);
  const dir = request.out ?? state.previewDir;
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
