import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../../test/helpers/pg.ts';
import { connectDatabase, type Database } from './connect.ts';
import { MIGRATION_LOCK, migrate, readMigrations, schemaVersion } from './migrate.ts';

const TABLES = [
  'issues',
  'ledger_batches',
  'schedule',
  'schema_version',
  'send_starts',
  'signups',
  'subscriber_events',
  'subscribers',
  'vote_history',
  'votes',
  'webhook_events',
];

describe('readMigrations', () => {
  it('numbers the shipped migrations 1, 2, ... in order', () => {
    const migrations = readMigrations();
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
    expect(migrations[0]?.name).toBe('001_initial.sql');
  });
});

describe.skipIf(!TEST_DATABASE_URL)('migrate against PostgreSQL', () => {
  let database: TestDatabase;
  let sql: Database;
  const newest = readMigrations().length;
  const versions = readMigrations().map((migration) => migration.version);

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());
  beforeEach(async () => {
    sql = await connectDatabase(database.url);
    // Each test starts from an empty database: the role owns the database, so it owns its public schema.
    await sql.unsafe('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });
  afterEach(() => sql.end());

  const tables = async () =>
    (await sql<{ name: string }[]>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`).map(
      (row) => row.name,
    );

  it('applies every migration to an empty database and records its version', async () => {
    expect(await schemaVersion(sql)).toBe(0);
    expect(await migrate(sql)).toEqual({ from: 0, to: newest, applied: versions });
    expect(await schemaVersion(sql)).toBe(newest);
    expect(await tables()).toEqual(TABLES);
  });

  it('does nothing when run again', async () => {
    await migrate(sql);
    const recorded = await sql`SELECT version, applied_at FROM schema_version ORDER BY version`;
    expect(await migrate(sql)).toEqual({ from: newest, to: newest, applied: [] });
    expect(await sql`SELECT version, applied_at FROM schema_version ORDER BY version`).toEqual(recorded);
  });

  it('applies each migration once when two programs start at once', async () => {
    const [first, second] = [await connectDatabase(database.url), await connectDatabase(database.url)];
    try {
      // Holding the migrations' lock makes both runners reach it and wait there, so they truly race for it.
      const holder = await sql.reserve();
      await holder`SELECT pg_advisory_lock(hashtextextended(${MIGRATION_LOCK}, 0))`;
      const runs = Promise.all([migrate(first), migrate(second)]);
      let settled = false;
      const done = runs.finally(() => {
        settled = true;
      });
      // Runners that never wait (no lock) finish on their own, and what they did is checked below.
      await waitFor(async () => {
        if (settled) return true;
        const [row] = await sql<{ waiting: number }[]>`
          SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
        return row?.waiting === 2;
      });
      await holder`SELECT pg_advisory_unlock(hashtextextended(${MIGRATION_LOCK}, 0))`;
      holder.release();
      const results = await done;
      // The two may take turns, one migration each: what counts is that each was applied by one of them, once.
      expect(results.flatMap((result) => result.applied).sort()).toEqual(versions);
      expect(results.map((result) => result.to)).toEqual([newest, newest]);
      expect(await sql`SELECT version FROM schema_version ORDER BY version`).toEqual(versions.map((version) => ({ version })));
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  it('rolls back a migration that fails, keeping the version before it', async () => {
    const migrations = [
      { version: 1, name: '001_first.sql', sql: 'CREATE TABLE first (id int)' },
      { version: 2, name: '002_broken.sql', sql: 'CREATE TABLE second (id int); SELECT no_such_column FROM first' },
    ];
    await expect(migrate(sql, migrations)).rejects.toThrow('no_such_column');
    expect(await schemaVersion(sql)).toBe(1);
    expect(await tables()).toEqual(['first', 'schema_version']);
  });

  it('refuses a database whose schema is newer than the program, naming both versions', async () => {
    await migrate(sql);
    await sql`INSERT INTO schema_version (version, name) VALUES (${newest + 1}, 'from a newer program')`;
    await expect(migrate(sql)).rejects.toThrow(
      `The database's schema is at version ${newest + 1}, newer than version ${newest} that this program knows; run the newer program that migrated it, or point DATABASE_URL at another database.`,
    );
  });
});

/** Checks `ready` until it holds: the test's backstop timeout ends a wait that never would. */
async function waitFor(ready: () => Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((resolve) => setTimeout(resolve, 10));
}
