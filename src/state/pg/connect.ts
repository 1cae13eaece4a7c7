import { hostname } from 'node:os';
import postgres, { type ReservedSql, type Sql, type TransactionSql } from 'postgres';
import { UserError } from '../../errors.ts';
import { codeOf, LOST, TIMEOUTS } from './limits.ts';

/** A pool of connections to the state's database. */
export type Database = Sql;

/** What a store runs its statements on: the pool (`pooled`), or one transaction (`within`). */
export type Executor = Pick<Sql, 'unsafe' | 'begin'>;

/** `tx` for stores: a store's own transaction becomes a savepoint of it, so everything they write commits with `tx`. */
export function within(tx: TransactionSql): Executor {
  return { unsafe: tx.unsafe.bind(tx), begin: ((work: (sql: TransactionSql) => unknown) => tx.savepoint(work)) as Sql['begin'] };
}

/**
 * The pool `sql` for stores: a store's own transaction runs through `transaction` below, not postgres.js's `begin`,
 * on a connection that offers what stores use of one (`unsafe`), not savepoints.
 */
export function pooled(sql: Sql): Executor {
  const begin = (work: (tx: ReservedSql) => Promise<unknown>) => transaction(sql, work);
  return { unsafe: sql.unsafe.bind(sql), begin: begin as unknown as Sql['begin'] };
}

export { lostDatabaseSentence, TIMEOUTS } from './limits.ts';

/**
 * TCP keepalives on a lock's connection, in seconds: without them the server would keep the lock of a host that died
 * (power, network) for the system's default of over two hours; with them it lets go within DEAD_HOST_NOTICED_MS.
 */
const KEEPALIVE = { idle: 60, interval: 10, count: 6 };
export const DEAD_HOST_NOTICED_MS = (KEEPALIVE.idle + KEEPALIVE.interval * KEEPALIVE.count) * 1000;

export interface DatabaseOptions {
  /** Where the URL came from, named in every sentence about it: `DATABASE_URL` unless given (e.g. `--database`). */
  source?: string;
  /** Connections the pool may hold at once. */
  max?: number;
  /** One connection that is never closed for idling: a session advisory lock lives as long as it does. */
  dedicated?: boolean;
}

/** Where a database is, as a sentence names it: never the password. */
interface Place {
  host: string;
  port: string;
  database: string;
  user: string;
}

/** The database of `sql` as a sentence names it: `the PostgreSQL database "digest" at db.example.com:5432`. */
export function describeDatabase(sql: Sql): string {
  const place = placeOf(sql);
  return `the PostgreSQL database "${place.database}" at ${place.port ? `${place.host}:${place.port}` : place.host}`;
}

function placeOf(sql: Sql): Place {
  const { host, port, path, database, user } = sql.options as Sql['options'] & { path?: string | false };
  return {
    host: path || host.join(','),
    port: path ? '' : port.map(String).join(','),
    database,
    user,
  };
}

/**
 * The pool for `url`, not yet connected (the first query connects). Each connection names this process in
 * pg_stat_activity (`digest <host>:<pid>`), so an operator can tell which host holds a lock.
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  const notAUrl = new UserError(
    `${options.source ?? 'DATABASE_URL'} is not a PostgreSQL URL; write it as postgres://user:password@host:5432/database.`,
  );
  if (!/^postgres(ql)?:\/\//.test(url)) throw notAUrl;
  try {
    return postgres(url, {
      max: options.dedicated ? 1 : (options.max ?? 10),
      connect_timeout: TIMEOUTS.connectSeconds,
      // postgres.js's own backoff grows to 20 s over failed connects: a request after an outage would wait that long to try.
      backoff: (retries: number) => Math.min(0.1 * 2 ** retries, TIMEOUTS.reconnectSeconds),
      idle_timeout: options.dedicated ? 0 : TIMEOUTS.idleSeconds,
      // A pool renews its connections every half hour or so; renewing this one would let its lock go mid-send.
      ...(options.dedicated ? { max_lifetime: 0 } : {}),
      connection: {
        application_name: `digest ${hostname()}:${process.pid}`,
        statement_timeout: TIMEOUTS.statementMs,
        idle_in_transaction_session_timeout: TIMEOUTS.idleInTransactionMs,
        ...(options.dedicated
          ? { tcp_keepalives_idle: KEEPALIVE.idle, tcp_keepalives_interval: KEEPALIVE.interval, tcp_keepalives_count: KEEPALIVE.count }
          : {}),
      },
      // "relation already exists, skipping" and the like are for a DBA's log, not the operator's terminal.
      onnotice: () => {},
    });
  } catch {
    // The parser's own message would repeat the URL, password and all.
    throw notAUrl;
  }
}

/**
 * Opens the pool for `url` and proves it answers, or says in one sentence (host, port and database, never the
 * password) why it cannot be used and what to do.
 */
export async function connectDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const sql = openDatabase(url, options);
  try {
    await sql`SELECT 1`;
    return sql;
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw connectionError(error, placeOf(sql), options.source ?? 'DATABASE_URL') ?? error;
  }
}

const whereOf = (place: Place) => (place.port ? `${place.host}:${place.port}` : place.host);

const CONNECTION_ENDED = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/**
 * Whether `error` says the connection itself ended (closed by the server, an administrator or the network), not that
 * a statement failed: class 08 (connection exception) and 57P01-57P03 (terminated, shutting down) included.
 */
export function isConnectionEnded(error: unknown): boolean {
  const code = codeOf(error);
  return CONNECTION_ENDED.has(code) || /^(08|57P0[123]$|E[A-Z]+$)/.test(code);
}

/** The sentence for a failure to connect to `place`, or null when the failure is not one of connecting. */
export function connectionError(error: unknown, place: Place, source: string): UserError | null {
  const reason = whyNot(codeOf(error), place, source);
  return reason === null
    ? null
    : new UserError(`Cannot connect to the PostgreSQL database "${place.database}" at ${whereOf(place)}: ${reason}.`);
}

/**
 * Runs `work` in one transaction on a connection of the pool held for it: committed when `work` resolves, rolled
 * back when it throws. Not `sql.begin`: postgres.js 3.4.9 writes its ROLLBACK to a connection that has just closed,
 * which throws outside any promise and ends the process (porsager/postgres#1208); here nothing more is written to a
 * connection once it is lost, and the pool connects it afresh.
 */
async function transaction<T>(sql: Sql, work: (tx: ReservedSql) => Promise<T>): Promise<T> {
  const tx = await sql.reserve();
  let usable = true;
  try {
    await tx.unsafe('BEGIN');
    const result = await work(tx);
    await tx.unsafe('COMMIT');
    return result;
  } catch (error) {
    usable =
      !isConnectionEnded(error) &&
      (await tx.unsafe('ROLLBACK').then(
        () => true,
        () => false,
      ));
    throw error;
  } finally {
    // A lost connection went back to the pool's closed ones already; releasing it would hand it out as open.
    if (usable) tx.release();
  }
}

/**
 * The sentence for an error that says the database of `sql` cannot be used right now (it can't be reached, it went
 * away under a query, a statement ran out of time), or null when the error is of another kind: a later try may
 * work, so a server answers 503 and goes on.
 */
export function unavailableError(error: unknown, sql: Sql, source = 'DATABASE_URL'): UserError | null {
  const place = placeOf(sql);
  const reason = LOST[codeOf(error)];
  return (
    connectionError(error, place, source) ??
    (reason ? new UserError(`The PostgreSQL database "${place.database}" at ${whereOf(place)} cannot be used right now: ${reason}.`) : null)
  );
}

function whyNot(code: string, place: Place, source: string): string | null {
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return `nothing accepts connections there; start PostgreSQL, or correct the host and port in ${source}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host is not known; correct the host in ${source}`;
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no answer within ${TIMEOUTS.connectSeconds} seconds; check that the server is up and reachable from this host, or correct the host and port in ${source}`;
    // invalid_password; with password authentication an unknown role is refused the same way.
    case '28P01':
      return `it refused the user "${place.user}" with that password; correct the user or password in ${source}`;
    // invalid_authorization_specification: no pg_hba.conf line lets this user in from here.
    case '28000':
      return `it does not let the user "${place.user}" in from this host; allow it in pg_hba.conf, or correct the user in ${source}`;
    case '3D000':
      return `there is no such database; create it (createdb ${place.database}), or correct the database name in ${source}`;
    case '57P03':
      return 'the server is starting up or shutting down; try again in a moment';
    case '53300':
      return 'it has no connection left for this one; raise max_connections or stop idle clients, and try again';
    default:
      return null;
  }
}
