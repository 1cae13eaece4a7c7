import path from 'node:path';
import { z } from 'zod';
import { appendLinesDurably, readJsonLines } from '../files.ts';

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

const LedgerRecord = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending'), batch: z.int(), key: z.string(), recipients: z.array(Recipient) }),
  z.object({ state: z.literal('submitting'), batch: z.int() }),
  z.object({ state: z.literal('sent'), batch: z.int(), rejected: z.array(z.object({ email: z.string(), reason: z.string() })) }),
  z.object({ state: z.literal('failed'), batch: z.int(), reason: z.string(), nothingSent: z.boolean().default(false) }),
]);
type LedgerRecord = z.infer<typeof LedgerRecord>;

export type BatchState = 'pending' | 'submitting' | 'sent' | 'failed';

/** One batch of up to 100 messages and where it stands. */
export interface Batch {
  batch: number;
  key: string;
  recipients: Recipient[];
  state: BatchState;
  /** Why the batch failed, when it did. */
  reason: string | null;
  /** A failed batch that Resend refused outright: its readers are planned afresh in the next run. */
  nothingSent: boolean;
  /** Recipients Resend refused inside a sent batch (an invalid address), with its reason. */
  rejected: { email: string; reason: string }[];
}

/**
 * The durable record of an issue's send: `<state>/ledger/<week>.jsonl`, one fsynced line per step.
 * A batch is `pending` before it is first tried and `submitting` while its fate is unknown.
 */
export class Ledger {
  readonly file: string;

  constructor(stateDir: string, week: string) {
    this.file = path.join(stateDir, 'ledger', `${week}.jsonl`);
  }

  async batches(): Promise<Batch[]> {
    const batches = new Map<number, Batch>();
    for (const line of await readJsonLines(this.file)) {
      const parsed = LedgerRecord.safeParse(line);
      if (!parsed.success) continue;
      const record = parsed.data;
      if (record.state === 'pending') {
        batches.set(record.batch, { batch: record.batch, key: record.key, recipients: record.recipients, state: 'pending', reason: null, nothingSent: false, rejected: [] });
        continue;
      }
      const batch = batches.get(record.batch);
      if (!batch) continue;
      batch.state = record.state;
      batch.reason = record.state === 'failed' ? record.reason : null;
      batch.nothingSent = record.state === 'failed' && record.nothingSent;
      batch.rejected = record.state === 'sent' ? record.rejected : [];
    }
    return [...batches.values()].sort((a, b) => a.batch - b.batch);
  }

  async exists(): Promise<boolean> {
    return (await readJsonLines(this.file)).length > 0;
  }

  /** Records batches before any is sent, in appends of 100 batches so a large plan is never one huge string. */
  async plan(batches: readonly Pick<Batch, 'batch' | 'key' | 'recipients'>[]): Promise<void> {
    for (let i = 0; i < batches.length; i += 100) {
      await this.write(batches.slice(i, i + 100).map(({ batch, key, recipients }) => ({ state: 'pending', batch, key, recipients: recipients.map(recipientOf) })));
    }
  }

  async submitting(batch: number): Promise<void> {
    await this.write([{ state: 'submitting', batch }]);
  }

  async sent(batch: number, rejected: Batch['rejected'] = []): Promise<void> {
    await this.write([{ state: 'sent', batch, rejected }]);
  }

  async failed(batch: number, reason: string, nothingSent: boolean): Promise<void> {
    await this.write([{ state: 'failed', batch, reason, nothingSent }]);
  }

  private async write(records: LedgerRecord[]): Promise<void> {
    await appendLinesDurably(this.file, records.map((r) => JSON.stringify(r)));
  }
}
