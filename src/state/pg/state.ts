import path from 'node:path';
import type { Issue } from '../../digest/schema.ts';
import type { ImportRows } from '../../subscribers/live.ts';
import { SubscriberList } from '../../subscribers/list.ts';
import { frozenText, parseFrozen, rebuildRepair } from '../issues.ts';
import { ScheduleRecord } from '../schedule.ts';
import { type PendingSignup, type Signup, SignupLine } from '../signups.ts';
import type { Issues, Schedule, Signups, State, Webhooks } from '../stores.ts';
import { WebhookEntry } from '../webhook-log.ts';
import { UserError } from '../../errors.ts';
import { connectDatabase, type Database, type DatabaseOptions, describeDatabase, type Executor, openDatabase, within } from './connect.ts';
import { migrate, readMigrations, schemaTooNew, schemaVersion } from './migrate.ts';
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
  // Half the pool at most: what a claimed delivery does before its commit (a bounce's event) needs connections too.
  const locks = new PgLocks(sql, query, url, options);
  const stores = storesOver(sql, query, place, Math.max(1, Math.floor((options.max ?? 10) / 2)));
  return {
    place,
    database: sql,
    schemaVersion,
    ...stores,
    listPlace: place,
    list: () => new PgList(sql, query, stores.subscribers, place),
    importRows: (rows, at, file) => importRows(sql, query, rows, at, file),
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
        return work(storesOver(inTx, query, place, 1), inTx);
      }) as ReturnType<typeof work>,
    close: async () => {
      stores.webhooks.releaseAll();
      await sql.end({ timeout: 5 });
    },
  };
}

/** The stores that keep records, over `sql`: the pool, or one transaction. */
function storesOver(sql: Executor, query: Query, place: string, claimsAtOnce: number) {
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
    webhooks: new PgWebhooks(sql, query, claimsAtOnce),
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

/** The signup queue in the table signups: a signup row's state says how far it got. */
class PgSignups implements Signups {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
  ) {}

  async pending(): Promise<Map<string, PendingSignup>> {
    type Row = Omit<PendingSignup, 'type' | 'at' | 'recorded'> & { state: string; at: Date };
    const rows = await this.sql.unsafe<Row[]>(this.query('signups-open'));
    return new Map(
      rows.map(({ state, at, ...row }) => [row.id, { type: 'signup', ...row, at: at.toISOString(), recorded: state === 'recorded' }]),
    );
  }

  async *history(): AsyncGenerator<SignupLine> {
    type Row = Omit<Signup, 'type' | 'at'> & { state: string; outcome: string | null; at: Date; done_at: Date | null };
    for (const { state, outcome, done_at, ...row } of await this.sql.unsafe<Row[]>(this.query('signups-all'))) {
      yield { type: 'signup', ...row, at: row.at.toISOString() };
      if (state === 'recorded') yield { type: 'recorded', id: row.id };
      if (done_at) yield { type: 'done', id: row.id, outcome: outcome ?? '', at: done_at.toISOString() };
    }
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

/** An open claim: the transaction that holds the id's lock until the delivery is committed or released. */
interface Claim {
  finish(entry: WebhookEntry | null): void;
  transaction: Promise<unknown>;
}

/**
 * Webhook deliveries in the table webhook_events. A claim is a transaction holding a lock on the Svix id: a delivery
 * of it elsewhere at the same moment is refused at once, and the row is written in that transaction by `commit`, so
 * a process that dies before committing leaves the id unclaimed and Resend's retry is acted on.
 */
class PgWebhooks implements Webhooks {
  private readonly claims = new Map<string, Claim>();
  /** Claim transactions open now, and the claims waiting for one to end. */
  private open = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
    private readonly claimsAtOnce: number,
  ) {}

  async claim(id: string): Promise<boolean> {
    if (this.claims.has(id)) return false;
    let decide!: (claimed: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (decide = resolve));
    let finish!: (entry: WebhookEntry | null) => void;
    const finished = new Promise<WebhookEntry | null>((resolve) => (finish = resolve));
    const transaction = this.slot().then((free) =>
      this.sql
        .begin(async (tx) => {
          const [lock] = await tx.unsafe<{ claimed: boolean }[]>(this.query('webhook-claim'), [id]);
          const [row] = lock?.claimed ? await tx.unsafe<{ seen: boolean }[]>(this.query('webhook-seen'), [id]) : [];
          decide(row?.seen === false);
          if (row?.seen !== false) return;
          const entry = await finished;
          if (entry) await this.insert(tx, entry);
        })
        .finally(free),
    );
    transaction.catch(() => undefined);
    this.claims.set(id, { finish, transaction });
    try {
      const claimed = await Promise.race([decided, transaction.then(() => false)]);
      if (!claimed) this.claims.delete(id);
      return claimed;
    } catch (error) {
      this.claims.delete(id);
      throw error;
    }
  }

  async commit(entry: WebhookEntry): Promise<void> {
    const claim = this.claims.get(entry.id);
    if (!claim) return void (await this.insert(this.sql, entry));
    this.claims.delete(entry.id);
    claim.finish(entry);
    await claim.transaction;
  }

  release(id: string): void {
    this.claims.get(id)?.finish(null);
    this.claims.delete(id);
  }

  /** A turn to hold a claim transaction open; the function it gives ends the turn. */
  private async slot(): Promise<() => void> {
    if (this.open < this.claimsAtOnce) this.open++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.open--;
    };
  }

  /** Ends every claim not committed, so the pool can close. */
  releaseAll(): void {
    for (const id of [...this.claims.keys()]) this.release(id);
  }

  async *entries(): AsyncGenerator<WebhookEntry> {
    const rows = await this.sql.unsafe<{ body: unknown }[]>(this.query('webhook-entries'));
    for (const row of rows) yield WebhookEntry.parse(row.body);
  }

  private async insert(sql: Pick<Executor, 'unsafe'>, entry: WebhookEntry): Promise<void> {
    const parsed = WebhookEntry.parse(entry);
    await sql.unsafe(this.query('webhook-commit'), [parsed.id, parsed.type ?? null, parsed.week ?? null, parsed.to?.[0] ?? null, parsed]);
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
