import { Resend } from 'resend';
import { z } from 'zod';
import { ISSUE_TAG } from '../delivery/transport.ts';
import { WeekId } from '../digest/schema.ts';
import { WebhookLog, type WebhookEntry } from '../state/webhook-log.ts';
import { Address, type SubscriberEvent } from '../subscribers/schema.ts';
import type { SubscriberStore } from '../subscribers/store.ts';

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

// Verifying makes no request, but the SDK's client needs some key to exist; one client serves every delivery.
let verifier: Resend | null = null;

/**
 * The parsed event when `rawBody` carries a valid signature made with `secret` (`whsec_...`) less than five
 * minutes ago, else null. Verified by the Resend SDK.
 */
export function verifyWebhook(rawBody: string, headers: WebhookHeaders, secret: string): { event: unknown } | null {
  try {
    verifier ??= new Resend('re_unused_for_webhook_verification');
    return { event: verifier.webhooks.verify({ payload: rawBody, headers, webhookSecret: secret }) };
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

const StopEvent = z.object({
  type: z.enum(['email.bounced', 'email.complained']),
  data: z.object({ to: To, bounce: z.object({ message: z.string().optional() }).optional() }),
});

const EmailEvent = z.object({
  type: z.string().startsWith('email.'),
  data: z.object({ email_id: z.string().optional(), to: To.optional(), tags: Tags.optional() }),
});

/** What a verified Resend event means for the list: a bounce or complaint for every valid address in `data.to`; other events mean nothing. */
export function stopEventsOf(event: unknown, webhookId: string, at: Date): SubscriberEvent[] {
  const parsed = StopEvent.safeParse(event);
  if (!parsed.success) return [];
  const { type, data } = parsed.data;
  const detail = `Resend ${type} ${webhookId}${data.bounce?.message ? `: ${data.bounce.message}` : ''}`;
  return data.to.flatMap((to) => {
    const email = Address.safeParse(to);
    if (!email.success) return [];
    return [{ type: type === 'email.bounced' ? 'bounce' : 'complaint', email: email.data, at: at.toISOString(), detail } as const];
  });
}

/** The log entry of a delivery: for an email event, its type, its readers and its issue (from the `week` tag). */
export function webhookEntryOf(event: unknown, webhookId: string, at: Date): WebhookEntry {
  const entry: WebhookEntry = { id: webhookId, at: at.toISOString() };
  const parsed = EmailEvent.safeParse(event);
  if (!parsed.success) return entry;
  const { type, data } = parsed.data;
  const week = WeekId.safeParse(data.tags?.[ISSUE_TAG]);
  const to = (data.to ?? []).flatMap((t) => Address.safeParse(t).data ?? []);
  return { ...entry, type, to, week: week.success ? week.data : null, emailId: data.email_id ?? null };
}

/**
 * Records verified Resend events: bounces and complaints stop mail to the address; every email event is
 * logged with its issue and readers for `stats`. Each Svix message is acted on once, even when delivered
 * several times at the same moment.
 */
export class WebhookRecorder {
  private readonly log: WebhookLog;

  constructor(stateDir: string, private readonly subscribers: SubscriberStore) {
    this.log = new WebhookLog(stateDir);
  }

  async record(webhookId: string, event: unknown, at: Date): Promise<'recorded' | 'duplicate'> {
    if (!(await this.log.claim(webhookId))) return 'duplicate';
    try {
      const stops = stopEventsOf(event, webhookId, at);
      // The stop first: if the process dies before the log line, a redelivery records it again, which changes nothing.
      if (stops.length > 0) await this.subscribers.record(...stops);
    } catch (error) {
      this.log.release(webhookId);
      throw error;
    }
    await this.log.commit(webhookEntryOf(event, webhookId, at));
    return 'recorded';
  }
}
