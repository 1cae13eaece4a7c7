import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../../test/helpers/pg.ts';
import { migrate } from './migrate.ts';
import { openPostgres, type PostgresState } from './state.ts';

/** The send lock and the ledger written under it: what holds when the lock's connection ends, and across databases. */
describe.skipIf(!TEST_DATABASE_URL)('the PostgreSQL send lock', () => {
  const databases: TestDatabase[] = [];
  const opened: PostgresState[] = [];
  let dir: string;
  const open = async (database: TestDatabase) => {
    const state = openPostgres(database.url, dir);
    opened.push(state);
    await migrate(state.database);
    return state;
  };

  beforeAll(async () => {
    databases.push(await createTestDatabase(), await createTestDatabase());
    dir = await mkdtemp(path.join(tmpdir(), 'pg-locks-'));
  });
  afterAll(async () => {
    await Promise.all(opened.map((state) => state.close()));
    await Promise.all(databases.map((database) => database.drop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('names only a holder in its own database: another database on the same server has locks of its own', async () => {
    const [one, two] = [await open(databases[0] as TestDatabase), await open(databases[1] as TestDatabase)];
    await one.locks.hold('send-x', async () => {
      expect(await one.locks.holder('send-x')).toBe(process.pid);
      expect(await two.locks.holder('send-x')).toBeNull();
      expect(await two.locks.hold('send-x', async () => 'held too')).toBe('held too');
    });
  });
});
