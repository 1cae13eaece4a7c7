import { z } from 'zod';

// The shapes render/ and delivery/ share: render builds messages, delivery sends them, neither owns these.

/** What a recipient's message is rendered from, kept with the batch so a resumed batch renders byte for byte the same. */
export const Recipient = z.object({
  email: z.string(),
  name: z.string().nullable(),
  categories: z.array(z.string()),
});
export type Recipient = z.infer<typeof Recipient>;

/** Just the recipient's fields, from a richer object such as a Subscriber. */
export function recipientOf({ email, name, categories }: Recipient): Recipient {
  return { email, name, categories };
}

/**
 * The reader of every category, for previews and test copies to an address not on the list. Its placeholder
 * address can be no one's (`.invalid` is reserved), so nobody mistakes it for a reader of the list.
 */
export const EVERY_CATEGORY_READER: Recipient = { email: 'every-category-reader@preview.invalid', name: null, categories: [] };

/** A message ready to hand to Resend or the outbox. */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** Resend tags, echoed in every webhook about the message (names and values: ASCII letters, digits, `_` and `-`). */
  tags?: { name: string; value: string }[];
  /** `html` and `text` as the pieces they were joined from, when many messages share most of them (see Pieces). */
  pieces?: { html: Pieces; text: Pieces };
}

/**
 * A body as a template shared by many messages and this message's fills: the body is `template[0] + fills[0] +
 * template[2] + fills[1] + ...` (the template's odd entries are what the fills replace), so a transport can
 * serialize the shared pieces once rather than once per message.
 */
export interface Pieces {
  template: readonly string[];
  fills: readonly string[];
}

/** What the message needs besides the issue and the reader, resolved from the config. */
export interface SenderSettings {
  from: string;
  publicUrl: string;
  secret: string;
  postalAddress: string | null;
}
