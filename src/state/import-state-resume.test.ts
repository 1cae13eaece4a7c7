import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from '../../test/helpers/cli.ts';
import { expectEveryoneExactlyOnce, READERS, WEEK, workspace } from '../../test/helpers/crash.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../test/helpers/pg.ts';
import { type FakeResend, startFakeResend } from '../../test/fake-resend.ts';
import { resolveConfig, senderSettings } from '../config.ts';
import { sendIssue } from '../delivery/batches.ts';
import { sendWeek } from '../delivery/send-week.ts';
import { outboxDir, transportFor } from '../delivery/transport-for.ts';
import type { Transport } from '../delivery/transport.ts';
import { prepareIssue } from '../pipeline.ts';
import { audienceOf } from './audience.ts';
import { importState } from './import-state.ts';
import { openFiles } from './open.ts';
import { migrate } from './pg/migrate.ts';
import { openPostgres, type PostgresState } from './pg/state.ts';

const NOW = new Date('2026-11-20T10:00:00Z');

describe.skipIf(!TEST_DATABASE_URL)('a send half done with files, moved to PostgreSQL and finished there', () => {
  let database: TestDatabase;
  let fake: FakeResend;
  let to: PostgresState;
  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeResend({ rateLimit: 50 });
  });
  afterAll(async () => {
    await to?.close();
    await fake?.close();
    await database?.drop();
    cleanup();
  });

  it('sends exactly the readers who lack the issue, a batch whose fate was unknown again under its recorded key', async () => {
    const ws = workspace();
    const config = resolveConfig(
      { data: ws.data, subscribers: ws.subscribers, state: ws.state, tz: 'UTC' },
      {
        RESEND_API_KEY: 're_test_key',
        RESEND_BASE_URL: fake.url,
        DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
        DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234',
        DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
        DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
      },
    );
    // The files send: one batch at a time, and the process "dies" once Resend took the second, before hearing back.
    const files = openFiles(config.stateDir, config.subscribersFile);
    const { issue } = await prepareIssue(config, files, { week: WEEK, now: NOW });
    const { list, problems } = await files.list().current();
    const resend = await transportFor(config, outboxDir(files, WEEK));
    let requests = 0;
    const dying: Transport = {
      description: resend.description,
      parallelism: 1,
      sendBatch: async (emails, key, options) => {
        const outcome = await resend.sendBatch(emails, key, options);
        if (++requests === 2) throw new Error('killed while Resend answered');
        return outcome;
      },
    };
    const send = { issue, audience: audienceOf(issue, list, problems), settings: senderSettings(config), now: NOW };
    await expect(sendIssue({ ...send, transport: dying, ledger: files.ledger(WEEK) })).rejects.toThrow('killed');
    const left: { key: string; state: string }[] = [];
    for await (const batch of files.ledger(WEEK).batches()) left.push(batch);
    expect(left.map((b) => b.state)).toEqual(['sent', 'submitting', 'pending', 'pending', 'pending']);
    expect(fake.emails).toHaveLength(200);

    to = openPostgres(database.url, ws.dir);
    await migrate(to.database);
    await importState(files, config.subscribersFile, to, NOW);
    const outcome = await sendWeek(config, to, { week: WEEK, now: NOW });
    expect(outcome).toMatchObject({ kind: 'sent', report: { sent: READERS, failed: new Map(), notSent: 0 } });

    // Resend delivered the second batch before the move: asked again under its recorded key, it delivers nobody twice.
    expectEveryoneExactlyOnce(expect, fake.emails);
    const keys = fake.requests.map((r) => r.idempotencyKey);
    expect(left.map((b) => keys.filter((k) => k === b.key).length)).toEqual([1, 2, 1, 1, 1]);
    const copied: string[] = [];
    for await (const batch of to.ledger(WEEK).batches()) copied.push(`${batch.key} ${batch.state}`);
    expect(copied).toEqual(left.map((b) => `${b.key} sent`));
  });
});
