import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../../test/helpers/pg.ts';
import { SendLockLost } from '../../errors.ts';
import { sendLock } from '../submission.ts';
import { migrate } from './migrate.ts';
import { openPostgres, type PostgresState } from './state.ts';

const WEEK = '2026-W47';
const reader = (n: number) => ({ email: `r${n}@example.com`, name: null, categories: [] });

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

  it('refuses every ledger write once the lock connection ended, also on the connection opened again, and any write outside the lock', async () => {
    const state = await open(databases[0] as TestDatabase);
    const ledger = state.ledger(WEEK);
    await expect(ledger.plan([{ batch: 1, key: 'k1', recipients: [reader(1)] }])).rejects.toThrow(
      `${ledger.place} is written only by the send holding the lock "${sendLock(WEEK)}": a bug.`,
    );
    await state.locks.hold(sendLock(WEEK), async () => {
      await ledger.plan([1, 2].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch)] })));
      const [lock] = await state.database<{ pid: number }[]>`
        SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(${sendLock(WEEK)}, 0)`;
      await state.database`SELECT pg_terminate_backend(${lock?.pid ?? 0}, 10000)`;
      await expect(ledger.submitting(1)).rejects.toThrow(SendLockLost);
      await expect(ledger.sent(2)).rejects.toThrow(`The send of ${WEEK} lost its lock "${sendLock(WEEK)}"`);
    });
    expect((await ledger.batchStates()).map((b) => b.state)).toEqual(['pending', 'pending']);
  });
});
