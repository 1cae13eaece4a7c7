/**
 * The PostgreSQL tests' server: TEST_DATABASE_URL names a role that may CREATE DATABASE (.ci/run makes one). Each
 * test file works in a database of its own, created here and dropped after, so files running at once never meet.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing whatever connections to it are left. */
  drop(): Promise<void>;
}

/** `url` pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const changed = new URL(url);
  changed.pathname = `/${database}`;
  return changed.toString();
}

/** A new, empty database `digest_test_<random>` on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set: skip the PostgreSQL tests without it (describe.skipIf).');
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  const name = `digest_test_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabase(TEST_DATABASE_URL, name),
    drop: async () => {
      // Not WITH (FORCE): it refuses to end an autovacuum worker (a process of no role), which a plain DROP ends
      // itself; so only this role's own connections left open are ended first.
      await admin`SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = ${name} AND usename = current_user`;
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}
