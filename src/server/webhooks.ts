import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ISSUE_TAG } from '../delivery/transport.ts';
import { WeekId } from '../digest/schema.ts';
import type { WebhookEntry } from '../state/webhook-log.ts';
import { Address, type SubscriberEvent } from '../subscribers/schema.ts';

/** The standard-webhooks headers Resend signs with (sent as `svix-*`; `webhook-*` accepted too). */
export interface WebhookHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/** The three signature headers, or null when one is missing. */
export function webhookHeaders(header: (name: string) => string | undefined): WebhookHeaders | null {
  const pick = (name: string) => header(`svix-${name}`) ?? header(`webhook-${name}`);
  const [id, timestamp, signature] = [pick('id'), pick('timestamp'), pick('signature')];
  return id && timestamp && signature ? { id, timestamp, signature } : null;
}

const TOLERANCE_SECONDS = 5 * 60;
const keys = new Map<string, Buffer>();

/** The signing key of `secret` (`whsec_` and the key in base64), decoded once per secret. */
function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    keys.set(secret, key);
  }
  return key;
}

/**
 * The parsed event when `rawBody` carries a valid signature made with `secret` less than five minutes from now,
 * else null: exactly what the Resend SDK's `webhooks.verify` (Svix's Standard Webhooks) accepts, which
 * webhooks.test.ts holds it to. HMAC-SHA256 of `id.timestamp.body`, the timestamp read as its leading integer;
 * any of the space-separated `v1,` signatures, compared as base64 text. Computed with node:crypto, since the
 * SDK's pure-JavaScript hash costs most of a webhook's time at volume.
 */
export function verifyWebhook(rawBody: string, headers: WebhookHeaders, secret: string, now = Date.now()): { event: unknown } | null {
  const key = keyOf(secret);
  const timestamp = Number.parseInt(headers.timestamp, 10);
  const seconds = Math.floor(now / 1000);
  if (key.length === 0 || Number.isNaN(timestamp) || seconds - timestamp > TOLERANCE_SECONDS || timestamp > seconds + TOLERANCE_SECONDS)
    return null;
  const expected = Buffer.from(createHmac('sha256', key).update(`${headers.id}.${timestamp}.${rawBody}`).digest('base64'));
  const matches = headers.signature.split(' ').some((versioned) => {
    const [version, signature = ''] = versioned.split(',');
    const given = Buffer.from(signature);
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return null;
  if (rawBody === '') return { event: undefined };
  try {
    return { event: JSON.parse(rawBody) as unknown };
  } catch {
    return null;
  }
}

const To = z.union([z.array(z.string()), z.string()]).transform((to) => (Array.isArray(to) ? to : [to]));

/** Webhooks carry the message's tags as an object; the send API takes them as a list of name and value. */
const Tags = z.union([
  z.record(z.string(), z.string()),
  z.array(z.object({ name: z.string(), value: z.string() })).transform((tags) => Object.fromEntries(tags.map((t) => [t.name, t.value]))),
]);

/**
 * A verified Resend event as the program reads it: its type, and the message id, readers, tags and bounce reason
 * that email events carry. Other fields of `data` are dropped unread, so nothing walks a nesting of any depth.
 */
export const ResendEvent = z.object({
  type: z.string().min(1),
  data: z.object({
    email_id: z.string().optional(),
    to: To.optional(),
    tags: Tags.optional(),
    bounce: z.object({ message: z.string().optional() }).optional(),
  }),
});
export type ResendEvent = z.infer<typeof ResendEvent>;

/** What a verified Resend event means for the list: a bounce or complaint for every valid address in `data.to`; other events mean nothing. */
export function stopEventsOf(event: ResendEvent, webhookId: string, at: Date): SubscriberEvent[] {
  const { type, data } = event;
  if (type !== 'email.bounced' && type !== 'email.complained') return [];
  const detail = `Resend ${type} ${webhookId}${data.bounce?.message ? `: ${data.bounce.message}` : ''}`;
  return (data.to ?? []).flatMap((to) => {
    const email = Address.safeParse(to);
    if (!email.success) return [];
    return [{ type: type === 'email.bounced' ? 'bounce' : 'complaint', email: email.data, at: at.toISOString(), detail } as const];
  });
}

/** The log entry of a delivery: for an email event, its type, its readers and its issue (from the `week` tag). */
export function webhookEntryOf(event: ResendEvent, webhookId: string, at: Date): WebhookEntry {
  const { type, data } = event;
  if (!type.startsWith('email.')) return { id: webhookId, at: at.toISOString() };
  const week = WeekId.safeParse(data.tags?.[ISSUE_TAG]);
  const to = (data.to ?? []).flatMap((t) => Address.safeParse(t).data ?? []);
  // Written out whole: spread from the short entry, the object took four times as long to make, a cost paid per event.
  return { id: webhookId, at: at.toISOString(), type, to, week: week.success ? week.data : null, emailId: data.email_id ?? null };
}
