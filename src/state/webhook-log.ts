import path from 'node:path';
import { z } from 'zod';
import { Journal, readRecords } from './journal.ts';

/**
 * One Resend webhook delivery acted on: its Svix message id and, for email events, what happened
 * (`email.opened` ...), to whom, and which issue the message was (its `week` tag). Lines written before
 * these were kept hold only the id.
 */
export const WebhookEntry = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string().optional(),
  to: z.array(z.string()).optional(),
  week: z.string().nullable().optional(),
  emailId: z.string().nullable().optional(),
});
export type WebhookEntry = z.infer<typeof WebhookEntry>;

const parse = (value: unknown) => WebhookEntry.safeParse(value).data ?? null;

/** The log's file in the state folder `folder`. */
export function webhookLogFile(folder: string): string {
  return path.join(folder, 'webhooks', 'resend.jsonl');
}

/**
 * Webhook deliveries already acted on, `<state>/webhooks/resend.jsonl`, so an event delivered again (the same
 * Svix id), even at the same moment, is recorded once. The ids are read once and then kept in memory: one
 * server process writes the log.
 */
export class WebhookLog {
  readonly file: string;
  private readonly journal: Journal;
  private seen: Promise<Set<string>> | null = null;
  private readonly inFlight = new Set<string>();

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.file = webhookLogFile(folder);
    this.journal = new Journal(this.file);
  }

  /** Every entry of the log, oldest first, as it streams in. */
  async *entries(): AsyncGenerator<WebhookEntry> {
    for await (const { record } of readRecords(this.file, parse)) yield record;
  }

  private ids(): Promise<Set<string>> {
    this.seen ??= (async () => {
      const ids = new Set<string>();
      for await (const { record } of readRecords(this.file, parse)) ids.add(record.id);
      return ids;
    })();
    // A log that could not be read is tried again on the next delivery, not remembered as broken.
    this.seen.catch(() => (this.seen = null));
    return this.seen;
  }

  /**
   * Claims `id` for this delivery: false when it was recorded already or another delivery of it is being
   * recorded right now. A claim ends with `commit` or `release`.
   */
  async claim(id: string): Promise<boolean> {
    const seen = await this.ids();
    // No await between the check and the claim, so concurrent deliveries of one id cannot both pass.
    if (seen.has(id) || this.inFlight.has(id)) return false;
    this.inFlight.add(id);
    return true;
  }

  /** Writes the entry durably and ends its claim. */
  async commit(entry: WebhookEntry): Promise<void> {
    try {
      await this.journal.append([JSON.stringify(entry)]);
      (await this.ids()).add(entry.id);
    } finally {
      this.inFlight.delete(entry.id);
    }
  }

  /** Ends a claim without recording, so a retry of the delivery is acted on. */
  release(id: string): void {
    this.inFlight.delete(id);
  }
}
