import { createHash } from 'node:crypto';
import type { Issue } from '../digest/schema.ts';
import { SendLockLost, UserError } from '../errors.ts';
import { DigestRenderer } from '../render/variants.ts';
import { frozenDigest, frozenText } from '../state/issues.ts';
import { recipientOf, type OutgoingEmail, type Recipient, type SenderSettings } from '../mail.ts';
import type { Audience, SkipReason } from '../state/audience.ts';
import type { SettingsFingerprint } from '../state/submission.ts';
import type { LedgerStore } from '../state/stores.ts';
import { ByteBudget } from './in-flight.ts';
import { ISSUE_TAG, MAX_BATCH, type BatchOutcome, type Transport } from './transport.ts';
import { at } from '../invariant.ts';

// An issue is hashed once per send, not once per batch.
const issueDigests = new WeakMap<Issue, string>();

/** The key Resend deduplicates a batch by: the same issue and the same readers always give the same key. */
export function batchKey(issue: Issue, batch: number, recipients: readonly Recipient[]): string {
  let digest = issueDigests.get(issue);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(issue)).digest('hex');
    issueDigests.set(issue, digest);
  }
  const hash = createHash('sha256')
    .update(digest)
    .update(`\0${batch}\0`)
    .update(JSON.stringify(recipients.map(recipientOf)))
    .digest('hex');
  return `digest-${issue.week}-${hash.slice(0, 40)}`;
}

export interface SendReport {
  /** Readers who have the issue, in this run and earlier ones. */
  sent: number;
  sentThisRun: number;
  /** Readers in batches that failed, and readers Resend refused, by reason. */
  failed: Map<string, number>;
  /** Readers whose batches this run never started, because it stopped early. */
  notSent: number;
  /** Readers of batches that first went more than 23 hours ago with their fate unknown, left alone (see `resendUnknown`). */
  fateUnknown: number;
  skipped: Map<SkipReason, number>;
  /** Nothing was left to send: the issue had gone to everyone already. */
  alreadyComplete: boolean;
  /** The run stopped early (signal, or an error that stops every batch). */
  stoppedEarly: string | null;
  /** The dry run's plan: batches and readers that would be sent. */
  planned: { batches: number; recipients: number };
}

export interface SendOptions {
  issue: Issue;
  audience: Audience;
  settings: SenderSettings;
  /** The settings' fingerprint, kept in the start record so a resume can tell it renders alike (fingerprint.ts). */
  fingerprint?: SettingsFingerprint;
  transport: Transport;
  ledger: LedgerStore;
  /** When the send starts, for its ledger. */
  now: Date;
  dryRun?: boolean;
  /** Checked between batches: true stops the run after the batch in flight. */
  shouldStop?: () => boolean;
  /** Send batches whose fate is unknown and that first went so long ago Resend may have forgotten their key: some readers may get the issue twice. */
  resendUnknown?: boolean;
  /** Called once before the first batch goes, with the number of messages this run will try. */
  onStart?: (total: number) => void;
  onBatch?: (done: { batch: number; recipients: number; outcome: 'sent' | 'failed' }) => void;
}

/** A batch to send: a planned one's readers are asked of the ledger only when it goes, so a large plan holds none of them. */
interface Job {
  batch: number;
  key: string;
  size: number;
  recipients: () => Promise<Recipient[]>;
}

function add(map: Map<string, number>, key: string, n: number): void {
  if (n > 0) map.set(key, (map.get(key) ?? 0) + n);
}

/** The audience's readers not `claimed` in the ledger, in address order, in batches of up to 100 numbered from `first`. */
async function* freshBatches(
  audience: Audience,
  claimed: ReadonlySet<string>,
  first: number,
): AsyncGenerator<{ batch: number; recipients: Recipient[] }> {
  let batch = first;
  let chunk: Recipient[] = [];
  // A first run has claimed nobody, and asking a Set about an address V8 has not hashed yet reads it all again.
  const anyClaimed = claimed.size > 0;
  for await (const page of audience.readers()) {
    for (const reader of page) {
      if (anyClaimed && claimed.has(reader.email)) continue;
      chunk.push(reader);
      if (chunk.length === MAX_BATCH) {
        yield { batch: batch++, recipients: chunk };
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield { batch, recipients: chunk };
}

/** Thrown from `beforeSend` to give a batch's turn back: a stop was asked, its fate is unknown, or nobody is left in it. */
class Withdrawn extends Error {}
class FateUnknown extends Error {}
class NobodyLeft extends Error {}

/**
 * Sends the issue to everyone in the audience not already in the ledger, exactly once.
 * New readers are planned into batches of up to 100 before anything is sent; batches that never
 * finished (pending, submitting, or failed with their fate unknown) are sent again with their recorded
 * key and readers. A batch Resend refused outright sent nobody: its readers are planned again from the
 * current list.
 */
export async function sendIssue(options: SendOptions): Promise<SendReport> {
  const { issue, audience, settings, transport, ledger } = options;
  const claimed = new Set<string>();
  const earlier = await ledger.summarize((email) => claimed.add(email));
  const todo: Job[] = earlier.unfinished.map((b) => ({
    batch: b.batch,
    key: b.key,
    size: b.recipients.length,
    recipients: async () => b.recipients,
  }));
  const fresh = { batches: 0, recipients: 0 };
  // Planned as the audience's pages come: each new batch's readers are keyed and recorded, then let go until it goes.
  async function* newBatches() {
    for await (const { batch, recipients } of freshBatches(audience, claimed, earlier.lastBatch + 1)) {
      fresh.batches++;
      fresh.recipients += recipients.length;
      if (options.dryRun) continue;
      const key = batchKey(issue, batch, recipients);
      todo.push({ batch, key, size: recipients.length, recipients: () => ledger.recipients(batch) });
      yield { batch, key, recipients };
    }
  }
  if (options.dryRun) {
    for await (const _ of newBatches());
  } else {
    // The first plan records the issue as sent, so a later run can tell if its frozen file changed, and put it back if it went.
    const start =
      earlier.lastBatch === 0
        ? { at: options.now, sha256: frozenDigest(frozenText(issue)), issue, settings: options.fingerprint }
        : undefined;
    await ledger.plan(newBatches(), start);
  }
  claimed.clear();
  const report: SendReport = {
    sent: earlier.sent,
    sentThisRun: 0,
    failed: new Map(),
    notSent: 0,
    fateUnknown: 0,
    skipped: audience.skipped,
    alreadyComplete: earlier.unfinished.length === 0 && fresh.batches === 0 && earlier.sentBatches > 0,
    stoppedEarly: null,
    planned: {
      batches: earlier.unfinished.length + fresh.batches,
      recipients: earlier.unfinished.reduce((n, b) => n + b.recipients.length, 0) + fresh.recipients,
    },
  };
  for (const r of earlier.rejected) add(report.failed, r.reason, 1);
  if (options.dryRun) return report;

  options.onStart?.(report.planned.recipients);
  const renderer = new DigestRenderer(issue, settings);
  let nextIndex = 0;
  // A lost lock stops the run: the requests in flight end, and nothing more is written or sent.
  let lockLost: SendLockLost | null = null;
  const stopAtLostLock = (error: unknown): false => {
    if (!(error instanceof SendLockLost)) throw error;
    lockLost ??= error;
    report.stoppedEarly ??= 'the send lost its lock';
    return false;
  };
  // Tagged with the issue, so Resend's webhooks about each message say which issue it was.
  const renderBatch = async (recipients: readonly Recipient[]): Promise<OutgoingEmail[]> =>
    (await Promise.all(recipients.map((r) => renderer.renderWithPieces(r))))
      .filter((m): m is OutgoingEmail => m !== null)
      .map((m) => ({ ...m, tags: [{ name: ISSUE_TAG, value: issue.week }] }));
  // Batches rendered and not yet on their way, at most two: sixteen waiting outlived the young generation, and the
  // megabyte of messages each holds piled up in the old one until a full collection (heaps of 150 MB at 20,000 readers).
  const rendered = new ByteBudget(2);
  const sendOne = async (job: Job): Promise<boolean> => {
    const recipients = await job.recipients();
    let to: string[] = [];
    let size = job.size;
    let outcome: BatchOutcome;
    await rendered.acquire(1);
    let waiting = true;
    const going = () => {
      if (waiting) rendered.release(1);
      waiting = false;
    };
    try {
      // Rendered before its turn, so the time from the turn to the wire is only the ledger's write: the pace holds on a
      // loaded machine. Handed over in a callback that keeps only the addresses: the transport lets the messages go.
      outcome = await renderBatch(recipients).then((emails) => {
        to = emails.map((e) => e.to);
        return transport.sendBatch(emails, job.key, {
          beforeSend: async () => {
            going();
            // A stop asked (or a run stopped) while this batch waited for its turn leaves it unsent, as if never started.
            if (options.shouldStop?.() || report.stoppedEarly !== null) throw new Withdrawn();
            const submission = await ledger.submitting(job.batch, {
              recheck: { recipients, rekey: (kept) => batchKey(issue, job.batch, kept) },
              resendUnknown: options.resendUnknown,
            });
            if (submission.kind === 'fate-unknown') throw new FateUnknown();
            for (const { status } of submission.stopped) add(report.skipped, status, 1);
            if (!submission.replanned) return undefined;
            const kept = new Set(submission.replanned.recipients.map((r) => r.email));
            size = kept.size;
            if (size === 0) throw new NobodyLeft();
            to = to.filter((address) => kept.has(address));
            return { to: kept, idempotencyKey: submission.replanned.key };
          },
        });
      });
    } catch (error) {
      if (error instanceof Withdrawn) return false;
      if (error instanceof FateUnknown) report.fateUnknown += job.size;
      if (error instanceof FateUnknown || error instanceof NobodyLeft) return true;
      return stopAtLostLock(error);
    } finally {
      going();
    }
    if (outcome.kind === 'sent') {
      const rejected = outcome.rejected.map((r) => ({ email: to[r.index] ?? '', reason: r.reason }));
      await ledger.sent(job.batch, rejected).catch(stopAtLostLock);
      report.sent += size - rejected.length;
      report.sentThisRun += size - rejected.length;
      for (const r of rejected) add(report.failed, r.reason, 1);
    } else {
      await ledger.failed(job.batch, outcome.reason, outcome.nothingSent).catch(stopAtLostLock);
      add(report.failed, outcome.reason, size);
      if (outcome.stopRun) report.stoppedEarly ??= outcome.reason;
      if (outcome.unreachable) unreachable ??= outcome.reason;
    }
    options.onBatch?.({ batch: job.batch, recipients: size, outcome: outcome.kind });
    return true;
  };
  let unreachable: string | null = null;
  const unsent: Job[] = [];
  const worker = async (): Promise<void> => {
    while (nextIndex < todo.length && report.stoppedEarly === null) {
      const job = at(todo, nextIndex++);
      if (options.shouldStop?.() || !(await sendOne(job))) {
        report.stoppedEarly ??= 'interrupted';
        unsent.push(job);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(transport.parallelism, todo.length)) }, worker));
  unsent.push(...todo.slice(nextIndex));
  report.notSent = unsent.reduce((n, job) => n + job.size, 0);
  if (lockLost !== null) throw lockLost;
  if (unreachable !== null) {
    // Every batch that may have gone is recorded for a resume with its key, so the next run sends each reader once.
    throw new UserError(
      `${unreachable}; ${report.sentThisRun} readers got the issue in this run, and \`send\` run again once it is reachable sends the rest, nobody twice.`,
    );
  }
  return report;
}
