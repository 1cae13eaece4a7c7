import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { VoteCounts } from '../digest/community.ts';
import { WeekId } from '../digest/schema.ts';
import { Address } from '../subscribers/schema.ts';
import { VoteChoice, type Vote } from '../subscribers/tokens.ts';
import { Journal, readRecords } from './journal.ts';

/** One reader's vote as recorded, from the button on the vote page. */
export const RecordedVote = z.object({
  type: z.literal('vote'),
  email: Address,
  week: WeekId,
  slug: z.string().min(1),
  choice: VoteChoice,
  at: z.iso.datetime(),
});
export type RecordedVote = z.infer<typeof RecordedVote>;

const keyOf = (slug: string, email: string) => `${slug}\0${email}`;
const slugOf = (key: string) => key.slice(0, key.indexOf('\0'));

function count(choices: Iterable<[string, VoteChoice]>): Map<string, VoteCounts> {
  const counts = new Map<string, VoteCounts>();
  for (const [key, choice] of choices) {
    const slug = slugOf(key);
    const tool = counts.get(slug) ?? { ship: 0, skip: 0 };
    tool[choice]++;
    counts.set(slug, tool);
  }
  return counts;
}

/**
 * What the recorded votes say, folded in order: a reader's latest vote on a tool is the one that counts,
 * for the tool's community numbers (across every issue) and for each issue's own tally.
 */
export class VoteTally {
  private readonly latest = new Map<string, VoteChoice>();
  private readonly byIssue = new Map<string, Map<string, VoteChoice>>();

  apply(vote: Pick<RecordedVote, 'email' | 'week' | 'slug' | 'choice'>): void {
    const key = keyOf(vote.slug, vote.email);
    this.latest.delete(key);
    this.latest.set(key, vote.choice);
    let issue = this.byIssue.get(vote.week);
    if (!issue) {
      issue = new Map();
      this.byIssue.set(vote.week, issue);
    }
    issue.set(key, vote.choice);
  }

  /** Readers' votes per tool slug, each reader's latest. */
  community(): Map<string, VoteCounts> {
    return count(this.latest);
  }

  /** Votes cast from one issue's links, per tool slug, each reader's latest. */
  ofIssue(week: string): Map<string, VoteCounts> {
    return count(this.byIssue.get(week) ?? []);
  }

  /** The reader's standing vote on a tool from this issue, if any. */
  choiceOf(vote: Pick<Vote, 'email' | 'week' | 'slug'>): VoteChoice | undefined {
    return this.byIssue.get(vote.week)?.get(keyOf(vote.slug, vote.email));
  }
}

/**
 * Reader votes, `<state>/subscribers/votes.jsonl`: append-only and fsynced, never lost. A long-running
 * reader (serve) keeps the tally and reads only what was appended since.
 */
export class VoteStore {
  readonly file: string;
  private readonly journal: Journal;
  private tally = new VoteTally();
  private read = { offset: 0, lines: 0 };
  private turn: Promise<unknown> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'subscribers', 'votes.jsonl');
    this.journal = new Journal(this.file);
  }

  async record(vote: Vote, at: Date): Promise<void> {
    const recorded = RecordedVote.parse({ type: 'vote', ...vote, at: at.toISOString() });
    await this.journal.append([JSON.stringify(recorded)]);
  }

  /** The tally including every vote recorded before the call. */
  current(): Promise<VoteTally> {
    const next = this.turn.then(() => this.refresh());
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async refresh(): Promise<VoteTally> {
    const size = (await stat(this.file).catch(() => null))?.size ?? 0;
    if (size < this.read.offset) {
      this.tally = new VoteTally();
      this.read = { offset: 0, lines: 0 };
    }
    const parse = (value: unknown) => RecordedVote.safeParse(value).data ?? null;
    for await (const { record, end, line } of readRecords(this.file, parse, this.read.offset, this.read.lines)) {
      this.tally.apply(record);
      this.read = { offset: end, lines: line };
    }
    return this.tally;
  }
}
