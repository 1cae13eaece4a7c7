import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Issue } from '../digest/schema.ts';
import { LedgerError } from '../errors.ts';
import { appendLinesDurably, parseJsonLineStrictly, readLines } from '../files.ts';
import { Recipient, recipientOf } from '../mail.ts';
import type { StoppedReaders } from '../subscribers/stopped.ts';
import { KEY_REMEMBERED_MS, SettingsFingerprint, type SubmitOptions, type Submission } from './submission.ts';

/**
 * The first line of a send's ledger: when it started, the issue it sends with the sha256 of its frozen file, and the
 * fingerprint of the settings it renders with (absent in ledgers written before it was kept).
 */
const StartRecord = z.object({
  state: z.literal('started'),
  at: z.coerce.date(),
  sha256: z.string(),
  issue: Issue,
  settings: SettingsFingerprint.optional(),
});
export type StartRecord = z.infer<typeof StartRecord>;

export const LedgerRecord = z.discriminatedUnion('state', [
  StartRecord,
  z.object({ state: z.literal('pending'), batch: z.int(), key: z.string(), recipients: z.array(Recipient) }),
  // `at`: when the batch went (absent in older ledgers); `key` and `recipients`: the batch as it went, when readers who
  // left since it was planned were dropped from it.
  z.object({
    state: z.literal('submitting'),
    batch: z.int(),
    at: z.coerce.date().optional(),
    key: z.string().optional(),
    recipients: z.array(Recipient).optional(),
  }),
  z.object({ state: z.literal('sent'), batch: z.int(), rejected: z.array(z.object({ email: z.string(), reason: z.string() })) }),
  z.object({ state: z.literal('failed'), batch: z.int(), reason: z.string(), nothingSent: z.boolean().default(false) }),
]);
type LedgerRecord = z.infer<typeof LedgerRecord>;

export type BatchState = 'pending' | 'submitting' | 'sent' | 'failed';

/** One batch of up to 100 messages, its key, and where it stands. */
export interface Batch {
  batch: number;
  key: string;
  recipients: Recipient[];
  state: BatchState;
}

/** A planned batch as its ledger keeps it: where its latest step left it, and what that step said. */
export interface LedgerBatch extends Batch {
  /** Sent: the readers Resend refused one by one. */
  rejected: LedgerSummary['rejected'];
  /** Failed: why. */
  reason: string | null;
  /** Failed, and Resend refused it outright: none of it went. */
  nothingSent: boolean;
}

/** A batch as a send plans it. */
export type PlannedBatch = Pick<Batch, 'batch' | 'key' | 'recipients'>;

/** One batch as `status` counts it. */
export interface BatchTally {
  batch: number;
  size: number;
  state: BatchState;
  /** Readers Resend refused inside a sent batch. */
  rejected: number;
  /** A failed batch that sent nobody; the next send plans its readers again. */
  nothingSent: boolean;
}

/** What a send needs to know of an issue's earlier runs. */
export interface LedgerSummary {
  /** Batches to send again with their recorded key and readers: pending, submitting, or failed with their fate unknown. */
  unfinished: Batch[];
  /** Readers who have the issue: those of sent batches, less the ones Resend refused one by one. */
  sent: number;
  sentBatches: number;
  /** Readers Resend refused inside sent batches (an invalid address), with the reason. */
  rejected: { email: string; reason: string }[];
  /** The highest batch number ever planned; new batches are numbered after it. */
  lastBatch: number;
}

// The writer puts `state` first, so each pass can skip the other's lines unparsed; a line in another shape is read by both.
const stateOf = (line: string) => /^\{"state":"(\w+)"/.exec(line)?.[1];
const isPendingLine = (line: string) => (stateOf(line) ?? 'pending') === 'pending';
const isStepLine = (line: string) => !['pending', 'started'].includes(stateOf(line) ?? '');
const isReplanLine = (line: string) => stateOf(line) === 'submitting' && line.includes('"recipients":');

/** A submitting record that says how the batch went, when readers were dropped from its plan: it replaces the plan. */
type Replan = Extract<LedgerRecord, { state: 'submitting' }> & { key: string; recipients: Recipient[] };
export const isReplan = (record: LedgerRecord): record is Replan =>
  record.state === 'submitting' && record.key !== undefined && record.recipients !== undefined;

/**
 * The durable record of an issue's send: `<state>/ledger/<week>.jsonl`, one fsynced line per step.
 * A batch is `pending` before it is first tried and `submitting` while its fate is unknown.
 */
export class Ledger {
  readonly file: string;
  /** Every batch that has a step, with when it first went (null: before versions that record it; undefined: not yet); read once, then kept by this writer. */
  private went: Map<number, Date | null | undefined> | null = null;
  /** The readers of each batch this instance planned, so a send asks the file for none of them. */
  private readonly planned = new Map<number, Recipient[]>();

  /** `folder`: the state folder; `stopped`: the list's look at a batch's readers before it goes, when the send re-checks them. */
  constructor(
    folder: string,
    week: string,
    private readonly stopped?: StoppedReaders,
  ) {
    this.file = path.join(folder, 'ledger', `${week}.jsonl`);
  }

  get place(): string {
    return this.file;
  }

  /** The file's size: it only grows while the ledger is appended to; 0 when there is none. */
  async length(): Promise<number> {
    return (await stat(this.file).catch(() => null))?.size ?? 0;
  }

  /** When the file was last written; null when there is none. */
  async lastWritten(): Promise<Date | null> {
    return (await stat(this.file).catch(() => null))?.mtime ?? null;
  }

  /**
   * Reads the ledger as a stream, so a long one never sits in memory whole: first every batch's latest
   * state, then the planned readers, keeping only those of batches still to send. `claim` hears every
   * reader of a batch that sent or may have sent, so they are not planned again.
   */
  async summarize(claim: (email: string) => void): Promise<LedgerSummary> {
    const latest = new Map<number, Exclude<LedgerRecord, { state: 'pending' | 'started' }>>();
    const replans = new Map<number, Replan>();
    for await (const record of this.records(isStepLine)) {
      if (record.state === 'pending' || record.state === 'started') continue;
      latest.set(record.batch, record);
      if (isReplan(record)) replans.set(record.batch, record);
    }
    const summary: LedgerSummary = { unfinished: [], sent: 0, sentBatches: 0, rejected: [], lastBatch: 0 };
    for await (const record of this.records(isPendingLine)) {
      if (record.state !== 'pending') continue;
      summary.lastBatch = Math.max(summary.lastBatch, record.batch);
      const state = latest.get(record.batch);
      if (state?.state === 'failed' && state.nothingSent) continue;
      const { key, recipients } = replans.get(record.batch) ?? record;
      for (const r of recipients) claim(r.email);
      if (state?.state === 'sent') {
        summary.sentBatches++;
        summary.sent += recipients.length - state.rejected.length;
        summary.rejected.push(...state.rejected);
      } else {
        summary.unfinished.push({ batch: record.batch, key, recipients, state: state?.state ?? 'pending' });
      }
    }
    summary.unfinished.sort((a, b) => a.batch - b.batch);
    return summary;
  }

  /** The readers who have the issue: those of batches Resend accepted, less the ones it refused one by one. */
  async sentReaders(): Promise<Set<string>> {
    const sent = new Map<number, Set<string>>();
    const replans = new Map<number, Replan>();
    for await (const record of this.records((line) => stateOf(line) === 'sent' || isReplanLine(line))) {
      if (record.state === 'sent') sent.set(record.batch, new Set(record.rejected.map((r) => r.email)));
      else if (isReplan(record)) replans.set(record.batch, record);
    }
    const readers = new Set<string>();
    if (sent.size === 0) return readers;
    for await (const record of this.records(isPendingLine)) {
      if (record.state !== 'pending') continue;
      const rejected = sent.get(record.batch);
      const { recipients } = replans.get(record.batch) ?? record;
      if (rejected) for (const r of recipients) if (!rejected.has(r.email)) readers.add(r.email);
    }
    return readers;
  }

  /** Whether any batch of the issue was ever recorded; reads no further than the first record. */
  async exists(): Promise<boolean> {
    for await (const _ of this.records(() => true)) return true;
    return false;
  }

  /** The record of the send's start; null before any send, and for a ledger written before versions that record it. */
  async started(): Promise<StartRecord | null> {
    for await (const record of this.records(() => true)) return record.state === 'started' ? record : null;
    return null;
  }

  /** When the send started: as its ledger recorded, or for an older ledger when the file was created; null when unknown. */
  async startedAt(): Promise<Date | null> {
    const start = await this.started();
    if (start) return start.at;
    const born = (await stat(this.file).catch(() => null))?.birthtime;
    return born && born.getTime() > 0 ? born : null;
  }

  /** Every planned batch's size and latest state, oldest first; holds one small entry per batch, never the readers. */
  async batchStates(): Promise<BatchTally[]> {
    const tallies = new Map<number, BatchTally>();
    for await (const record of this.records((line) => stateOf(line) !== 'started')) {
      if (record.state === 'started') continue;
      if (record.state === 'pending') {
        tallies.set(record.batch, {
          batch: record.batch,
          size: record.recipients.length,
          state: 'pending',
          rejected: 0,
          nothingSent: false,
        });
        continue;
      }
      const tally = tallies.get(record.batch);
      if (!tally) continue;
      if (isReplan(record)) tally.size = record.recipients.length;
      tally.state = record.state;
      tally.rejected = record.state === 'sent' ? record.rejected.length : 0;
      tally.nothingSent = record.state === 'failed' && record.nothingSent;
    }
    return [...tallies.values()].sort((a, b) => a.batch - b.batch);
  }

  /** Every planned batch with its key, readers and latest step, in the order planned; streamed, as `summarize` reads. */
  async *batches(): AsyncGenerator<LedgerBatch> {
    const latest = new Map<number, Exclude<LedgerRecord, { state: 'pending' | 'started' }>>();
    for await (const record of this.records(isStepLine)) {
      if (record.state !== 'pending' && record.state !== 'started') latest.set(record.batch, record);
    }
    for await (const record of this.records(isPendingLine)) {
      if (record.state !== 'pending') continue;
      const step = latest.get(record.batch);
      yield {
        batch: record.batch,
        key: record.key,
        recipients: record.recipients,
        state: step?.state ?? 'pending',
        rejected: step?.state === 'sent' ? step.rejected : [],
        reason: step?.state === 'failed' ? step.reason : null,
        nothingSent: step?.state === 'failed' && step.nothingSent,
      };
    }
  }

  /**
   * Records batches before any is sent, in appends of 100 batches so a large plan is never one huge string. `start`,
   * for the first plan of a send, goes first, in the same append as the first batches.
   */
  async plan(batches: AsyncIterable<PlannedBatch> | Iterable<PlannedBatch>, start?: Omit<StartRecord, 'state'>): Promise<void> {
    let first = start ? [JSON.stringify({ state: 'started', ...start } satisfies LedgerRecord)] : [];
    let lines: string[] = [];
    for await (const { batch, key, recipients } of batches) {
      this.planned.set(batch, recipients);
      lines.push(JSON.stringify({ state: 'pending', batch, key, recipients: recipients.map(recipientOf) } satisfies LedgerRecord));
      if (lines.length === 100) {
        await appendLinesDurably(this.file, [...first, ...lines]);
        first = [];
        lines = [];
      }
    }
    if (lines.length > 0) await appendLinesDurably(this.file, [...first, ...lines]);
  }

  async recipients(batch: number): Promise<Recipient[]> {
    const held = this.planned.get(batch);
    if (held) return held;
    for await (const record of this.records(isPendingLine))
      if (record.state === 'pending' && record.batch === batch) return record.recipients;
    throw new Error(`${this.file} has no batch ${batch}: a bug.`);
  }

  /**
   * Records the batch as going, unless it first went more than KEY_REMEMBERED_MS ago (see SubmitOptions). A pending
   * batch re-checked loses the readers who left since it was planned, in the same append as its submitting record.
   */
  async submitting(batch: number, options: SubmitOptions = {}): Promise<Submission> {
    const went = await this.wentAt();
    const now = new Date();
    const first = went.get(batch);
    if (first && now.getTime() - first.getTime() > KEY_REMEMBERED_MS && !options.resendUnknown) return { kind: 'fate-unknown' };
    const { recheck } = options;
    const stopped = !went.has(batch) && recheck && this.stopped ? await this.stopped.among(recheck.recipients.map((r) => r.email)) : [];
    let replanned: { key: string; recipients: Recipient[] } | null = null;
    if (recheck && stopped.length > 0) {
      const gone = new Set(stopped.map((s) => s.email));
      const kept = recheck.recipients.filter((r) => !gone.has(r.email)).map(recipientOf);
      replanned = { key: recheck.rekey(kept), recipients: kept };
    }
    const records: LedgerRecord[] = [{ state: 'submitting', batch, at: now, ...replanned }];
    // Nobody left: nothing goes, and the batch is done.
    if (replanned?.recipients.length === 0) records.push({ state: 'sent', batch, rejected: [] });
    await this.write(records);
    went.set(batch, first === undefined ? now : first);
    return { kind: 'send', stopped, replanned };
  }

  /** The batches that have a step, with when each first went. */
  private async wentAt(): Promise<Map<number, Date | null | undefined>> {
    if (this.went) return this.went;
    const went = new Map<number, Date | null | undefined>();
    for await (const record of this.records(isStepLine)) {
      if (record.state === 'pending' || record.state === 'started') continue;
      if (went.get(record.batch) === undefined) went.set(record.batch, record.state === 'submitting' ? (record.at ?? null) : undefined);
    }
    this.went = went;
    return went;
  }

  async sent(batch: number, rejected: LedgerSummary['rejected'] = []): Promise<void> {
    await this.write([{ state: 'sent', batch, rejected }]);
  }

  async failed(batch: number, reason: string, nothingSent: boolean): Promise<void> {
    await this.write([{ state: 'failed', batch, reason, nothingSent }]);
  }

  private async write(records: LedgerRecord[]): Promise<void> {
    await appendLinesDurably(
      this.file,
      records.map((r) => JSON.stringify(r)),
    );
  }

  /**
   * The records on the lines `wanted` lets through. Only the last line may be unreadable (a crash
   * mid-append, never acknowledged; a later append marks it, see TORN_MARK); any other stops the send,
   * which could not tell who has the issue.
   */
  private async *records(wanted: (line: string) => boolean): AsyncGenerator<LedgerRecord> {
    let number = 0;
    let unreadable: number | null = null;
    for await (const { line } of readLines(this.file)) {
      number++;
      if (unreadable !== null) throw this.damaged(unreadable);
      if (!wanted(line)) continue;
      const json = parseJsonLineStrictly(line);
      if (json === undefined) continue; // blank, or torn by a crash and closed by a later append
      const parsed = 'value' in json ? LedgerRecord.safeParse(json.value) : null;
      if (parsed?.success) yield parsed.data;
      else unreadable = number;
    }
  }

  private damaged(line: number): LedgerError {
    return new LedgerError(this.file, line, 'send cannot tell who already has this issue');
  }
}
