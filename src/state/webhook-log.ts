import path from 'node:path';
import { z } from 'zod';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import type { SubscriberEvents } from '../subscribers/store.ts';
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
  private readonly inFlight = new Map<string, Promise<void>>();

  /** `folder`: the state folder; `subscribers`: where a delivery's bounces and complaints are recorded. */
  constructor(
    folder: string,
    private readonly subscribers: SubscriberEvents,
  ) {
    this.file = webhookLogFile(folder);
    this.journal = new Journal(this.file);
  }

  /** Every entry of the log, oldest first, as it streams in. */
  async *entries(): AsyncGenerator<WebhookEntry> {
    for await (const { record } of readRecords(this.file, parse)) yield record;
  }

  private ids(): Promise<Set<string>> {
    if (this.seen) return this.seen;
    const seen = (async () => {
      const ids = new Set<string>();
      for await (const { record } of readRecords(this.file, parse)) ids.add(record.id);
      return ids;
    })();
    // A log that could not be read is tried again on the next delivery, not remembered as broken.
    seen.catch(() => {
      if (this.seen === seen) this.seen = null;
    });
    this.seen = seen;
    return seen;
  }

  /** Lets go of the log's file once the appends under way are on disk. */
  close(): Promise<void> {
    return this.journal.close();
  }

  async record(entry: WebhookEntry, stops: readonly SubscriberEvent[]): Promise<'recorded' | 'duplicate'> {
    for (;;) {
      if ((await this.ids()).has(entry.id)) return 'duplicate';
      const first = this.inFlight.get(entry.id);
      if (!first) break;
      // The same delivery at the same moment: answered once the first is recorded, or acted on here if the first failed.
      await first.catch(() => undefined);
    }
    // No await between the checks above and this claim, so concurrent deliveries of one id cannot both pass.
    const recording = this.act(entry, stops);
    this.inFlight.set(entry.id, recording);
    try {
      await recording;
      return 'recorded';
    } finally {
      this.inFlight.delete(entry.id);
    }
  }

  private async act(entry: WebhookEntry, stops: readonly SubscriberEvent[]): Promise<void> {
    // The stop first: if the process dies before the log line, a redelivery records it again, which changes nothing.
    if (stops.length > 0) await this.subscribers.record(...stops);
    // Not parsed again: the entry's type is its schema, and the route builds it from an event already parsed.
    await this.journal.append([JSON.stringify(entry)]);
    (await this.ids()).add(entry.id);
  }
}
