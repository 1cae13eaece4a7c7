import { createHash } from 'node:crypto';
import { comparisonsFor } from '../digest/issue.ts';
import type { Issue } from '../digest/schema.ts';
import type { SenderSettings } from '../render/message.ts';
import { DigestRenderer } from '../render/variants.ts';
import type { RowProblem } from '../subscribers/csv.ts';
import type { Subscriber } from '../subscribers/schema.ts';
import { Ledger, recipientOf, type Batch, type Recipient } from './ledger.ts';
import { MAX_BATCH, type OutgoingEmail, type Transport } from './transport.ts';

export type SkipReason = 'unsubscribed' | 'bounced' | 'complained' | 'pending' | 'no matching categories' | 'invalid address';

/** Who gets the issue and who doesn't, with why. */
export interface Audience {
  recipients: Recipient[];
  skipped: Map<SkipReason, number>;
}

/** Splits the list into readers of this issue and the skipped, by reason; recipients are sorted by address. */
export function audienceOf(issue: Issue, list: Iterable<Subscriber>, problems: readonly RowProblem[]): Audience {
  const skipped = new Map<SkipReason, number>();
  const skip = (reason: SkipReason) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  problems.forEach(() => skip('invalid address'));
  const recipients: Recipient[] = [];
  for (const s of list) {
    if (s.status !== 'active') skip(s.status);
    else if (comparisonsFor(issue, s.categories).length === 0) skip('no matching categories');
    else recipients.push(s);
  }
  recipients.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  return { recipients, skipped };
}

// An issue is hashed once per send, not once per batch.
const issueDigests = new WeakMap<Issue, string>();

/** The key Resend deduplicates a batch by: the same issue and the same readers always give the same key. */
export function batchKey(issue: Issue, batch: number, recipients: readonly Recipient[]): string {
  let digest = issueDigests.get(issue);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(issue)).digest('hex');
    issueDigests.set(issue, digest);
  }
  const hash = createHash('sha256').update(digest).update(`\0${batch}\0`).update(JSON.stringify(recipients.map(recipientOf))).digest('hex');
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
  transport: Transport;
  stateDir: string;
  dryRun?: boolean;
  /** Checked between batches: true stops the run after the batch in flight. */
  shouldStop?: () => boolean;
  /** Called once before the first batch goes, with the number of messages this run will try. */
  onStart?: (total: number) => void;
  onBatch?: (done: { batch: number; recipients: number; outcome: 'sent' | 'failed' }) => void;
}

/** Renders a batch's messages from what the ledger recorded, so a resubmitted batch carries the same bytes. */
async function renderBatch(renderer: DigestRenderer, batch: Batch): Promise<OutgoingEmail[]> {
  const messages = await Promise.all(batch.recipients.map((r) => renderer.render(r)));
  return messages.filter((m): m is OutgoingEmail => m !== null);
}

function add(map: Map<string, number>, key: string, n: number): void {
  if (n > 0) map.set(key, (map.get(key) ?? 0) + n);
}

/**
 * Sends the issue to everyone in the audience not already in the ledger, exactly once.
 * New readers are planned into batches of up to 100 before anything is sent; batches that never
 * finished (pending, submitting, failed) are sent again with their recorded key and readers.
 */
export async function sendIssue(options: SendOptions): Promise<SendReport> {
  const { issue, audience, settings, transport, stateDir } = options;
  const ledger = new Ledger(stateDir, issue.week);
  // A batch Resend refused outright sent nobody: its readers are planned again from the current list.
  const recorded = await ledger.batches();
  const existing = recorded.filter((b) => !(b.state === 'failed' && b.nothingSent));
  const claimed = new Set(existing.flatMap((b) => b.recipients.map((r) => r.email)));
  const fresh = audience.recipients.filter((r) => !claimed.has(r.email));
  let next = recorded.reduce((max, b) => Math.max(max, b.batch), 0) + 1;
  const planned: Batch[] = [];
  for (let i = 0; i < fresh.length; i += MAX_BATCH) {
    const recipients = fresh.slice(i, i + MAX_BATCH);
    planned.push({ batch: next, key: batchKey(issue, next, recipients), recipients, state: 'pending', reason: null, nothingSent: false, rejected: [] });
    next++;
  }
  const todo = [...existing.filter((b) => b.state !== 'sent'), ...planned];
  const report: SendReport = {
    sent: existing.filter((b) => b.state === 'sent').reduce((n, b) => n + b.recipients.length - b.rejected.length, 0),
    sentThisRun: 0,
    failed: new Map(),
    notSent: 0,
    skipped: audience.skipped,
    alreadyComplete: todo.length === 0 && existing.length > 0,
    stoppedEarly: null,
    planned: { batches: todo.length, recipients: todo.reduce((n, b) => n + b.recipients.length, 0) },
  };
  for (const b of existing.filter((b) => b.state === 'sent')) for (const r of b.rejected) add(report.failed, r.reason, 1);
  if (options.dryRun) return report;

  await ledger.plan(planned);
  options.onStart?.(report.planned.recipients);
  const renderer = new DigestRenderer(issue, settings);
  let nextIndex = 0;
  const sendOne = async (batch: Batch): Promise<boolean> => {
    await transport.ready();
    // A stop asked while this batch waited for its turn leaves it unsent, as if never started.
    if (options.shouldStop?.()) return false;
    // Rendered only once its turn has come, so batches waiting on the rate limit hold no messages.
    const emails = await renderBatch(renderer, batch);
    await ledger.submitting(batch.batch);
    const outcome = await transport.sendBatch(emails, batch.key, { afterReady: true });
    if (outcome.kind === 'sent') {
      const rejected = outcome.rejected.map((r) => ({ email: emails[r.index]?.to ?? '', reason: r.reason }));
      await ledger.sent(batch.batch, rejected);
      report.sent += batch.recipients.length - rejected.length;
      report.sentThisRun += batch.recipients.length - rejected.length;
      rejected.forEach((r) => add(report.failed, r.reason, 1));
    } else {
      await ledger.failed(batch.batch, outcome.reason, outcome.nothingSent);
      add(report.failed, outcome.reason, batch.recipients.length);
      if (outcome.stopRun) report.stoppedEarly ??= outcome.reason;
    }
    options.onBatch?.({ batch: batch.batch, recipients: batch.recipients.length, outcome: outcome.kind });
    return true;
  };
  const unsentBatches: Batch[] = [];
  const worker = async (): Promise<void> => {
    while (nextIndex < todo.length && report.stoppedEarly === null) {
      const batch = todo[nextIndex++]!;
      if (options.shouldStop?.() || !(await sendOne(batch))) {
        report.stoppedEarly ??= 'interrupted';
        unsentBatches.push(batch);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(transport.parallelism, todo.length)) }, worker));
  unsentBatches.push(...todo.slice(nextIndex));
  report.notSent = unsentBatches.reduce((n, b) => n + b.recipients.length, 0);
  return report;
}
