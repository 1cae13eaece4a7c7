import path from 'node:path';
import { Resend } from 'resend';
import { z } from 'zod';
import { AppendedLines, appendLinesDurably, parseJsonLine } from '../files.ts';
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

/**
 * The parsed event when `rawBody` carries a valid signature made with `secret` (`whsec_...`) less than five minutes ago,
 * else null. Verified by the Resend SDK, whose client needs some key to exist although verifying makes no request.
 */
export function verifyWebhook(rawBody: string, headers: WebhookHeaders, secret: string): { event: unknown } | null {
  try {
    return { event: new Resend('re_unused_for_webhook_verification').webhooks.verify({ payload: rawBody, headers, webhookSecret: secret }) };
  } catch {
    return null;
  }
}

const StopEvent = z.object({
  type: z.enum(['email.bounced', 'email.complained']),
  data: z.object({
    to: z.union([z.array(z.string()), z.string()]).transform((to) => (Array.isArray(to) ? to : [to])),
    bounce: z.object({ message: z.string().optional() }).optional(),
  }),
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

/**
 * Webhook deliveries already acted on, `<state>/webhooks/resend.jsonl`, so a redelivered event (same id) is
 * recorded once. The ids seen are kept, and each check reads only what was appended since.
 */
export class WebhookLog {
  readonly file: string;
  private readonly seen = new Set<string>();
  private readonly log: AppendedLines;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'webhooks', 'resend.jsonl');
    this.log = new AppendedLines(this.file);
  }

  async has(id: string): Promise<boolean> {
    const { restarted, lines } = await this.log.next();
    if (restarted) this.seen.clear();
    for await (const { line } of lines) {
      const entry = parseJsonLine(line) as { id?: unknown } | undefined;
      if (typeof entry?.id === 'string') this.seen.add(entry.id);
    }
    return this.seen.has(id);
  }

  async add(id: string, at: Date): Promise<void> {
    await appendLinesDurably(this.file, [JSON.stringify({ id, at: at.toISOString() })]);
  }
}
