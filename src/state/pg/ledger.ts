import type { TransactionSql } from 'postgres';
import { z } from 'zod';
import { Issue } from '../../digest/schema.ts';
import { SendLockLost } from '../../errors.ts';
import { Recipient, recipientOf } from '../../mail.ts';
import { SubscriberStatus } from '../../subscribers/schema.ts';
import type { BatchState, BatchTally, LedgerBatch, LedgerSummary, PlannedBatch, StartRecord } from '../ledger.ts';
import type { LedgerStore, Readers } from '../stores.ts';
import { KEY_REMEMBERED_MS, SettingsFingerprint, type SubmitOptions, type Submission, sendLock } from '../submission.ts';
import { type Database, type Executor, isConnectionEnded } from './connect.ts';
import type { Query } from './queries.ts';

const Stopped = z.array(z.object({ email: z.string(), status: SubscriberStatus }));

const Rejected = z.array(z.object({ email: z.string(), reason: z.string() }));

/** Batches planned in one statement: a large send's plan costs a round trip per this many batches, not one each. */
const PLAN_ROWS = 100;

/**
 * One week's send in send_starts and ledger_batches: each step is committed before the call returns. Reads go through
 * the pool; every write goes through the connection holding the week's send lock (`lockConnection`), in a transaction
 * that first checks that this session still holds it: once that connection ended, nothing more is written.
 */
export class PgLedger implements LedgerStore {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
    private readonly week: string,
    readonly place: string,
    /** The connection holding a send lock by its name; none: a ledger copied in one transaction (import-state), written through `sql`. */
    private readonly lockConnection?: (name: string) => Database | null,
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
    type Row = { at: Date; sha256: string; issue: string | null; settings_fingerprint: string | null };
    const [row] = await this.sql.unsafe<Row[]>(this.query('send-start-get'), [this.week]);
    if (!row?.issue) return null;
    const settings = row.settings_fingerprint === null ? {} : { settings: SettingsFingerprint.parse(JSON.parse(row.settings_fingerprint)) };
    return { state: 'started', at: row.at, sha256: row.sha256, issue: Issue.parse(JSON.parse(row.issue)), ...settings };
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

  /**
   * The start record (first plan of a send) and the batches, in one transaction: a plan is kept whole or not at all. The
   * batches are written as they come, so a plan streamed from the list is never held whole.
   */
  async plan(batches: AsyncIterable<PlannedBatch> | Iterable<PlannedBatch>, start?: Omit<StartRecord, 'state'>): Promise<void> {
    await this.write(async (tx) => {
      if (start) {
        const settings = start.settings ? JSON.stringify(start.settings) : null;
        await tx.unsafe(this.query('send-start-record'), [this.week, start.at, start.sha256, JSON.stringify(start.issue), settings]);
      }
      let chunk: PlannedBatch[] = [];
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
      for await (const batch of batches) {
        chunk.push(batch);
        if (chunk.length === PLAN_ROWS) await flush();
      }
      await flush();
    });
  }

  async recipients(batch: number): Promise<Recipient[]> {
    const [row] = await this.sql.unsafe<{ recipients: unknown }[]>(this.query('ledger-batch-recipients'), [this.week, batch]);
    if (!row) throw new Error(`${this.place} has no batch ${batch}: a bug.`);
    return z.array(Recipient).parse(row.recipients);
  }

  /**
   * In one transaction with the batch's row locked: a batch that first went too long ago is left alone (by the
   * database's clock), and a pending one re-checked loses the readers the subscribers table no longer has as active.
   */
  submitting(batch: number, options: SubmitOptions = {}): Promise<Submission> {
    type Row = { state: BatchState; recipients: unknown; key_forgotten: boolean; stopped: unknown };
    return this.write(async (tx): Promise<Submission> => {
      const [row] = await tx.unsafe<Row[]>(this.query('ledger-batch-to-send'), [this.week, batch, KEY_REMEMBERED_MS / 1000]);
      if (row && row.state !== 'pending' && row.key_forgotten && !options.resendUnknown) return { kind: 'fate-unknown' };
      const { recheck } = options;
      const stopped = row?.state === 'pending' && recheck ? Stopped.parse(row.stopped) : [];
      let replanned: { key: string; recipients: Recipient[] } | null = null;
      if (recheck && stopped.length > 0) {
        const gone = new Set(stopped.map((s) => s.email));
        const kept = z
          .array(Recipient)
          .parse(row?.recipients)
          .filter((r) => !gone.has(r.email));
        replanned = { key: recheck.rekey(kept), recipients: kept };
      }
      const readers = replanned && JSON.stringify(replanned.recipients);
      await tx.unsafe(this.query('ledger-batch-submitting'), [this.week, batch, replanned?.key ?? null, readers]);
      // Nobody left: nothing goes, and the batch is done.
      if (replanned?.recipients.length === 0) await tx.unsafe(this.query('ledger-batch-sent'), [this.week, batch, []]);
      return { kind: 'send', stopped, replanned };
    });
  }

  async sent(batch: number, rejected: LedgerSummary['rejected'] = []): Promise<void> {
    await this.write((tx) => tx.unsafe(this.query('ledger-batch-sent'), [this.week, batch, rejected]));
  }

  async failed(batch: number, reason: string, nothingSent: boolean): Promise<void> {
    await this.write((tx) => tx.unsafe(this.query('ledger-batch-failed'), [this.week, batch, reason, nothingSent]));
  }

  /** `work` in a transaction on the send lock's connection, once it found the lock still held by that very session. */
  private async write<T>(work: (tx: TransactionSql) => Promise<T>): Promise<T> {
    if (!this.lockConnection) return (await this.sql.begin(work)) as T;
    const lock = sendLock(this.week);
    const own = this.lockConnection(lock);
    if (!own) throw new Error(`${this.place} is written only by the send holding the lock "${lock}": a bug.`);
    const lost = () =>
      new SendLockLost(
        `The send of ${this.week} lost its lock "${lock}" (its connection to the database ended), so it stopped after the requests in flight and wrote nothing more to ${this.place}; run \`send\` again to finish it: nobody gets the issue twice.`,
      );
    try {
      return (await own.begin(async (tx) => {
        const [row] = await tx.unsafe<{ held: boolean }[]>(this.query('lock-held'), [lock]);
        if (!row?.held) throw lost();
        return work(tx);
      })) as T;
    } catch (error) {
      throw isConnectionEnded(error) ? lost() : error;
    }
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
