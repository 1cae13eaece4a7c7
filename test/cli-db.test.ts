/** `db import-state`: a state folder and its list copied into an empty database once, then used through DATABASE_URL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, runCli, sampleWorkspace } from './helpers/cli.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './helpers/pg.ts';

const WEEK = '2026-W46';

describe.skipIf(!TEST_DATABASE_URL)('db import-state', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    cleanup();
  });

  it('refuses without a database, or without the folder to copy, in one sentence', async () => {
    const ws = sampleWorkspace(['email,name,categories']);
    const run = await runCli(['db', 'import-state', ...ws.flags], { env: { DATABASE_URL: undefined } });
    expect(run.stderr).toBe('db import-state copies into a PostgreSQL database: give its URL with --database or DATABASE_URL.\n');
    expect(run.status).toBe(1);
    const mistyped = await runCli(['db', 'import-state', '--state', `${ws.state}-typo`, '--database', database.url]);
    expect(mistyped.stderr).toBe(`The state folder "${ws.state}-typo" does not exist; give the folder to copy with --state.\n`);
    expect(mistyped.status).toBe(1);
  });

  it('copies a state folder and its list once, says what it copied, and refuses a second copy', async () => {
    const ws = sampleWorkspace(['email,name,categories', 'ana@example.com,Ana,', 'bo@example.com,Bo,Design', 'cy@example.com,Cy,']);
    const files = (args: string[]) => runCli([...args, ...ws.flags], { env: { DATABASE_URL: undefined } });
    expect((await files(['send', '--week', WEEK])).status).toBe(0);
    expect((await files(['subscribers', 'unsubscribe', 'cy@example.com'])).status).toBe(0);

    const copy = await runCli(['db', 'import-state', ...ws.flags, '--database', database.url]);
    const place = `the PostgreSQL database "${database.name}" at ${new URL(database.url).host}`;
    expect(copy.stderr).toBe('');
    expect(copy.stdout).toBe(
      [
        `Copied ${ws.state} and ${ws.subscribers} into ${place}:`,
        `  list: 3 readers, from 3 rows of ${ws.subscribers} and 1 recorded change`,
        '  signups: 0',
        '  votes: 0',
        '  webhook deliveries: 0',
        '  frozen issues: 1',
        '  send ledgers: 1 week, 1 batch',
        '  schedule: never ran',
        `From now on set DATABASE_URL to this database on every host, and leave out --subscribers; ${ws.state} is left as it was.`,
        '',
      ].join('\n'),
    );
    expect(copy.status).toBe(0);

    // The database now says what the folder said: the week sent to all three, Cy gone since.
    const onDatabase = (args: string[]) =>
      runCli([...args, '--data', ws.data, '--state', ws.state], { env: { DATABASE_URL: database.url } });
    const status = await onDatabase(['status']);
    expect(status.stdout).toMatch(new RegExp(`${WEEK}\\s+sent\\s+3 sent, 0 failed, 0 not yet sent`));
    expect((await onDatabase(['send', '--week', WEEK])).stdout).toContain('already');
    expect((await onDatabase(['subscribers', 'list'])).stdout).toBe(
      'email,name,categories,status\nana@example.com,Ana,,active\nbo@example.com,Bo,Design,active\ncy@example.com,Cy,,unsubscribed\n',
    );

    const again = await runCli(['db', 'import-state', ...ws.flags], { env: { DATABASE_URL: database.url } });
    expect(again.stderr).toBe(
      `${place} already holds state (the list, subscriber events, frozen issues, send ledgers), and db import-state copies only into an empty database; point --database or DATABASE_URL at a new one.\n`,
    );
    expect(again.stderr).not.toContain(new URL(database.url).password);
    expect(again.stdout).toBe('');
    expect(again.status).toBe(1);
  });
});
