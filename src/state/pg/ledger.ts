import { z } from 'zod';
import { Issue } from '../../digest/schema.ts';
import { Recipient, recipientOf } from '../../mail.ts';
import type { Batch, BatchTally, LedgerBatch, LedgerSummary, StartRecord } from '../ledger.ts';
import type { LedgerStore, Readers } from '../stores.ts';
import type { Executor } from './connect.ts';
import type { Query } from './queries.ts';

const Rejected = z.array(z.object({ email: z.string(), reason: z.string() }));

/** Batches planned in one statement: a large send's plan costs a round trip per this many batches, not one each. */
const PLAN_ROWS = 100;

/** One week's send in send_starts and ledger_batches: each step is committed before the call returns. */
export class PgLedger implements LedgerStore {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
    private readonly week: string,
    readonly place: string,
  ) {}

  async summarize(claim: (email: string) => void): Promise<LedgerSummary> {
    const summary: LedgerSummary = { unfinished: [], sent: 0, sentBatches: 0, rejected: [], lastBatch: 0 };
    for (const row of await this.rows()) {
      summary.lastBatch = Math.max(summary.lastBatch, row.batch);
      if (row.state === 'failed' && row.nothingSent) continue;
      for (const r of row.recipients) claim(r.email);
      if (row.state === 'sent') {
        summary.sentBatches++;
        summary.sent += row.recipients.length - row.rejected.length;
        summary.rejected.push(...row.rejected);
      } else {
        summary.unfinished.push({ batch: row.batch, key: row.key, recipients: row.recipients, state: row.state });
      }
    }
    return summary;
  }

  async sentReaders(): Promise<Set<string>> {
    const readers = new Set<string>();
    for (const row of await this.rows()) {
      if (row.state !== 'sent') continue;
      const rejected = new Set(row.rejected.map((r) => r.email));
      for (const r of row.recipients) if (!rejected.has(r.email)) readers.add(r.email);
    }
    return readers;
  }

  async exists(): Promise<boolean> {
    return (await this.length()) > 0;
  }

  async started(): Promise<StartRecord | null> {
    const [row] = await this.sql.unsafe<{ at: Date; sha256: string; issue: string | null }[]>(this.query('send-start-get'), [this.week]);
    if (!row?.issue) return null;
    return { state: 'started', at: row.at, sha256: row.sha256, issue: Issue.parse(JSON.parse(row.issue)) };
  }

  async startedAt(): Promise<Date | null> {
    return (await this.started())?.at ?? null;
  }

  async batchStates(): Promise<BatchTally[]> {
    return (await this.rows()).map((row) => ({
      batch: row.batch,
      size: row.recipients.length,
      state: row.state,
      rejected: row.state === 'sent' ? row.rejected.length : 0,
      nothingSent: row.state === 'failed' && row.nothingSent,
    }));
  }

  /** The start record (first plan of a send) and the batches, in one transaction: a plan is kept whole or not at all. */
  async plan(batches: Iterable<Pick<Batch, 'batch' | 'key' | 'recipients'>>, start?: Omit<StartRecord, 'state'>): Promise<void> {
    await this.sql.begin(async (tx) => {
      if (start) await tx.unsafe(this.query('send-start-record'), [this.week, start.at, start.sha256, JSON.stringify(start.issue)]);
      let chunk: Pick<Batch, 'batch' | 'key' | 'recipients'>[] = [];
      const flush = async () => {
        if (chunk.length === 0) return;
        await tx.unsafe(this.query('ledger-batches-add'), [
          this.week,
          chunk.map((b) => b.batch),
          chunk.map((b) => b.key),
          chunk.map((b) => JSON.stringify(b.recipients.map(recipientOf))),
        ]);
        chunk = [];
      };
      for (const batch of batches) {
        chunk.push(batch);
        if (chunk.length === PLAN_ROWS) await flush();
      }
      await flush();
    });
  }

  async submitting(batch: number): Promise<void> {
    await this.sql.unsafe(this.query('ledger-batch-submitting'), [this.week, batch]);
  }

  async sent(batch: number, rejected: LedgerSummary['rejected'] = []): Promise<void> {
    await this.sql.unsafe(this.query('ledger-batch-sent'), [this.week, batch, rejected]);
  }

  async failed(batch: number, reason: string, nothingSent: boolean): Promise<void> {
    await this.sql.unsafe(this.query('ledger-batch-failed'), [this.week, batch, reason, nothingSent]);
  }

  async length(): Promise<number> {
    return (await this.counted()).length;
  }

  async lastWritten(): Promise<Date | null> {
    return (await this.counted()).last_written;
  }

  private async counted(): Promise<{ length: number; last_written: Date | null }> {
    const [row] = await this.sql.unsafe<{ length: number; last_written: Date | null }[]>(this.query('ledger-length'), [this.week]);
    return row ?? { length: 0, last_written: null };
  }

  async *batches(): AsyncGenerator<LedgerBatch> {
    yield* await this.rows();
  }

  private async rows(): Promise<LedgerBatch[]> {
    type Row = Omit<LedgerBatch, 'nothingSent'> & { nothing_sent: boolean | null };
    const rows = await this.sql.unsafe<Row[]>(this.query('ledger-batches-of-week'), [this.week]);
    return rows.map((row) => ({
      batch: row.batch,
      key: row.key,
      recipients: z.array(Recipient).parse(row.recipients),
      state: row.state,
      rejected: Rejected.parse(row.rejected ?? []),
      reason: row.reason ?? null,
      nothingSent: row.nothing_sent ?? false,
    }));
  }
}

/** Who has each issue, asked of the database each time: every host's sends count at once. */
export class PgReaders implements Readers {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
  ) {}

  async has(week: string, email: string): Promise<boolean> {
    const [row] = await this.sql.unsafe<{ has: boolean }[]>(this.query('ledger-has-reader'), [week, email]);
    return row?.has ?? false;
  }
}
