import path from 'node:path';
import type { Issue } from '../../digest/schema.ts';
import { LiveSubscribers } from '../../subscribers/live.ts';
import { frozenText, parseFrozen, rebuildRepair } from '../issues.ts';
import { ScheduleRecord } from '../schedule.ts';
import type { SubscriberEvent } from '../../subscribers/schema.ts';
import { type PendingSignup, Signup, SignupProgress } from '../signups.ts';
import type { Issues, Schedule, Signups, State, Webhooks } from '../stores.ts';
import { WebhookEntry } from '../webhook-log.ts';
import { type Database, type DatabaseOptions, describeDatabase, openDatabase, transaction, unavailableError } from './connect.ts';
import { PgSubscriberEvents, PgVotes } from './events.ts';
import { PgLedger, PgReaders } from './ledger.ts';
import { PgLocks } from './locks.ts';
import { loadQueries, type Query } from './queries.ts';

/** The state in PostgreSQL, with the pool it holds: `close` lets the process end. */
export interface PostgresState extends State {
  readonly database: Database;
  close(): Promise<void>;
}

let queries: Query | null = null;

/**
 * The PostgreSQL backend: every store in the database at `url` (migrated beforehand, see migrate.ts), the outbox
 * and previews in the local folder `localDir`. Opening connects nothing; the first query does.
 */
export function openPostgres(url: string, localDir: string, options: DatabaseOptions = {}): PostgresState {
  const sql = openDatabase(url, options);
  queries ??= loadQueries();
  const query = queries;
  const place = describeDatabase(sql);
  const subscribers = new PgSubscriberEvents(sql, query, `the subscriber events in ${place}`);
  return {
    place,
    database: sql,
    subscribers,
    listPlace: place,
    list: () => new LiveSubscribers(null, subscribers),
    signups: new PgSignups(sql, query),
    votes: new PgVotes(sql, query),
    webhooks: new PgWebhooks(sql, query, subscribers),
    issues: new PgIssues(sql, query, place),
    ledger: (week) => new PgLedger(sql, query, week, `the send ledger of ${week} in ${place}`),
    ledgerWeeks: async () => (await sql.unsafe<{ week: string }[]>(query('ledger-all-weeks'))).map((row) => row.week),
    readers: new PgReaders(sql, query),
    locks: new PgLocks(sql, query, url, options),
    schedule: new PgSchedule(sql, query, `the schedule in ${place}`),
    outboxDir: path.join(localDir, 'outbox'),
    previewDir: path.join(localDir, 'preview'),
    unavailable: (error) => unavailableError(error, sql, options.source),
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Frozen issues in the table issues, kept as the exact text frozen (json, not jsonb) with its sha256. */
class PgIssues implements Issues {
  constructor(
    private readonly sql: Database,
    private readonly query: Query,
    private readonly place: string,
  ) {}

  placeOf(week: string): string {
    return `the frozen issue of ${week} in ${this.place}`;
  }

  async read(week: string): Promise<Issue | null> {
    const repair = rebuildRepair(week);
    const text = await this.text(week, repair);
    return text === null ? null : this.parse(week, text, repair);
  }

  async text(week: string, _repair: string): Promise<string | null> {
    const [row] = await this.sql.unsafe<{ text: string }[]>(this.query('issue-get'), [week]);
    return row?.text ?? null;
  }

  parse(week: string, text: string, repair: string): Issue {
    return parseFrozen(this.placeOf(week), text, repair);
  }

  async write(issue: Issue): Promise<void> {
    await this.sql.unsafe(this.query('issue-write'), [issue.week, frozenText(issue)]);
  }

  async remove(week: string): Promise<void> {
    await this.sql.unsafe(this.query('issue-remove'), [week]);
  }

  async version(week: string): Promise<string | null> {
    const [row] = await this.sql.unsafe<{ version: string }[]>(this.query('issue-version'), [week]);
    return row?.version ?? null;
  }

  async weeks(): Promise<string[]> {
    return (await this.sql.unsafe<{ week: string }[]>(this.query('issue-weeks'))).map((row) => row.week);
  }

  async before(week: string): Promise<Issue[]> {
    const issues = await Promise.all((await this.weeks()).filter((w) => w < week).map((w) => this.read(w)));
    return issues.filter((i): i is Issue => i !== null);
  }
}

type SignupRow = Omit<PendingSignup, 'type' | 'at' | 'recorded'> & { state: string; at: Date };
const pendingOf = ({ state, at, ...row }: SignupRow): PendingSignup => ({
  type: 'signup',
  ...row,
  at: at.toISOString(),
  recorded: state === 'recorded',
});

/** The signup queue in the table signups: a signup row's state says how far it got, held_until who works on it. */
class PgSignups implements Signups {
  constructor(
    private readonly sql: Database,
    private readonly query: Query,
  ) {}

  async pending(): Promise<Map<string, PendingSignup>> {
    const rows = await this.sql.unsafe<SignupRow[]>(this.query('signups-open'));
    return new Map(rows.map((row) => [row.id, pendingOf(row)]));
  }

  add(signup: Signup, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const entry = Signup.parse(signup);
    const at = new Date(entry.at);
    return transaction(this.sql, async (tx) => {
      await tx.unsafe(this.query('signup-serialize'), [entry.email]);
      const [latest] = await tx.unsafe<{ at: Date | null }[]>(this.query('signup-latest'), [
        entry.email,
        new Date(at.getTime() - windowMs),
      ]);
      if (latest?.at)
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((latest.at.getTime() + windowMs - at.getTime()) / 1000)) };
      await tx.unsafe(this.query('signup-add'), [entry.id, entry.email, entry.name, entry.categories, at]);
      return { ok: true } as const;
    });
  }

  async claim(holdMs: number): Promise<PendingSignup | null> {
    const [row] = await this.sql.unsafe<SignupRow[]>(this.query('signup-claim'), [holdMs]);
    return row ? pendingOf(row) : null;
  }

  async write(progress: SignupProgress): Promise<void> {
    const line = SignupProgress.parse(progress);
    if (line.type === 'recorded') await this.sql.unsafe(this.query('signup-recorded'), [line.id]);
    else await this.sql.unsafe(this.query('signup-done'), [line.id, line.outcome, line.at]);
  }
}

/**
 * Webhook deliveries in the table webhook_events. A delivery's row and its bounces or complaints are written in one
 * transaction: a process that dies before it commits leaves nothing, and Resend's retry is acted on; the same id in
 * another transaction not yet ended (another instance, at the same moment) waits for it on the row's key.
 */
class PgWebhooks implements Webhooks {
  constructor(
    private readonly sql: Database,
    private readonly query: Query,
    private readonly subscribers: PgSubscriberEvents,
  ) {}

  record(entry: WebhookEntry, stops: readonly SubscriberEvent[]): Promise<'recorded' | 'duplicate'> {
    const parsed = WebhookEntry.parse(entry);
    const row = [parsed.id, parsed.type ?? null, parsed.week ?? null, parsed.to?.[0] ?? null, parsed];
    return transaction(this.sql, async (tx) => {
      const inserted = await tx.unsafe(this.query('webhook-commit'), row);
      if (inserted.length === 0) return 'duplicate' as const;
      if (stops.length > 0) await this.subscribers.recordIn(tx, stops);
      return 'recorded' as const;
    });
  }

  async *entries(): AsyncGenerator<WebhookEntry> {
    const rows = await this.sql.unsafe<{ body: unknown }[]>(this.query('webhook-entries'));
    for (const row of rows) yield WebhookEntry.parse(row.body);
  }
}

/** The scheduler's mark, the one row of the table schedule. */
class PgSchedule implements Schedule {
  constructor(
    private readonly sql: Database,
    private readonly query: Query,
    readonly place: string,
  ) {}

  async read(): Promise<ScheduleRecord | null> {
    const [row] = await this.sql.unsafe<{ handled_until: Date }[]>(this.query('schedule-get'));
    return row ? ScheduleRecord.parse({ handledUntil: row.handled_until }) : null;
  }

  async write(record: ScheduleRecord): Promise<void> {
    await this.sql.unsafe(this.query('schedule-handled'), [record.handledUntil]);
  }
}
