/**
 * The commands with their state in PostgreSQL (DATABASE_URL or --database): connecting, migrating for commands that
 * write only, the list in the database, a send into the local outbox, and the sentences when the database can't serve.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fixture, runCli, tempDir } from './helpers/cli.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './helpers/pg.ts';

const WEEK = '2026-W46';

describe.skipIf(!TEST_DATABASE_URL)('the commands on PostgreSQL', () => {
  let database: TestDatabase;
  let dir: string;
  let state: string;
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli([...args, '--data', fixture('mixed'), '--state', state], { env: { DATABASE_URL: database.url, ...env } });

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = tempDir();
    state = path.join(dir, 'state');
  });
  afterAll(async () => {
    await database.drop();
    cleanup();
  });

  it('a command that only reads never creates the schema: status on an empty database says what to run', async () => {
    const status = await run(['status']);
    expect(status.stderr).toBe(
      `the PostgreSQL database "${database.name}" at ${new URL(database.url).host} holds no digest state yet; any command that writes (build, send, serve, subscribers import) brings it up to date, and this one only reads.\n`,
    );
    expect(status.status).toBe(1);
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const [row] = await sql`SELECT to_regclass('schema_version') IS NULL AS absent`;
    await sql.end();
    expect(row?.absent).toBe(true);
  });

  it('keeps the list, the frozen issue and the ledger in the database; the state folder gets only the outbox', async () => {
    const file = path.join(dir, 'export.csv');
    writeFileSync(file, 'email,name,categories\nana@example.com,Ana,\nbo@example.com,Bo,Design\n');
    expect(await run(['subscribers', 'import', file])).toMatchObject({ status: 0 });
    expect((await run(['subscribers', 'unsubscribe', 'bo@example.com'])).status).toBe(0);
    const list = await run(['subscribers', 'list']);
    expect(list.stdout).toBe('email,name,categories,status\nana@example.com,Ana,,active\nbo@example.com,Bo,Design,unsubscribed\n');

    const sent = await run(['send', '--week', WEEK]);
    expect(sent.stdout).toContain('1 sent');
    expect(sent.status).toBe(0);
    expect(readdirSync(path.join(state, 'outbox', WEEK))).toHaveLength(1);
    expect(readdirSync(state)).toEqual(['outbox']);

    const again = await run(['send', '--week', WEEK]);
    expect(again.stdout).toContain('already');
    expect(readdirSync(path.join(state, 'outbox', WEEK))).toHaveLength(1);

    const status = await run(['status']);
    expect(status.stdout).toContain(`State: the PostgreSQL database "${database.name}" at ${new URL(database.url).host}, schema version `);
    expect(status.stdout).toMatch(new RegExp(`${WEEK}\\s+sent\\s+1 sent, 0 failed, 0 not yet sent`));
    expect(status.stdout).toContain('1 active');
  });

  it('--database wins over DATABASE_URL', async () => {
    const wrong = 'postgres://nobody:secret-password@127.0.0.1:1/none';
    const status = await run(['status', '--database', database.url], { DATABASE_URL: wrong });
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
  });

  it('refuses --subscribers with a database, saying the list is there and how to load a file into it', async () => {
    const send = await run(['send', '--week', WEEK, '--subscribers', path.join(dir, 'export.csv')]);
    expect(send.stderr).toBe(
      '--subscribers names a list file, but with DATABASE_URL the list is in the database; load a file into it with `npm run digest -- subscribers import FILE` (or copy a whole state folder once with `db import-state`), and leave --subscribers out.\n',
    );
    expect(send.status).toBe(1);
  });

  it('names the host, port and database it cannot reach, never the password, and sends nothing', async () => {
    const url = 'postgres://digest:a-password-never-shown@127.0.0.1:1/newsletter';
    const send = await run(['send', '--week', WEEK], { DATABASE_URL: url });
    expect(send.stderr).toBe(
      'Cannot connect to the PostgreSQL database "newsletter" at 127.0.0.1:1: nothing accepts connections there; start PostgreSQL, or correct the host and port in DATABASE_URL.\n',
    );
    expect(send.status).toBe(1);
    const flag = await run(['status', '--database', url]);
    expect(flag.stderr).toContain('correct the host and port in --database.');
  });

  it('refuses a database whose schema is newer than the program, naming both versions', async () => {
    const newer = await createTestDatabase();
    try {
      const sql = postgres(newer.url, { max: 1, onnotice: () => {} });
      await sql`CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
      await sql`INSERT INTO schema_version (version, name) VALUES (999, '999_future.sql')`;
      await sql.end();
      for (const command of [['status'], ['build', '--week', WEEK]]) {
        const result = await run(command, { DATABASE_URL: newer.url });
        expect(result.stderr).toMatch(/^The database's schema is at version 999, newer than version \d+ that this program knows; /);
        expect(result.status).toBe(1);
      }
    } finally {
      await newer.drop();
    }
  });
});
