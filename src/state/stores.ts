import type { Issue } from '../digest/schema.ts';
import type { UserError } from '../errors.ts';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import type { Recipient } from '../mail.ts';
import type { ListReader } from '../subscribers/live.ts';
import type { SubscriberEvents } from '../subscribers/store.ts';
import type { Vote } from '../subscribers/tokens.ts';
import type { Audience } from './audience.ts';
import type { BatchTally, LedgerBatch, LedgerSummary, PlannedBatch, StartRecord } from './ledger.ts';
import type { SubmitOptions, Submission } from './submission.ts';
import type { ScheduleRecord } from './schedule.ts';
import type { PendingSignup, Signup, SignupLine } from './signups.ts';
import type { CastOutcome, RecordedVote, VoteTally } from './votes.ts';
import type { WebhookEntry } from './webhook-log.ts';

/*
 * What the program keeps between runs, as every backend of the state provides it (files in a folder, or PostgreSQL).
 * No signature names a file or a line: a backend's sentences name its own place (`place`), and
 * state/contract.test.ts runs the same checks against each backend.
 */

/** Frozen issues: what was built is what is previewed, sent and archived. */
export interface Issues {
  /** Where the week's frozen issue is kept, for sentences. */
  placeOf(week: string): string;
  /** The frozen issue, or null when there is none; one that cannot be read or is not an issue is an error naming it. */
  read(week: string): Promise<Issue | null>;
  /** The frozen text, or null when there is none; `repair` says what to do when it cannot be read. */
  text(week: string, repair: string): Promise<string | null>;
  /** The issue frozen as `text`; `repair` says what to do when it is not one. */
  parse(week: string, text: string, repair: string): Issue;
  write(issue: Issue): Promise<void>;
  remove(week: string): Promise<void>;
  /** Changes whenever the week's issue is written; null when there is none. */
  version(week: string): Promise<string | null>;
  /** The weeks with a frozen issue, oldest first. */
  weeks(): Promise<string[]>;
  /** Every frozen issue before `week`, oldest first. */
  before(week: string): Promise<Issue[]>;
}

/**
 * One issue's send, step by step: each step is durable before the call returns. Only the send holding the week's lock
 * (sendLock) writes it; PostgreSQL refuses a write once that lock is gone (SendLockLost).
 */
export interface LedgerStore {
  readonly place: string;
  summarize(claim: (email: string) => void): Promise<LedgerSummary>;
  sentReaders(): Promise<Set<string>>;
  exists(): Promise<boolean>;
  started(): Promise<StartRecord | null>;
  startedAt(): Promise<Date | null>;
  batchStates(): Promise<BatchTally[]>;
  /** Every planned batch with its key, readers and latest step, in the order planned (a copy of the ledger reads it). */
  batches(): AsyncIterable<LedgerBatch>;
  /** Records batches before any is sent, taking them as they come, so a large plan is never held whole. */
  plan(batches: AsyncIterable<PlannedBatch> | Iterable<PlannedBatch>, start?: Omit<StartRecord, 'state'>): Promise<void>;
  /** The readers a batch was planned with. */
  recipients(batch: number): Promise<Recipient[]>;
  /** Marks a batch as going, right before its request; see SubmitOptions for what it checks first. */
  submitting(batch: number, options?: SubmitOptions): Promise<Submission>;
  sent(batch: number, rejected?: LedgerSummary['rejected']): Promise<void>;
  failed(batch: number, reason: string, nothingSent: boolean): Promise<void>;
  /** Grows with every record; 0 before the first. */
  length(): Promise<number>;
  /** When the last record was written; null before the first. */
  lastWritten(): Promise<Date | null>;
}

/** Who has each issue, for a long-running reader that asks often (the vote links). */
export interface Readers {
  has(week: string, email: string): Promise<boolean>;
}

/** Signups waiting for their confirmation email: a durable queue that every server works, each signup held by one at a time. */
export interface Signups {
  /** The signups not done with, oldest first; `log` hears of a record skipped as unreadable. */
  pending(log?: (line: string) => void): Promise<Map<string, PendingSignup>>;
  /**
   * Keeps `signup` durably, unless its address signed up less than `windowMs` before it (by the signups' own times):
   * then nothing is kept, and the answer says how many seconds until it may sign up again.
   */
  add(signup: Signup, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
  /** The oldest signup not done with that nobody holds, now held by the caller for `holdMs` by the backend's clock; null when none is free. */
  claim(holdMs: number): Promise<PendingSignup | null>;
  /** Writes a line as it is: how far a signup got, or a signup kept with no limit (a copy of another state). */
  write(line: SignupLine): Promise<void>;
  /** Lines that, written in order, queue every signup kept again, done ones too, as far as each got. */
  history(log?: (line: string) => void): AsyncIterable<SignupLine>;
}

export interface Votes {
  record(vote: Vote, at: Date): Promise<void>;
  cast(vote: Vote, at: Date): Promise<CastOutcome>;
  current(): Promise<VoteTally>;
  /** Every vote recorded, oldest first, with its time: recorded again in order, the tally and the change limit are the same. */
  history(): AsyncIterable<RecordedVote>;
}

/** Resend webhook deliveries acted on, each Svix message id once. */
export interface Webhooks {
  /**
   * Records the delivery `entry` and what it does to the list (`stops`: its bounces and complaints), unless its id
   * was recorded already ('duplicate'). A delivery of the same id being recorded at that moment is waited for: the
   * answer comes once the id is durably recorded, by one of them, or the error says it is not.
   */
  record(entry: WebhookEntry, stops: readonly SubscriberEvent[]): Promise<'recorded' | 'duplicate'>;
  entries(): AsyncIterable<WebhookEntry>;
}

/** How often a lock waited for is looked at again. */
export const LOCK_POLL_MS = 1000;

/** Waiting for a lock another process holds, instead of refusing. */
export interface LockWait {
  /** Called once, when the lock is first found held, with its holder as a sentence names it (`process 4242 on host-a`). */
  onWaiting?: (holder: string) => void;
  /** Asked between looks: true stops waiting, with an error. */
  shouldStop?: () => boolean;
}

/** Named locks, each held by one process at a time; one left by a process that is gone is taken over. */
export interface Locks {
  /** Runs `work` holding the lock; when another process holds it, refuses naming the holder, or with `wait` waits for it. */
  hold<T>(name: string, work: () => Promise<T>, what?: string, wait?: LockWait): Promise<T>;
  /** The process holding the lock, or null when none does. */
  holder(name: string): Promise<number | null>;
}

export interface Schedule {
  readonly place: string;
  read(): Promise<ScheduleRecord | null>;
  write(record: ScheduleRecord): Promise<void>;
}

/** The state, opened once by each command and by the server (state/open.ts); nothing below it knows where it lives. */
export type { ListReader };

export interface State {
  /** Where the state is, for sentences. */
  readonly place: string;
  readonly subscribers: SubscriberEvents;
  /** Where the list is, for sentences: the editor's file and the recorded changes, or the database. */
  readonly listPlace: string;
  /** A reader of the list; `allowMissingCsv` (files): a missing list file is an empty list, for commands that build it up. */
  list(options?: { allowMissingCsv?: boolean }): ListReader;
  /** Who gets `issue` from the list as it stands, worked out where the list is kept. */
  audience(issue: Issue): Promise<Audience>;
  readonly signups: Signups;
  readonly votes: Votes;
  readonly webhooks: Webhooks;
  readonly issues: Issues;
  ledger(week: string): LedgerStore;
  /** The weeks whose send started, oldest first. */
  ledgerWeeks(): Promise<string[]>;
  readonly readers: Readers;
  readonly locks: Locks;
  readonly schedule: Schedule;
  /** Local folders whatever the backend: the outbox's messages (one folder per week, and `confirmations`) and previews. */
  readonly outboxDir: string;
  readonly previewDir: string;
  /**
   * The sentence for an error that means the state cannot be used right now but may be soon (a database down or
   * restarting), or null for any other error: a server answers 503 to the one and 500 to the other.
   */
  unavailable(error: unknown): UserError | null;
  /** Lets the process end (a database's connections); the state is not used after. */
  close(): Promise<void>;
}
