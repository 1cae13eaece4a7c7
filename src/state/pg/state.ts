import path from 'node:path';
import type { Issue } from '../../digest/schema.ts';
import type { ImportRows } from '../../subscribers/live.ts';
import { SubscriberList } from '../../subscribers/list.ts';
import { frozenText, parseFrozen, rebuildRepair } from '../issues.ts';
import { ScheduleRecord } from '../schedule.ts';
import type { SubscriberEvent } from '../../subscribers/schema.ts';
import { type PendingSignup, Signup, SignupLine } from '../signups.ts';
import type { Issues, Schedule, Signups, State, Webhooks } from '../stores.ts';
import { WebhookEntry } from '../webhook-log.ts';
import { UserError } from '../../errors.ts';
import {
  connectDatabase,
  type Database,
  type DatabaseOptions,
  describeDatabase,
  type Executor,
  openDatabase,
  pooled,
  unavailableError,
  within,
} from './connect.ts';
import { migrate, readMigrations, schemaTooNew, schemaVersion } from './migrate.ts';
import { pgAudience } from './audience.ts';
import { PgSubscriberEvents, PgVotes } from './events.ts';
import { importRows } from './import.ts';
import { PgLedger, PgReaders } from './ledger.ts';
import { PgList } from './list.ts';
import { PgLocks } from './locks.ts';
import { loadQueries, type Query } from './queries.ts';

/** The state in PostgreSQL, with the pool it holds: `close` lets the process end. */
export interface PostgresState extends State {
  readonly database: Database;
  /** The schema version the database was at when opened. */
  readonly schemaVersion: number;
  /**
   * `work` on the stores over one transaction (`tx` runs statements of its own in it): everything written commits when
   * `work` returns, and nothing does when it throws.
   */
  transaction<T>(work: (stores: PostgresStores, tx: Executor) => Promise<T>): Promise<T>;
  /** `subscribers import`: COPY and set-based statements in one transaction (see import.ts). */
  readonly importRows: ImportRows;
  close(): Promise<void>;
}

/**
 * The state in the database at `url`, proven to answer (or one sentence why not): for `write`, its schema brought up
 * to date first; for `read`, used as it is, so looking never changes a database (one behind says what to run).
 */
export async function openDatabaseState(url: string, localDir: string, source: string, access: 'read' | 'write'): Promise<PostgresState> {
  const sql = await connectDatabase(url, { source });
  try {
    const newest = readMigrations().at(-1)?.version ?? 0;
    const version = access === 'write' ? (await migrate(sql, readMigrations(), source)).to : await schemaVersion(sql);
    if (version > newest) throw schemaTooNew(version, newest, source);
    if (version < newest) {
      throw new UserError(
        `${describeDatabase(sql)} ${version === 0 ? 'holds no digest state yet' : `has the schema of version ${version}, older than version ${newest} of this program`}; any command that writes (build, send, serve, subscribers import) brings it up to date, and this one only reads.`,
      );
    }
    return openPostgres(url, localDir, { source }, sql, version);
  } catch (error) {
    await sql.end({ timeout: 5 });
    throw error;
  }
}

let queries: Query | null = null;

/**
 * The PostgreSQL backend: every store in the database at `url` (migrated beforehand, see migrate.ts), the outbox
 * and previews in the local folder `localDir`. Opening connects nothing; the first query does.
 */
export function openPostgres(
  url: string,
  localDir: string,
  options: DatabaseOptions = {},
  sql = openDatabase(url, options),
  schemaVersion = 0,
): PostgresState {
  queries ??= loadQueries();
  const query = queries;
  const place = describeDatabase(sql);
  const locks = new PgLocks(sql, query, url, options);
  const stores = storesOver(pooled(sql), query, place);
  return {
    place,
    database: sql,
    schemaVersion,
    ...stores,
    listPlace: place,
    list: () => new PgList(sql, query, stores.subscribers, place),
    importRows: (rows, at, file) => importRows(sql, query, rows, at, file),
    audience: (issue) => pgAudience(sql, query, issue, place),
    ledger: (week: string) => new PgLedger(sql, query, week, `the send ledger of ${week} in ${place}`, (name) => locks.connection(name)),
    ledgerWeeks: async () => (await sql.unsafe<{ week: string }[]>(query('ledger-all-weeks'))).map((row) => row.week),
    readers: new PgReaders(sql, query),
    locks,
    outboxDir: path.join(localDir, 'outbox'),
    previewDir: path.join(localDir, 'preview'),
    // begin's type unwraps promises inside an array result; `work`'s results are already awaited.
    transaction: (work) =>
      sql.begin((tx) => {
        const inTx = within(tx);
        return work(storesOver(inTx, query, place), inTx);
      }) as ReturnType<typeof work>,
    unavailable: (error) => unavailableError(error, sql, options.source),
    close: () => sql.end({ timeout: 5 }),
  };
}

/** The stores that keep records, over `sql`: the pool, or one transaction. */
function storesOver(sql: Executor, query: Query, place: string) {
  const subscribers = new PgSubscriberEvents(sql, query, `the subscriber events in ${place}`);
  return {
    subscribers,
    // Within one transaction (import-state's read-back) the list is the fold of the events, which the table is too.
    list: () => ({
      current: async () => {
        const list = new SubscriberList();
        for await (const event of subscribers.events()) list.fold(event);
        return { list, problems: [] };
      },
    }),
    signups: new PgSignups(sql, query),
    votes: new PgVotes(sql, query),
    webhooks: new PgWebhooks(sql, query, subscribers),
    issues: new PgIssues(sql, query, place),
    ledger: (week: string) => new PgLedger(sql, query, week, `the send ledger of ${week} in ${place}`),
    schedule: new PgSchedule(sql, query, `the schedule in ${place}`),
  };
}
export type PostgresStores = ReturnType<typeof storesOver>;

/** Frozen issues in the table issues, kept as the exact text frozen (json, not jsonb) with its sha256. */
class PgIssues implements Issues {
  constructor(
    private readonly sql: Executor,
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
    await this.writeText(issue.week, frozenText(issue));
  }

  /** Freezes `text` as it is, byte for byte: a copy keeps the sha256 its send's ledger recorded. */
  async writeText(week: string, text: string): Promise<void> {
    await this.sql.unsafe(this.query('issue-write'), [week, text]);
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
    private readonly sql: Executor,
    private readonly query: Query,
  ) {}

  async pending(): Promise<Map<string, PendingSignup>> {
    const rows = await this.sql.unsafe<SignupRow[]>(this.query('signups-open'));
    return new Map(rows.map((row) => [row.id, pendingOf(row)]));
  }

  async *history(): AsyncGenerator<SignupLine> {
    type Row = Omit<Signup, 'type' | 'at'> & { state: string; outcome: string | null; at: Date; done_at: Date | null };
    for (const { state, outcome, done_at, ...row } of await this.sql.unsafe<Row[]>(this.query('signups-all'))) {
      yield { type: 'signup', ...row, at: row.at.toISOString() };
      if (state === 'recorded') yield { type: 'recorded', id: row.id };
      if (done_at) yield { type: 'done', id: row.id, outcome: outcome ?? '', at: done_at.toISOString() };
    }
  }

  add(signup: Signup, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const entry = Signup.parse(signup);
    const at = new Date(entry.at);
    return this.sql.begin(async (tx) => {
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

  async write(line: SignupLine): Promise<void> {
    const entry = SignupLine.parse(line);
    if (entry.type === 'signup') {
      await this.sql.unsafe(this.query('signup-add'), [entry.id, entry.email, entry.name, entry.categories, entry.at]);
    } else if (entry.type === 'recorded') {
      await this.sql.unsafe(this.query('signup-recorded'), [entry.id]);
    } else {
      await this.sql.unsafe(this.query('signup-done'), [entry.id, entry.outcome, entry.at]);
    }
  }
}

/**
 * Webhook deliveries in the table webhook_events. A delivery's row and its bounces or complaints are written in one
 * transaction: a process that dies before it commits leaves nothing, and Resend's retry is acted on; the same id in
 * another transaction not yet ended (another instance, at the same moment) waits for it on the row's key.
 */
class PgWebhooks implements Webhooks {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
    private readonly subscribers: PgSubscriberEvents,
  ) {}

  record(entry: WebhookEntry, stops: readonly SubscriberEvent[]): Promise<'recorded' | 'duplicate'> {
    const parsed = WebhookEntry.parse(entry);
    const row = [parsed.id, parsed.type ?? null, parsed.week ?? null, parsed.to?.[0] ?? null, parsed];
    return this.sql.begin(async (tx) => {
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
    private readonly sql: Executor,
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
