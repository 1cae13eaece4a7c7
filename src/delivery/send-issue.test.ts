import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../test/helpers/pg.ts';
import type { Issue } from '../digest/schema.ts';
import type { SenderSettings } from '../mail.ts';
import { sampleIssue } from '../sample.ts';
import { openFiles } from '../state/open.ts';
import { migrate } from '../state/pg/migrate.ts';
import { openPostgres, type PostgresState } from '../state/pg/state.ts';
import type { State } from '../state/stores.ts';
import { sendLock } from '../state/submission.ts';
import { sendIssue } from './batches.ts';
import type { Transport } from './transport.ts';

const settings: SenderSettings = {
  from: 'Verdicts <verdicts@example.com>',
  publicUrl: 'https://verdicts.example.com',
  secret: 'a-test-secret-that-is-long-enough-1234',
  postalAddress: null,
};

/** A transport that keeps each batch it was handed; `crashAt`: the process dies while the nth batch's request is out. */
function recordingTransport(crashAt?: number): Transport & { batches: { key: string; to: string[] }[] } {
  const batches: { key: string; to: string[] }[] = [];
  return {
    description: 'a recorder',
    parallelism: 1,
    batches,
    async sendBatch(emails, key, options) {
      await options?.beforeSend?.();
      batches.push({ key, to: emails.map((e) => e.to) });
      if (batches.length === crashAt) throw new Error('the process died mid-request');
      return { kind: 'sent', rejected: [] };
    },
  };
}

/** What send-week.ts does once the issue is prepared: the state's audience of it, sent through its ledger under the week's lock. */
async function send(state: State, issue: Issue, transport: Transport, dryRun = false) {
  const audience = await state.audience(issue);
  const ledger = state.ledger(issue.week);
  const go = () => sendIssue({ issue, audience, settings, transport, ledger, now: new Date(Date.UTC(2026, 10, 20)), dryRun });
  return dryRun ? go() : state.locks.hold(sendLock(issue.week), go);
}

/** 1,040 readers in 11 batches (past a page of the database's), and some the issue skips. */
const list = [
  ...Array.from({ length: 1040 }, (_, n) => ({
    email: `reader${n}@example.com`,
    name: n % 3 === 0 ? '' : `Reader ${n}`,
    categories: n % 2 === 0 ? '' : 'Research; Audio',
    status: 'active',
  })),
  { email: 'gone@example.com', name: '', categories: '', status: 'unsubscribed' },
  { email: 'elsewhere@example.com', name: '', categories: 'Marketing', status: 'active' },
];

describe.skipIf(!TEST_DATABASE_URL)('sendIssue from the files and from PostgreSQL', () => {
  let database: TestDatabase;
  let dir: string;
  let pg: PostgresState;
  let issue: Issue;
  const insert = (rows: typeof list) =>
    pg.database.unsafe(
      `INSERT INTO subscribers (email, name, categories, status)
       SELECT email, nullif(name, ''), coalesce(string_to_array(nullif(categories, ''), '; '), '{}'), status
       FROM jsonb_to_recordset($1::text::jsonb) AS r (email text, name text, categories text, status text)`,
      [JSON.stringify(rows)],
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'send-issue-'));
    pg = openPostgres(database.url, dir);
    await migrate(pg.database);
    issue = await sampleIssue();
    const csv = list.map((r) => `${r.email},${r.name},${r.categories},${r.status}`);
    await writeFile(path.join(dir, 'subscribers.csv'), ['email,name,categories,status', ...csv].join('\n'));
    await insert(list);
  });
  afterAll(async () => {
    await pg?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the same readers in the same batches with the same keys from either backend', async () => {
    const [fromFiles, fromPg] = [recordingTransport(), recordingTransport()];
    const files = openFiles(path.join(dir, 'state'), path.join(dir, 'subscribers.csv'));
    const reports = [await send(files, issue, fromFiles), await send(pg, issue, fromPg)];
    const readers = list.filter((r) => r.status === 'active' && r.categories !== 'Marketing').map((r) => r.email);
    expect(fromFiles.batches.flatMap((b) => b.to)).toEqual(readers.sort());
    expect(fromFiles.batches).toHaveLength(11);
    expect(fromPg.batches).toEqual(fromFiles.batches);
    expect(await pg.ledger(issue.week).batchStates()).toEqual(await files.ledger(issue.week).batchStates());
    for (const report of reports) {
      expect(report).toMatchObject({ sent: 1040, sentThisRun: 1040, planned: { batches: 11, recipients: 1040 } });
      expect(Object.fromEntries(report.skipped)).toEqual({ unsubscribed: 1, 'no matching categories': 1 });
    }
  });

  it('resumes a send that died mid-batch after the list grew: the batch in flight again with its key, then the rest, nobody twice', async () => {
    const week = { ...issue, week: '2026-W50' };
    const crashed = recordingTransport(4);
    await expect(send(pg, week, crashed)).rejects.toThrow('the process died mid-request');
    // Two readers join meanwhile, one before everyone in address order.
    await insert([
      { email: 'aaron@example.com', name: '', categories: '', status: 'active' },
      { email: 'reader5000@example.com', name: '', categories: '', status: 'active' },
    ]);
    const resumed = recordingTransport();
    const report = await send(pg, week, resumed);
    expect(resumed.batches[0]).toEqual(crashed.batches[3]);
    // Resend keeps one delivery per key: what each reader got is each key's first batch.
    const delivered = [...new Map([...crashed.batches, ...resumed.batches].reverse().map((b) => [b.key, b.to])).values()].flat();
    expect(delivered.sort()).toEqual(
      [...list.filter((r) => r.email.startsWith('reader')).map((r) => r.email), 'aaron@example.com', 'reader5000@example.com'].sort(),
    );
    expect(resumed.batches.at(-1)?.to).toEqual(['aaron@example.com', 'reader5000@example.com']);
    expect(report).toMatchObject({ sent: 1042, sentThisRun: 742, failed: new Map(), notSent: 0 });
  });

  it('stops at a row of the table that is not a reader (written by hand), naming it, before anything is planned', async () => {
    await insert([{ email: 'not-an-address', name: '', categories: '', status: 'active' }]);
    const week = { ...issue, week: '2026-W51' };
    await expect(send(pg, week, recordingTransport())).rejects.toThrow(
      `${pg.listPlace}: the subscribers row of "not-an-address" is not a reader; fix or delete that row, then run again.`,
    );
    expect(await pg.ledger(week.week).exists()).toBe(false);
    await pg.database`DELETE FROM subscribers WHERE email = 'not-an-address'`;
  });
});

// A million rows took 80 s here, mostly the insert; the million is BENCHMARKS.md's (time and memory), and 25 pages
// of the list prove the same paging.
describe.skipIf(!TEST_DATABASE_URL)('send --dry-run from PostgreSQL on a list of many pages', () => {
  let database: TestDatabase;
  let dir: string;
  let pg: PostgresState;
  const ROWS = 25_000;
  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'send-issue-pages-'));
    pg = openPostgres(database.url, dir);
    await migrate(pg.database);
    // Every fourth reader chooses no category, one Research, one only Marketing (none of the issue's), one a category
    // of the issue written with other spaces and case.
    await pg.database`
      INSERT INTO subscribers (email, name, categories, status)
      SELECT 'reader' || n || '@example.com', CASE WHEN n % 3 = 0 THEN NULL ELSE 'Reader ' || n END,
        (ARRAY['{}', '{Research}', '{Marketing}', '{" developer TOOLS ",Audio}'])[n % 4 + 1]::text[],
        CASE WHEN n % 50 = 0 THEN 'unsubscribed' WHEN n % 50 = 1 THEN 'bounced' WHEN n % 97 = 0 THEN 'pending' ELSE 'active' END
      FROM generate_series(1, ${ROWS}::int) AS n`;
  });
  afterAll(async () => {
    await pg?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the readers, batches and skipped as the list says, and records nothing', async () => {
    const expected = { readers: 0, skipped: {} as Record<string, number> };
    const skip = (reason: string) => (expected.skipped[reason] = (expected.skipped[reason] ?? 0) + 1);
    for (let n = 1; n <= ROWS; n++) {
      const status = n % 50 === 0 ? 'unsubscribed' : n % 50 === 1 ? 'bounced' : n % 97 === 0 ? 'pending' : 'active';
      if (status !== 'active') skip(status);
      else if (n % 4 === 2) skip('no matching categories');
      else expected.readers++;
    }
    const issue = await sampleIssue();
    const report = await send(pg, issue, recordingTransport(), true);
    expect(report.planned).toEqual({ batches: Math.ceil(expected.readers / 100), recipients: expected.readers });
    expect(Object.fromEntries(report.skipped)).toEqual(expected.skipped);
    expect(await pg.ledger(issue.week).exists()).toBe(false);
  });
});
