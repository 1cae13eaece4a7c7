/**
 * What a send promises when it may share its state with other hosts, on each backend: an opt-out recorded meanwhile
 * reaches the next batch, a batch that may have gone goes again only as recorded and only while Resend remembers its
 * key, and (PostgreSQL) a send that lost its lock stops after the request in flight and is resumed exactly once.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeResend } from '../../test/fake-resend.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../test/helpers/pg.ts';
import { reportLines } from '../cli/report.ts';
import type { Issue } from '../digest/schema.ts';
import { SendLockLost } from '../errors.ts';
import type { SenderSettings } from '../mail.ts';
import { sampleIssue } from '../sample.ts';
import { sendLock } from '../state/submission.ts';
import { openFiles } from '../state/open.ts';
import { migrate } from '../state/pg/migrate.ts';
import { openPostgres, type PostgresState } from '../state/pg/state.ts';
import { audienceOf } from '../state/audience.ts';
import type { State } from '../state/stores.ts';
import { SubscriberList } from '../subscribers/list.ts';
import { batchKey, type SendOptions, sendIssue } from './batches.ts';
import { ResendTransport } from './resend.ts';
import type { BatchOutcome, NarrowedBatch, Transport } from './transport.ts';

const SETTINGS: SenderSettings = {
  from: 'Verdicts <verdicts@example.com>',
  publicUrl: 'https://verdicts.example.com',
  secret: 'a-test-secret-that-is-long-enough-1234',
  postalAddress: '1 Example Street, Springfield',
};
const READERS = Array.from({ length: 250 }, (_, i) => `reader${String(i).padStart(3, '0')}@example.com`);
const DAY_AGO = () => new Date(Date.now() - 24 * 3_600_000);

/** A backend as these tests drive it: the state, a reader leaving from another host, and a batch made to have first gone a day ago. */
interface Backend {
  state: State;
  optOut(email: string): Promise<void>;
  wentADayAgo(week: string, batch: number): Promise<void>;
  close(): Promise<void>;
}

async function filesBackend(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), 'send-guarantees-'));
  const state = openFiles(dir);
  return {
    state,
    optOut: (email) => openFiles(dir).subscribers.record({ type: 'unsubscribe', email, at: new Date().toISOString(), source: 'test' }),
    wentADayAgo: async (week, batch) => {
      const file = path.join(dir, 'ledger', `${week}.jsonl`);
      const submitting = new RegExp(`^(\\{"state":"submitting","batch":${batch},"at":)"[^"]+"`, 'm');
      await writeFile(file, (await readFile(file, 'utf8')).replace(submitting, `$1"${DAY_AGO().toISOString()}"`));
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<Backend> {
  const database: TestDatabase = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'send-guarantees-pg-'));
  const state: PostgresState = openPostgres(database.url, dir);
  await migrate(state.database);
  const other = openPostgres(database.url, dir);
  return {
    state,
    optOut: async (email) => {
      await other.subscribers.record({ type: 'unsubscribe', email, at: new Date().toISOString(), source: 'test' });
    },
    wentADayAgo: async (week, batch) => {
      await other.database`UPDATE ledger_batches SET submitted_at = ${DAY_AGO()} WHERE week = ${week} AND batch = ${batch}`;
    },
    close: async () => {
      await Promise.all([state.close(), other.close()]);
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One batch at a time, each recorded as it went; `after` may act once the n-th has gone, and say how it ended. */
class RecordingTransport implements Transport {
  readonly description = 'a recording transport';
  readonly parallelism = 1;
  readonly batches: { key: string; to: string[] }[] = [];

  constructor(private readonly after: (n: number) => Promise<BatchOutcome | undefined> = async () => undefined) {}

  async sendBatch(
    emails: readonly { to: string }[],
    key: string,
    options: { beforeSend?: () => Promise<NarrowedBatch | undefined> } = {},
  ): Promise<BatchOutcome> {
    const narrowed = await options.beforeSend?.();
    this.batches.push({ key: narrowed?.idempotencyKey ?? key, to: emails.map((e) => e.to).filter((to) => narrowed?.to.has(to) ?? true) });
    return (await this.after(this.batches.length)) ?? { kind: 'sent', rejected: [] };
  }
}

const GAVE_UP: BatchOutcome = { kind: 'failed', reason: 'gave up after 8 attempts', stopRun: true, nothingSent: false };

describe.each([
  ['files', filesBackend, false],
  ['PostgreSQL (skipped without TEST_DATABASE_URL)', postgresBackend, !TEST_DATABASE_URL],
] as const)('a send on the %s backend', (_name, make, skip) => {
  let backend: Backend;
  let issue: Issue;
  beforeEach(async () => {
    backend = await make();
    issue = await sampleIssue();
  });
  afterEach(() => backend.close());

  const audience = () =>
    audienceOf(issue, SubscriberList.from(READERS.map((email) => ({ email, name: null, categories: [], status: 'active' }))), []);
  const send = (transport: Transport, more: Partial<SendOptions> = {}) =>
    backend.state.locks.hold(sendLock(issue.week), () =>
      sendIssue({
        issue,
        audience: audience(),
        settings: SETTINGS,
        transport,
        ledger: backend.state.ledger(issue.week),
        now: new Date(),
        ...more,
      }),
    );
  const recipients = (emails: string[]) => emails.map((email) => ({ email, name: null, categories: [] }));

  it.skipIf(skip)('drops a reader who left on another host from the next batch, which goes under a key of its own', async () => {
    const leaving = READERS[150] ?? '';
    const transport = new RecordingTransport(async (n) => {
      if (n === 1) await backend.optOut(leaving);
      return undefined;
    });
    const report = await send(transport);
    expect(transport.batches.map((b) => b.to.length)).toEqual([100, 99, 50]);
    const kept = READERS.slice(100, 200).filter((email) => email !== leaving);
    expect(transport.batches[1]).toEqual({ key: batchKey(issue, 2, recipients(kept)), to: kept });
    expect(transport.batches[1]?.key).not.toBe(batchKey(issue, 2, recipients(READERS.slice(100, 200))));
    expect([report.sent, report.skipped.get('unsubscribed')]).toEqual([249, 1]);
  });

  it.skipIf(skip)('sends a batch that may have gone again exactly as recorded, even after one of its readers left', async () => {
    const first = new RecordingTransport(async (n) => (n === 2 ? GAVE_UP : undefined));
    await send(first);
    await backend.optOut(READERS[150] ?? '');
    const second = new RecordingTransport();
    const report = await send(second);
    expect(second.batches[0]).toEqual(first.batches[1]);
    expect(second.batches.map((b) => b.to.length)).toEqual([100, 50]);
    expect(report.sent).toBe(250);
  });

  it.skipIf(skip)('leaves a batch of unknown fate that first went over 23 hours ago, and sends it again only when asked', async () => {
    const first = new RecordingTransport(async (n) => (n === 2 ? GAVE_UP : undefined));
    await send(first);
    await backend.wentADayAgo(issue.week, 2);
    const second = new RecordingTransport();
    const report = await send(second);
    expect(second.batches.map((b) => b.to.length)).toEqual([50]);
    expect([report.sent, report.fateUnknown]).toEqual([150, 100]);
    const lines = reportLines(issue.week, report, 'Resend').join('\n');
    expect(lines).toContain('Fate unknown: 100 readers');
    expect(lines).toContain('`send --resend-unknown` sends them anyway');
    expect(lines).not.toContain('Everyone who should get this issue has it.');
    const third = new RecordingTransport();
    expect((await send(third, { resendUnknown: true })).sent).toBe(250);
    expect(third.batches).toEqual([first.batches[1]]);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('a send on PostgreSQL whose lock connection ends mid-send', () => {
  let backend: Backend;
  beforeEach(async () => (backend = await postgresBackend()));
  afterEach(() => backend.close());

  it('stops after the request in flight, writes nothing more, and the next send resumes it exactly once', async () => {
    const issue = await sampleIssue();
    const state = backend.state as PostgresState;
    const audience = audienceOf(
      issue,
      SubscriberList.from(READERS.map((email) => ({ email, name: null, categories: [], status: 'active' }))),
      [],
    );
    let received!: () => void;
    const inFlight = new Promise<void>((resolve) => (received = resolve));
    const fake = await startFakeResend({ rateLimit: 100, onReceived: () => received() });
    const send = () =>
      state.locks.hold(sendLock(issue.week), () =>
        sendIssue({
          issue,
          audience,
          settings: SETTINGS,
          transport: new ResendTransport({ apiKey: 're_test_key', baseUrl: fake.url }),
          ledger: state.ledger(issue.week),
          now: new Date(),
        }),
      );
    try {
      // The first batch's answer is held back until the lock's connection is gone; until it is answered no other batch goes.
      fake.inject({ kind: 'hold' });
      const first = send();
      await inFlight;
      const [lock] = await state.database<{ pid: number; application_name: string }[]>`
        SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND a.datname = current_database()
          AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(${sendLock(issue.week)}, 0)`;
      expect(lock?.application_name).toBe(`digest ${hostname()}:${process.pid}`);
      await state.database`SELECT pg_terminate_backend(${lock?.pid ?? 0}, 10000)`;
      fake.release();
      await expect(first).rejects.toThrow(SendLockLost);
      await expect(first).rejects.toThrow(
        /^The send of \d{4}-W\d{2} lost its lock "send-\d{4}-W\d{2}" \(its connection to the database ended\), so it stopped after the requests in flight and wrote nothing more to the send ledger of .*; run `send` again to finish it: nobody gets the issue twice\.$/,
      );
      expect(fake.emails).toHaveLength(100);
      expect((await state.ledger(issue.week).batchStates()).map((b) => b.state)).toEqual(['submitting', 'pending', 'pending']);

      const report = await send();
      expect([report.sent, report.sentThisRun]).toEqual([250, 250]);
      expect(READERS.filter((email) => fake.deliveredTo(email).length !== 1)).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
