import { appendFile, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Issue } from '../digest/schema.ts';
import type { Recipient } from '../mail.ts';
import { Ledger, SentReaders } from './ledger.ts';

const reader = (n: number): Recipient => ({ email: `r${n}@example.com`, name: n % 2 ? `R ${n}` : null, categories: [] });
const readers = (from: number, count: number) => Array.from({ length: count }, (_, i) => reader(from + i));

describe('Ledger.summarize', () => {
  let dir: string;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ledger-'));
    ledger = new Ledger(dir, '2026-W47');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is empty for an issue never sent, and says it does not exist', async () => {
    const claimed: string[] = [];
    expect(await ledger.summarize((e) => claimed.push(e))).toEqual({ unfinished: [], sent: 0, sentBatches: 0, rejected: [], lastBatch: 0 });
    expect(claimed).toEqual([]);
    expect(await ledger.exists()).toBe(false);
  });

  it('counts sent batches, keeps unfinished ones with their readers, and hands back refused batches to be planned again', async () => {
    await ledger.plan([1, 2, 3, 4, 5].map((batch) => ({ batch, key: `k${batch}`, recipients: readers(batch * 10, 3) })));
    await ledger.submitting(1);
    await ledger.sent(1, [{ email: 'r11@example.com', reason: 'invalid address' }]);
    await ledger.submitting(2);
    await ledger.failed(3, 'rate limited 8 times', false);
    await ledger.failed(4, 'validation_error: bad from', true);
    // A crash while appending the next step leaves a torn line; the next run must read past it.
    await appendFile(ledger.file, '{"state":"sent","batch":5,"rej');
    const claimed: string[] = [];
    const summary = await ledger.summarize((e) => claimed.push(e));
    expect(summary.sent).toBe(2);
    expect(summary.sentBatches).toBe(1);
    expect(summary.rejected).toEqual([{ email: 'r11@example.com', reason: 'invalid address' }]);
    expect(summary.lastBatch).toBe(5);
    expect(summary.unfinished.map((b) => [b.batch, b.state, b.key, b.recipients.length])).toEqual([
      [2, 'submitting', 'k2', 3],
      [3, 'failed', 'k3', 3],
      [5, 'pending', 'k5', 3],
    ]);
    expect(summary.unfinished[0]!.recipients).toEqual(readers(20, 3));
    expect(claimed.sort()).toEqual([...readers(10, 3), ...readers(20, 3), ...readers(30, 3), ...readers(50, 3)].map((r) => r.email).sort());
    expect(await ledger.exists()).toBe(true);
  });

  it('reads records whose keys come in another order', async () => {
    await mkdir(path.dirname(ledger.file), { recursive: true });
    await writeFile(
      ledger.file,
      [
        JSON.stringify({ batch: 1, key: 'k1', recipients: readers(0, 2), state: 'pending' }),
        JSON.stringify({ batch: 1, state: 'sent', rejected: [] }),
        '',
      ].join('\n'),
    );
    const summary = await ledger.summarize(() => undefined);
    expect([summary.sent, summary.unfinished.length, summary.lastBatch]).toEqual([2, 0, 1]);
  });

  it('stops at an unreadable line in the middle, naming the file and line', async () => {
    await ledger.plan([1, 2].map((batch) => ({ batch, key: `k${batch}`, recipients: readers(batch * 10, 3) })));
    await appendFile(ledger.file, '{"state":"sent","batch":1,"rejec\n');
    await ledger.sent(2);
    await expect(ledger.summarize(() => undefined)).rejects.toThrow(
      `${ledger.file}, line 3 is not a ledger record, so send cannot tell who already has this issue`,
    );
    await expect(ledger.exists()).resolves.toBe(true);
  });

  it('tolerates a torn last line, also once a later append has closed it', async () => {
    await ledger.plan([1, 2].map((batch) => ({ batch, key: `k${batch}`, recipients: readers(batch * 10, 3) })));
    await appendFile(ledger.file, '{"state":"sent","batch":1,"rej');
    expect((await ledger.summarize(() => undefined)).unfinished.map((b) => b.batch)).toEqual([1, 2]);
    await ledger.submitting(1);
    await ledger.sent(1);
    expect((await ledger.summarize(() => undefined)).unfinished.map((b) => [b.batch, b.state])).toEqual([[2, 'pending']]);
  });
});

describe('SentReaders', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'sent-readers-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const everyone = readers(0, 40).map((r) => r.email);
  /** The readers a live SentReaders says have the week, checked against a fresh full read of the ledger. */
  const agreed = async (live: SentReaders, week: string) => {
    const has = [];
    for (const email of everyone) if (await live.has(week, email)) has.push(email);
    expect(has).toEqual([...(await new Ledger(dir, week).sentReaders())].sort());
    return has;
  };

  it('says who has the issue as the ledger grows, as a full read does, and starts over when the file is replaced', async () => {
    const ledger = new Ledger(dir, '2026-W47');
    const live = new SentReaders(dir);
    expect(await agreed(live, '2026-W47')).toEqual([]);
    await ledger.plan([1, 2, 3].map((batch) => ({ batch, key: `k${batch}`, recipients: readers(batch * 10, 3) })));
    await ledger.submitting(1);
    expect(await agreed(live, '2026-W47')).toEqual([]);
    await ledger.sent(1, [{ email: 'r11@example.com', reason: 'invalid address' }]);
    await ledger.failed(2, 'validation_error: bad from', true);
    await appendFile(ledger.file, '{"state":"sent","batch":3,"rej');
    expect(await agreed(live, '2026-W47')).toEqual(['r10@example.com', 'r12@example.com']);
    await ledger.plan([{ batch: 4, key: 'k4', recipients: readers(20, 3) }]);
    await ledger.sent(3);
    await ledger.sent(4);
    expect(await agreed(live, '2026-W47')).toHaveLength(8);
    await unlink(ledger.file);
    await ledger.plan([{ batch: 1, key: 'k1', recipients: readers(0, 1) }]);
    await ledger.sent(1);
    expect(await agreed(live, '2026-W47')).toEqual(['r0@example.com']);
  });

  it('answers for each week, also for weeks it stopped keeping', async () => {
    const live = new SentReaders(dir);
    const weeks = ['2026-W40', '2026-W41', '2026-W42', '2026-W43', '2026-W44', '2026-W45'];
    for (const [i, week] of weeks.entries()) {
      const ledger = new Ledger(dir, week);
      await ledger.plan([{ batch: 1, key: 'k1', recipients: [reader(i)] }]);
      await ledger.sent(1);
    }
    for (const [i, week] of [...weeks, ...weeks].entries()) {
      expect(await live.has(week, reader(i % weeks.length).email)).toBe(true);
      expect(await live.has(week, reader((i + 1) % weeks.length).email)).toBe(false);
    }
  });

  it('stops at an unreadable line, naming the file and line', async () => {
    const ledger = new Ledger(dir, '2026-W47');
    await ledger.plan([{ batch: 1, key: 'k1', recipients: readers(0, 1) }]);
    await appendFile(ledger.file, 'not json\n');
    await expect(new SentReaders(dir).has('2026-W47', 'r0@example.com')).rejects.toThrow(
      `${ledger.file}, line 2 is not a ledger record, so votes from this issue cannot be checked`,
    );
  });
});

describe('Ledger start record', () => {
  let dir: string;
  let ledger: Ledger;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ledger-'));
    ledger = new Ledger(dir, '2026-W47');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const issue: Issue = { week: '2026-W47', timezone: 'UTC', strategy: 'best-match', intro: null, pairingFlags: null, comparisons: [] };
  const at = new Date('2026-11-23T09:00:00Z');

  it('goes first with the first batches, is kept by later plans, and counts as no batch', async () => {
    await ledger.plan([], { at, sha256: 'abc', issue });
    expect(await ledger.exists()).toBe(false);
    await ledger.plan(
      [1, 2].map((batch) => ({ batch, key: `k${batch}`, recipients: readers(batch * 10, 3) })),
      { at, sha256: 'abc', issue },
    );
    await ledger.plan([{ batch: 3, key: 'k3', recipients: readers(30, 1) }]);
    await ledger.submitting(1);
    await ledger.sent(1);
    expect(await ledger.started()).toEqual({ state: 'started', at, sha256: 'abc', issue });
    expect(await ledger.startedAt()).toEqual(at);
    const summary = await ledger.summarize(() => undefined);
    expect([summary.sent, summary.lastBatch, summary.unfinished.map((b) => b.batch)]).toEqual([3, 3, [2, 3]]);
    expect((await ledger.batchStates()).map((b) => [b.batch, b.state])).toEqual([
      [1, 'sent'],
      [2, 'pending'],
      [3, 'pending'],
    ]);
  });

  it('is null for a ledger written before sends recorded their start', async () => {
    await ledger.plan([{ batch: 1, key: 'k1', recipients: readers(10, 1) }]);
    expect(await ledger.exists()).toBe(true);
    expect(await ledger.started()).toBeNull();
  });
});

describe('Ledger.submitting', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'ledger-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('sends a batch again, as before, when its ledger predates the time of each submitting record', async () => {
    const ledger = new Ledger(dir, '2026-W47');
    await ledger.plan([{ batch: 1, key: 'k1', recipients: readers(10, 1) }]);
    await appendFile(ledger.file, '{"state":"submitting","batch":1}\n');
    expect(await new Ledger(dir, '2026-W47').submitting(1)).toEqual({ kind: 'send', stopped: [], replanned: null });
  });
});
