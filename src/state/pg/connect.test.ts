import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../errors.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase, withDatabase } from '../../../test/helpers/pg.ts';
import { connectDatabase, DEAD_HOST_NOTICED_MS, lostDatabaseSentence, openDatabase, TIMEOUTS, unavailableError } from './connect.ts';

const PASSWORD = 'a-password-never-printed-1234';

/** What connecting to `url` fails with; the test fails if it connects. */
async function refusal(url: string): Promise<UserError> {
  const error = await connectDatabase(url).then(
    async (sql) => {
      await sql.end();
      throw new Error(`connected to ${url}`);
    },
    (error: unknown) => error,
  );
  if (!(error instanceof UserError)) throw error;
  // One sentence: one line, one full stop at its end, and never the password.
  expect(error.message).toMatch(/^[^\n]+\.$/);
  expect(error.message).not.toContain(PASSWORD);
  return error;
}

/** A port on this host that nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connectDatabase', () => {
  it('says in one sentence that nothing listens at the host and port', async () => {
    const port = await closedPort();
    const error = await refusal(`postgres://digest:${PASSWORD}@127.0.0.1:${port}/digest`);
    expect(error.message).toBe(
      `Cannot connect to the PostgreSQL database "digest" at 127.0.0.1:${port}: nothing accepts connections there; start PostgreSQL, or correct the host and port in DATABASE_URL.`,
    );
  });

  it('refuses a URL that is not PostgreSQL without repeating it', () => {
    for (const url of [`mysql://digest:${PASSWORD}@localhost/digest`, `postgres://digest:${PASSWORD}@[bad/digest`]) {
      expect(() => openDatabase(url, { source: '--database' })).toThrow(
        new UserError('--database is not a PostgreSQL URL; write it as postgres://user:password@host:5432/database.'),
      );
    }
  });
});

describe('a database away', () => {
  const sql = openDatabase(`postgres://digest:${PASSWORD}@db.example.com:5432/digest`, { source: '--database' });
  const failure = (code: string) => Object.assign(new Error(code), { code });

  it('is waited for a few seconds at most, and tried again within a second however often it failed', () => {
    const options = sql.options as typeof sql.options & { connect_timeout: number; backoff: (retries: number) => number };
    expect(options.connect_timeout).toBeLessThanOrEqual(5);
    expect(options.backoff(1)).toBeLessThan(options.backoff(3));
    expect(options.backoff(20)).toBe(TIMEOUTS.reconnectSeconds);
  });

  it('is said in one sentence, whether it cannot be reached, went away under a query or did not answer in time', () => {
    const where = 'the PostgreSQL database "digest" at db.example.com:5432';
    expect(unavailableError(failure('ECONNREFUSED'), sql, '--database')?.message).toBe(
      `Cannot connect to ${where}: nothing accepts connections there; start PostgreSQL, or correct the host and port in --database.`,
    );
    expect(unavailableError(failure('ECONNRESET'), sql)?.message).toBe(
      `The PostgreSQL database "digest" at db.example.com:5432 cannot be used right now: the connection to the database was reset.`,
    );
    expect(unavailableError(failure('57P01'), sql)?.message).toBe(
      `The PostgreSQL database "digest" at db.example.com:5432 cannot be used right now: the database server was shut down.`,
    );
    expect(unavailableError(failure('57014'), sql)?.message).toMatch(/cannot be used right now: a statement ran longer than 60 seconds/);
  });

  it('is not what any other error is: a query the database refuses is a bug to show', () => {
    for (const error of [failure('42601'), failure('23505'), new Error('no code')]) expect(unavailableError(error, sql)).toBeNull();
  });
});

describe.skipIf(!TEST_DATABASE_URL)('connectDatabase against PostgreSQL', () => {
  let database: TestDatabase;
  let server: URL;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = new URL(database.url);
  });
  afterAll(() => database?.drop());

  it('opens a pool that names this process and bounds its statements', async () => {
    const sql = await connectDatabase(database.url);
    try {
      const [row] = await sql`SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS timeout`;
      expect(row).toEqual({ name: `digest ${hostname()}:${process.pid}`, timeout: '1min' });
    } finally {
      await sql.end();
    }
  });

  it("a lock's connection has the server probe it, so a host that died lets its lock go within DEAD_HOST_NOTICED_MS", async () => {
    const sql = openDatabase(database.url, { dedicated: true });
    try {
      const [row] = await sql`SELECT current_setting('tcp_keepalives_idle')::int AS idle,
        current_setting('tcp_keepalives_interval')::int AS every, current_setting('tcp_keepalives_count')::int AS count`;
      expect(row).toEqual({ idle: 60, every: 10, count: 6 });
      expect(DEAD_HOST_NOTICED_MS).toBe(((row?.idle ?? 0) + (row?.every ?? 0) * (row?.count ?? 0)) * 1000);
    } finally {
      await sql.end();
    }
  });

  it('says the password or user is wrong, naming the user but not the password', async () => {
    const wrong = new URL(database.url);
    wrong.password = PASSWORD;
    const error = await refusal(wrong.toString());
    expect(error.message).toBe(
      `Cannot connect to the PostgreSQL database "${database.name}" at ${server.hostname}:${server.port || 5432}: it refused the user "${decodeURIComponent(wrong.username)}" with that password; correct the user or password in DATABASE_URL.`,
    );
  });

  it('says the database does not exist and how to create it', async () => {
    const error = await refusal(withDatabase(database.url, `${database.name}_missing`));
    expect(error.message).toBe(
      `Cannot connect to the PostgreSQL database "${database.name}_missing" at ${server.hostname}:${server.port || 5432}: there is no such database; create it (createdb ${database.name}_missing), or correct the database name in DATABASE_URL.`,
    );
  });
});

describe('a database lost mid-command', () => {
  it('is one sentence saying what stands and what to do; any other failure is not one', () => {
    const lost = (code: string) => lostDatabaseSentence(Object.assign(new Error('terminating connection'), { code }));
    expect(lost('57P01')).toBe(
      'The command stopped: the database server was shut down; what it finished is recorded, and running it again once the database answers does the rest.',
    );
    expect(lost('CONNECTION_CLOSED')).toContain('the connection to the database closed');
    expect(lost('23505')).toBeNull();
    expect(lostDatabaseSentence(new Error('a bug'))).toBeNull();
  });
});
