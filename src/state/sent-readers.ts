import { readdirSync } from 'node:fs';
import path from 'node:path';
import { LedgerError } from '../errors.ts';
import { AppendedLines, parseJsonLineStrictly } from '../files.ts';
import { isReplan, Ledger, LedgerRecord } from './ledger.ts';

/** The weeks with a send ledger in the state folder `folder`, oldest first. */
export async function ledgerWeeks(folder: string): Promise<string[]> {
  return ledgerNames(folder)
    .filter((n) => /^\d{4}-W\d{2}\.jsonl$/.test(n))
    .map((n) => n.slice(0, -'.jsonl'.length))
    .sort();
}

// Sync: serve lists the ledgers on every home page, and a small folder read in place costs a third of the thread pool's round trip.
function ledgerNames(folder: string): string[] {
  try {
    return readdirSync(path.join(folder, 'ledger'));
  } catch {
    return [];
  }
}

/** How many weeks `SentReaders` keeps: votes come mostly from the latest issues, and each week kept holds its readers. */
const KEPT_WEEKS = 4;

/**
 * Who has each issue, as `Ledger.sentReaders` says, for a long-running reader (serve): a week's readers are kept
 * between looks, and each look reads only what its ledger gained since (a send appends while readers vote).
 */
export class SentReaders {
  private readonly weeks = new Map<string, WeekReaders>();

  /** `folder`: the state folder. */
  constructor(private readonly folder: string) {}

  /** Whether `email` has the issue of `week`, counting every batch recorded before the call. */
  async has(week: string, email: string): Promise<boolean> {
    const readers = this.weeks.get(week) ?? new WeekReaders(new Ledger(this.folder, week).file);
    this.weeks.delete(week);
    this.weeks.set(week, readers);
    const [oldest] = this.weeks.keys();
    if (this.weeks.size > KEPT_WEEKS && oldest !== undefined) this.weeks.delete(oldest);
    return (await readers.current()).has(email);
  }
}

/** One week's readers, folded from its ledger in turns: a batch's readers count once both its plan and its `sent` are read. */
class WeekReaders {
  private readonly lines: AppendedLines;
  private planned = new Map<number, string[]>();
  /** Batch → the readers Resend refused in it. */
  private sent = new Map<number, Set<string>>();
  private readers = new Set<string>();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    this.lines = new AppendedLines(file);
  }

  current(): Promise<ReadonlySet<string>> {
    const next = this.turn.then(() => this.refresh());
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async refresh(): Promise<ReadonlySet<string>> {
    const { restarted, lines } = await this.lines.next();
    if (restarted) {
      this.planned = new Map();
      this.sent = new Map();
      this.readers = new Set();
    }
    for await (const { line, number } of lines) {
      const json = parseJsonLineStrictly(line);
      if (json === undefined) continue;
      const parsed = 'value' in json ? LedgerRecord.safeParse(json.value) : null;
      if (!parsed?.success) {
        throw new LedgerError(this.lines.file, number, 'votes from this issue cannot be checked');
      }
      const record = parsed.data;
      if (record.state === 'pending' || isReplan(record)) {
        this.planned.set(
          record.batch,
          record.recipients.map((r) => r.email),
        );
      } else if (record.state === 'sent') {
        this.sent.set(record.batch, new Set(record.rejected.map((r) => r.email)));
      } else continue;
      const emails = this.planned.get(record.batch);
      const rejected = this.sent.get(record.batch);
      if (!emails || !rejected) continue;
      for (const email of emails) if (!rejected.has(email)) this.readers.add(email);
      this.planned.delete(record.batch);
    }
    return this.readers;
  }
}
