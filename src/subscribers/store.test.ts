import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineError, SubscribersError } from '../errors.ts';
import { TORN_MARK } from '../files.ts';
import { LiveSubscribers } from './live.ts';
import { SubscriberStore } from './store.ts';

const AT = '2026-11-17T09:00:00.000Z';

describe('the event store, damaged', () => {
  let dir: string;
  let csv: string;
  let store: SubscriberStore;
  const unsubscribe = (email: string) => JSON.stringify({ type: 'unsubscribe', email, at: AT, source: 'link' });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'subscriber-store-'));
    csv = path.join(dir, 'subscribers.csv');
    await writeFile(csv, 'email\nana@example.com\nbob@example.com\ncy@example.com\n');
    store = new SubscriberStore(path.join(dir, 'state'));
    await mkdir(path.dirname(store.file), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const current = () => new LiveSubscribers(csv, store).current();

  it.each([
    ['a line that is no JSON', '{"type":"unsubscribe","email":"bob@exa', 'is not JSON'],
    [
      'a line that is JSON but no event',
      '{"type":"unsubscribe","email":"not an address","at":"2026-11-17T09:00:00.000Z","source":"link"}',
      'is not a subscriber event',
    ],
    ['a line of NUL bytes', '\u0000\u0000', 'is not JSON'],
  ])('stops at %s in the middle, naming the file and line and how to repair it', async (_, damaged, why) => {
    await writeFile(store.file, `${unsubscribe('ana@example.com')}\n${damaged}\n${unsubscribe('cy@example.com')}\n`);
    const error = await current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineError);
    expect((error as Error).message).toBe(
      `${store.file}, line 2 ${why}; fix or delete line 2 (each line is one JSON event), then run again.`,
    );
  });

  it('stops at a damaged last line that has its newline: only a line cut short by a crash is tolerated', async () => {
    await writeFile(store.file, `${unsubscribe('ana@example.com')}\n{"type":\n`);
    await expect(current()).rejects.toThrow(`${store.file}, line 2 is not JSON;`);
  });

  it('tolerates a torn last line, and a later append neither glues onto it nor turns it into damage', async () => {
    await writeFile(store.file, `${unsubscribe('ana@example.com')}\n{"type":"unsubscribe","email":"bo`);
    const live = new LiveSubscribers(csv, store);
    expect((await live.current()).list.get('ana@example.com')?.status).toBe('unsubscribed');
    await store.record({ type: 'unsubscribe', email: 'cy@example.com', at: AT, source: 'link' });
    expect(await readFile(store.file, 'utf8')).toBe(
      `${unsubscribe('ana@example.com')}\n{"type":"unsubscribe","email":"bo${TORN_MARK}\n${unsubscribe('cy@example.com')}\n`,
    );
    for (const { list } of [await live.current(), await current()]) {
      expect([...list.values()].map((s) => s.status)).toEqual(['unsubscribed', 'active', 'unsubscribed']);
    }
  });

  it('a server reading along stops at a damaged line appended later, and goes on once it is repaired', async () => {
    const live = new LiveSubscribers(csv, store);
    await store.record({ type: 'unsubscribe', email: 'ana@example.com', at: AT, source: 'link' });
    expect((await live.current()).list.get('ana@example.com')?.status).toBe('unsubscribed');
    await appendFile(store.file, 'garbage\n');
    await store.record({ type: 'unsubscribe', email: 'bob@example.com', at: AT, source: 'link' });
    await expect(live.current()).rejects.toThrow(`${store.file}, line 2 is not JSON;`);
    await expect(live.current()).rejects.toThrow(`${store.file}, line 2 is not JSON;`);
    await writeFile(store.file, `${unsubscribe('ana@example.com')}\n${unsubscribe('bob@example.com')}\n`);
    const { list } = await live.current();
    expect([...list.values()].map((s) => s.status)).toEqual(['unsubscribed', 'unsubscribed', 'active']);
  });

  it('reports a store or list it cannot read as one sentence naming the file, not as missing', async () => {
    // An event store that is a folder, and a list under a path through a file: not missing, unreadable.
    await mkdir(store.file);
    await expect(current()).rejects.toThrow(
      new SubscribersError(`${store.file} cannot be read (EISDIR: illegal operation on a directory, read).`),
    );
    const throughFile = path.join(csv, 'subscribers.csv');
    const fresh = new SubscriberStore(path.join(dir, 'other-state'));
    await expect(new LiveSubscribers(throughFile, fresh, { allowMissingCsv: true }).current()).rejects.toThrow(
      new SubscribersError(`${throughFile} cannot be read (ENOTDIR: not a directory).`),
    );
  });
});
