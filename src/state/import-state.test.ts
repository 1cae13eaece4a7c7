import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../test/helpers/pg.ts';
import { UserError } from '../errors.ts';
import { sampleIssue } from '../sample.ts';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import type { Vote } from '../subscribers/tokens.ts';
import { importState } from './import-state.ts';
import { frozenDigest, frozenText } from './issues.ts';
import { openFiles } from './open.ts';
import { migrate } from './pg/migrate.ts';
import { openPostgres, type PostgresState } from './pg/state.ts';
import type { State } from './stores.ts';
import { collect } from '../../test/helpers/state-backends.ts';

const [W45, W46] = ['2026-W45', '2026-W46'];
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 10, minutes));
const NOW = at(30);
const reader = (n: number) => ({ email: `r${n}@example.com`, name: null, categories: [] });

/** A files state with a record of every kind, and its list file. */
async function filesState(dir: string): Promise<{ from: State; listFile: string; compact: string }> {
  const listFile = path.join(dir, 'subscribers.csv');
  await writeFile(
    listFile,
    [
      'email,name,categories,status',
      'ada@example.com,Ada,,active',
      'bo@example.com,,Design,pending',
      // Kept stopped by the file although a signup recorded after asks to come back.
      'cy@example.com,Cy,,unsubscribed',
      'not an address,Nobody,,active',
      'dee@example.com,Dee,Design;Developer Tools,active',
      '',
    ].join('\n'),
  );
  const from = openFiles(path.join(dir, 'state'), listFile);
  const t = at(0).toISOString();
  const events: SubscriberEvent[] = [
    { type: 'add', email: 'eve@example.com', name: 'Eve', categories: [], status: 'active', at: t, source: 'cli' },
    { type: 'subscribe', email: 'cy@example.com', name: 'Cy', categories: [], at: t },
    { type: 'preferences', email: 'ada@example.com', categories: ['Design'], at: t },
    { type: 'unsubscribe', email: 'dee@example.com', at: t, source: 'unsubscribe page' },
  ];
  await from.subscribers.record(...events);
  const signup = (id: string) => ({ type: 'signup' as const, id, email: `${id}@example.com`, name: null, categories: [], at: t });
  for (const id of ['s1', 's2', 's3']) await from.signups.write(signup(id));
  await from.signups.write({ type: 'recorded', id: 's2' });
  await from.signups.write({ type: 'done', id: 's3', outcome: 'sent', at: t });
  const vote = (email: string, choice: Vote['choice']): Vote => ({ email, week: W46, slug: 'loomcast', choice });
  // Ada changes her vote three times within the day: the limit.
  for (const [i, choice] of (['ship', 'skip', 'ship', 'skip'] as const).entries())
    await from.votes.cast(vote('ada@example.com', choice), at(i));
  await from.votes.cast(vote('eve@example.com', 'ship'), at(5));
  await from.webhooks.record({ id: 'msg_1', at: t, type: 'email.opened', to: ['ada@example.com'], week: W45, emailId: 'e1' }, []);
  await from.webhooks.record({ id: 'msg_2', at: t, type: 'email.bounced', to: ['bo@example.com'], week: W45 }, []);
  const issue = { ...(await sampleIssue()), week: W45 };
  await from.issues.write(issue);
  // Frozen by an older version, in other bytes than this one writes: copied as they are, or the ledger's sha256 breaks.
  const compact = JSON.stringify({ ...issue, week: W46 });
  await mkdir(path.dirname(from.issues.placeOf(W46)), { recursive: true });
  await writeFile(from.issues.placeOf(W46), compact);
  const ledger = from.ledger(W46);
  const batches = [1, 2, 3, 4].map((batch) => ({ batch, key: `key-${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] }));
  await ledger.plan(batches, { at: at(1), sha256: frozenDigest(compact), issue: { ...issue, week: W46 } });
  await ledger.submitting(1);
  await ledger.sent(1, [{ email: 'r11@example.com', reason: 'invalid address' }]);
  await ledger.submitting(2);
  await ledger.failed(3, 'validation_error', true);
  await from
    .ledger(W45)
    .plan([{ batch: 1, key: 'key-w45', recipients: [reader(1)] }], { at: at(0), sha256: frozenDigest(frozenText(issue)), issue });
  await from.ledger(W45).sent(1);
  await from.schedule.write({ handledUntil: at(2) });
  return { from, listFile, compact };
}

/** What a state holds, as its readers give it back. */
async function contents(state: State) {
  const { list } = await state.list().current();
  const votes = await state.votes.current();
  const ledgers = await Promise.all(
    (await state.ledgerWeeks()).map(async (week) => {
      const ledger = state.ledger(week);
      const claimed: string[] = [];
      const summary = await ledger.summarize((email) => claimed.push(email));
      return { week, started: await ledger.started(), batches: await collect(ledger.batches()), summary, claimed };
    }),
  );
  const issues = await Promise.all((await state.issues.weeks()).map(async (week) => [week, await state.issues.text(week, 'x')]));
  return {
    list: [...list.values()].sort((a, b) => a.email.localeCompare(b.email)),
    signups: await state.signups.pending(),
    community: votes.community(),
    ofIssue: votes.ofIssue(W46),
    webhooks: (await collect(state.webhooks.entries())).sort((a, b) => a.id.localeCompare(b.id)),
    issues,
    ledgers,
    schedule: await state.schedule.read(),
  };
}

describe.skipIf(!TEST_DATABASE_URL)('db import-state: a files state copied into PostgreSQL', () => {
  let database: TestDatabase;
  let dir: string;
  let from: State;
  let listFile: string;
  let compact: string;
  let to: PostgresState;
  const rows = async () => {
    const [row] = await to.database<{ rows: number }[]>`
      SELECT ((SELECT count(*) FROM subscriber_events) + (SELECT count(*) FROM signups) + (SELECT count(*) FROM vote_history)
        + (SELECT count(*) FROM webhook_events) + (SELECT count(*) FROM issues) + (SELECT count(*) FROM send_starts)
        + (SELECT count(*) FROM ledger_batches) + (SELECT count(*) FROM schedule))::int AS rows`;
    return row?.rows;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'import-state-'));
    ({ from, listFile, compact } = await filesState(dir));
    to = openPostgres(database.url, dir);
    await migrate(to.database);
  });
  afterAll(async () => {
    await to?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies nothing when a record cannot be read, naming it', async () => {
    const damaged = from.issues.placeOf('2026-W44');
    await writeFile(damaged, '{"week": "2026-W44", cut short');
    await expect(importState(from, listFile, to, NOW)).rejects.toThrow(`${damaged} is not valid JSON`);
    // Everything up to the damaged issue had been written in the same transaction: none of it stays.
    expect(await rows()).toBe(0);
    await rm(damaged);
  });

  it('copies every store, and each reads back as the files say', async () => {
    const skipped: string[] = [];
    const copied = await importState(from, listFile, to, NOW, (line) => skipped.push(line));
    expect(copied).toEqual({
      readers: 5,
      rows: 4,
      events: 4,
      held: 1,
      signups: 3,
      votes: 5,
      webhooks: 2,
      issues: 2,
      ledgers: { weeks: 2, batches: 5 },
      schedule: at(2),
    });
    expect(skipped).toEqual([expect.stringContaining(`${listFile}, line 5: "not an address" is not a valid email address`)]);
    // Read back through a state opened anew, as the next command would.
    const reopened = openPostgres(database.url, dir);
    const [want, got] = [await contents(from), await contents(reopened).finally(() => reopened.close())];
    expect(got).toEqual(want);
    expect(got.list.find((r) => r.email === 'cy@example.com')?.status).toBe('unsubscribed');
    expect(got.issues.find(([week]) => week === W46)?.[1]).toBe(compact);
    expect(got.ledgers.find((l) => l.week === W46)?.batches.map((b) => [b.key, b.state])).toEqual([
      ['key-1', 'sent'],
      ['key-2', 'submitting'],
      ['key-3', 'failed'],
      ['key-4', 'pending'],
    ]);
    expect((await collect(to.signups.history())).filter((line) => line.type === 'done')).toHaveLength(1);
  });

  it("keeps each reader's vote changes of the last day: a fourth is still refused, and allowed a day after", async () => {
    const change = { email: 'ada@example.com', week: W46, slug: 'loomcast', choice: 'ship' } as const;
    expect(await to.votes.cast(change, at(10))).toMatchObject({ kind: 'too-often', standing: 'skip' });
    expect(await to.votes.cast(change, new Date(at(1).getTime() + 24 * 3600_000))).toEqual({ kind: 'recorded' });
  });

  it('refuses a second copy into the database, naming it and never the password, and changes nothing', async () => {
    const before = await rows();
    const refusal = await importState(from, listFile, to, NOW).catch((error: Error) => error);
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as Error).message).toBe(
      `${to.place} already holds state (the list, subscriber events, signups, votes, webhook log, frozen issues, send ledgers, schedule), and db import-state copies only into an empty database; point --database or DATABASE_URL at a new one.`,
    );
    expect(to.place).toContain(database.name);
    expect((refusal as Error).message).not.toContain(new URL(database.url).password);
    expect(await rows()).toBe(before);
  });
});
