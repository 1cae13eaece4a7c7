import path from 'node:path';
import { writeFileDurably } from '../files.ts';
import type { OutgoingEmail } from '../mail.ts';
import type { BatchOutcome, NarrowedBatch, Transport } from './transport.ts';

/** A file name for an address that is safe on every file system. */
export function messageFileName(address: string): string {
  return `${address.replace(/[^a-z0-9@._+-]/gi, '_')}.eml`;
}

/** The MIME message (`.eml`) of an email, openable in any mail client. */
export async function toEml(email: OutgoingEmail): Promise<Buffer> {
  // Loaded at the first message written: a dry run, whose transport this is too, writes none.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  const composer = new MailComposer({
    from: email.from,
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
    headers: email.headers,
  });
  const built = await composer.compile().build();
  // Nodemailer passes the text part's bare LFs through; RFC 5322 wants CRLF throughout. CR and LF
  // bytes never occur inside a UTF-8 sequence, so this is safe on the raw bytes.
  return Buffer.from(built.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/** The embedded default: every message becomes `<dir>/<address>.eml`. Writing the same message again replaces the file. */
export class Outbox implements Transport {
  readonly parallelism = 4;

  constructor(readonly dir: string) {}

  get description(): string {
    return `the local outbox ${this.dir}`;
  }

  async sendBatch(
    emails: readonly OutgoingEmail[],
    _idempotencyKey: string,
    options: { beforeSend?: () => Promise<NarrowedBatch | undefined> } = {},
  ): Promise<BatchOutcome> {
    const narrowed = await options.beforeSend?.();
    for (const email of narrowed ? emails.filter((e) => narrowed.to.has(e.to)) : emails) {
      await writeFileDurably(path.join(this.dir, messageFileName(email.to)), await toEml(email));
    }
    return { kind: 'sent', rejected: [] };
  }
}
