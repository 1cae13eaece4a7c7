import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { VoteCounts } from '../digest/community.ts';
import { WeekId } from '../digest/schema.ts';
import { VotesError } from '../errors.ts';
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

/** How often a reader's vote on one tool of one issue may change: at most `changes` times in any `windowMs`. */
export const VOTE_CHANGES = { changes: 3, windowMs: 24 * 60 * 60 * 1000 };

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
  /** Per issue and reader's vote that ever changed: the times (ms) of its latest changes, as many as the limit looks at. */
  private readonly changes = new Map<string, number[]>();

  apply(vote: Pick<RecordedVote, 'email' | 'week' | 'slug' | 'choice' | 'at'>): void {
    const key = keyOf(vote.slug, vote.email);
    this.latest.delete(key);
    this.latest.set(key, vote.choice);
    let issue = this.byIssue.get(vote.week);
    if (!issue) {
      issue = new Map();
      this.byIssue.set(vote.week, issue);
    }
    const before = issue.get(key);
    if (before !== undefined && before !== vote.choice) {
      const changed = `${vote.week}\0${key}`;
      this.changes.set(changed, [...(this.changes.get(changed) ?? []), Date.parse(vote.at)].slice(-VOTE_CHANGES.changes));
    }
    issue.set(key, vote.choice);
  }

  /** When (ms since the epoch) the reader's vote on this tool of this issue may next change; 0 when it may now. */
  nextChange(vote: Pick<Vote, 'email' | 'week' | 'slug'>): number {
    const times = this.changes.get(`${vote.week}\0${keyOf(vote.slug, vote.email)}`) ?? [];
    const [oldest] = times;
    return times.length < VOTE_CHANGES.changes || oldest === undefined ? 0 : oldest + VOTE_CHANGES.windowMs;
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

/** What became of a vote: recorded, already the standing one, or refused as one change too many, with the seconds until one is allowed. */
export type CastOutcome = { kind: 'recorded' | 'unchanged' } | { kind: 'too-often'; standing: VoteChoice; retryAfterSeconds: number };

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
  /** The cast under way per reader, tool and issue, so a burst of one reader's votes is judged one after another. */
  private readonly casting = new Map<string, Promise<unknown>>();

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.file = path.join(folder, 'subscribers', 'votes.jsonl');
    this.journal = new Journal(this.file);
  }

  /** Lets go of the votes file once the appends under way are on disk. */
  close(): Promise<void> {
    return this.journal.close();
  }

  async record(vote: Vote, at: Date): Promise<void> {
    const recorded = RecordedVote.parse({ type: 'vote', ...vote, at: at.toISOString() });
    await this.journal.append([JSON.stringify(recorded)]);
  }

  /**
   * Records the vote unless it is already the reader's standing vote, or would change it more often than
   * `VOTE_CHANGES` allows. The limit is read from the recorded votes, so it holds across restarts.
   */
  cast(vote: Vote, at: Date): Promise<CastOutcome> {
    const key = JSON.stringify([vote.week, vote.slug, vote.email]);
    const cast = (this.casting.get(key) ?? Promise.resolve()).then(() => this.castNow(vote, at));
    const settled = cast.catch(() => undefined);
    this.casting.set(key, settled);
    void settled.then(() => {
      if (this.casting.get(key) === settled) this.casting.delete(key);
    });
    return cast;
  }

  private async castNow(vote: Vote, at: Date): Promise<CastOutcome> {
    const tally = await this.current();
    const standing = tally.choiceOf(vote);
    if (standing === vote.choice) return { kind: 'unchanged' };
    const next = tally.nextChange(vote);
    if (standing !== undefined && next > at.getTime()) {
      return { kind: 'too-often', standing, retryAfterSeconds: Math.ceil((next - at.getTime()) / 1000) };
    }
    await this.record(vote, at);
    return { kind: 'recorded' };
  }

  /** The tally including every vote recorded before the call. */
  current(): Promise<VoteTally> {
    const next = this.turn.then(() => this.refresh());
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** Every vote recorded, oldest first, with its time. */
  async *history(): AsyncGenerator<RecordedVote> {
    for await (const { record } of this.records()) yield record;
  }

  private async refresh(): Promise<VoteTally> {
    const size = (await stat(this.file).catch(() => null))?.size ?? 0;
    if (size < this.read.offset) {
      this.tally = new VoteTally();
      this.read = { offset: 0, lines: 0 };
    }
    for await (const { record, end, line } of this.records(this.read.offset, this.read.lines)) {
      this.tally.apply(record);
      this.read = { offset: end, lines: line };
    }
    return this.tally;
  }

  private records(from = 0, linesBefore = 0) {
    const parse = (value: unknown) => RecordedVote.safeParse(value).data ?? null;
    return readRecords(this.file, parse, from, linesBefore, (line) => new VotesError(this.file, line));
  }
}
