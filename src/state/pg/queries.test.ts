import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../../test/helpers/pg.ts';
import { connectDatabase, type Database } from './connect.ts';
import { migrate } from './migrate.ts';
import { loadQueries, parseQueries, QUERIES_FILE } from './queries.ts';

describe('parseQueries', () => {
  it('keeps each query from its name to the next, without the comments around it', () => {
    const text = [
      '-- The file says what it is.',
      '',
      '-- name: first',
      '-- What the first is for.',
      'SELECT 1',
      '-- a note inside it',
      'FROM x;',
      '',
      '-- a section ---',
      '',
      '-- name: second',
      'SELECT 2;',
    ].join('\n');
    expect(parseQueries(text, 'q.sql')).toEqual(
      new Map([
        ['first', 'SELECT 1\n-- a note inside it\nFROM x;'],
        ['second', 'SELECT 2;'],
      ]),
    );
  });

  it('throws on a name given twice, an empty query or SQL that belongs to no name', () => {
    expect(() => parseQueries('-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;', 'q.sql')).toThrow(
      'q.sql, line 3: a second query is named a.',
    );
    expect(() => parseQueries('-- name: a\n-- only a comment\n', 'q.sql')).toThrow('q.sql: the query a is empty.');
    expect(() => parseQueries('SELECT 1;\n-- name: a\nSELECT 2;', 'q.sql')).toThrow('q.sql, line 1: SQL before');
  });

  it('gives a query of queries.sql by name, and throws on a name it does not have', () => {
    const query = loadQueries();
    expect(query('schedule-get')).toBe('SELECT handled_until FROM schedule;');
    expect(() => query('no-such-query')).toThrow(`${QUERIES_FILE} has no query named no-such-query: a bug.`);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('queries.sql against the migrated schema', () => {
  let database: TestDatabase;
  let sql: Database;
  const query = loadQueries();
  beforeAll(async () => {
    database = await createTestDatabase();
    sql = await connectDatabase(database.url);
    await migrate(sql);
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it('has every query valid for the schema (PostgreSQL parses and plans each one)', async () => {
    const names = [...parseQueries(readFileSync(QUERIES_FILE, 'utf8'), QUERIES_FILE).keys()];
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) await expect(sql.unsafe(query(name)).describe(), name).resolves.toBeDefined();
  });

  it('gives back a frozen issue byte for byte, as its sha256 says', async () => {
    // Keys out of jsonb's order (shorter first) and spacing jsonb would drop: a send checks these bytes.
    const text = '{\n  "week": "2026-W46",\n  "readerVotes": { "loomcast": { "ship": 1, "skip": 0 }, "ab": {} }\n}\n';
    await sql.unsafe(query('issue-write'), ['2026-W46', text]);
    const [row] = await sql.unsafe(query('issue-get'), ['2026-W46']);
    expect(row?.text).toBe(text);
    expect(row?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records a webhook delivered twice at the same moment once', async () => {
    const record = () =>
      sql.unsafe(query('webhook-commit'), ['msg_1', 'email.opened', '2026-W46', 'ada@example.com', { type: 'email.opened' }]);
    const [first, second] = await Promise.all([record(), record()]);
    expect([first?.length, second?.length].sort()).toEqual([0, 1]);
  });

  it('keeps subscriber events append-only', async () => {
    await sql.unsafe(query('subscriber-events-append'), [
      ['ada@example.com'],
      ['confirm'],
      [JSON.stringify({ type: 'confirm', email: 'ada@example.com' })],
    ]);
    await expect(sql`DELETE FROM subscriber_events`).rejects.toThrow('subscriber_events is append-only');
    await expect(sql`UPDATE subscriber_events SET email = 'x@example.com'`).rejects.toThrow('subscriber_events is append-only');
  });
});
