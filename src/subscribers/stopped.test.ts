import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { StoppedReaders } from './stopped.ts';
import { SubscriberStore } from './store.ts';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'stopped-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const at = '2026-11-20T10:00:00.000Z';

it('names the readers the events stopped, each address starting active, and reads only the events recorded since', async () => {
  const store = new SubscriberStore(dir);
  const stopped = new StoppedReaders(store);
  await store.record(
    { type: 'unsubscribe', email: 'ana@example.com', at, source: 'unsubscribe page' },
    // A reader of the editor's file who signs up again stays active, as the whole list's fold has it.
    { type: 'subscribe', email: 'bo@example.com', name: null, categories: [], at },
    { type: 'bounce', email: 'cy@example.com', at },
    { type: 'opt-in', email: 'cy@example.com', at, issued: at },
    { type: 'unsubscribe', email: 'di@example.com', at, source: 'unsubscribe page' },
    { type: 'subscribe', email: 'di@example.com', name: null, categories: [], at },
  );
  const emails = ['ana@example.com', 'bo@example.com', 'cy@example.com', 'di@example.com', 'ed@example.com'];
  expect(await stopped.among(emails)).toEqual([
    { email: 'ana@example.com', status: 'unsubscribed' },
    { email: 'di@example.com', status: 'pending' },
  ]);
  await store.record({ type: 'complaint', email: 'ed@example.com', at }, { type: 'confirm', email: 'di@example.com', at });
  expect(await stopped.among(emails)).toEqual([
    { email: 'ana@example.com', status: 'unsubscribed' },
    { email: 'ed@example.com', status: 'complained' },
  ]);
});
