import { appendFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/helpers/random.ts';
import type { SubscriberList } from './list.ts';
import type { SubscriberEvent } from './schema.ts';
import { LiveSubscribers } from './live.ts';
import { SubscriberStore } from './store.ts';

const AT = '2026-11-17T09:00:00.000Z';
const snapshot = (list: SubscriberList) => [...list.values()].sort((a, b) => a.email.localeCompare(b.email));

describe('LiveSubscribers', () => {
  let dir: string;
  let csv: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'live-subscribers-'));
    csv = path.join(dir, 'subscribers.csv');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('always equals the list loaded afresh, through random events, torn appends and rewritten files', async () => {
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
      const state = path.join(dir, `state-${seed}`);
      const store = new SubscriberStore(state);
      // Another process writing the same store, as the CLI does while the server runs.
      const elsewhere = new SubscriberStore(state);
      const live = new LiveSubscribers(csv, store, { allowMissingCsv: true });
      const email = () => `r${Math.floor(random() * 12)}@example.com`;
      const writeCsv = () =>
        writeFile(
          csv,
          `${[
            'email,name,categories,status',
            ...Array.from({ length: 8 }, () => `${email()},N,${pick(['', 'Design'])},${pick(['', 'unsubscribed', 'pending'])}`),
          ].join('\n')}\n`,
        );
      await writeCsv();
      for (let step = 0; step < 40; step++) {
        const roll = random();
        if (roll < 0.1) await writeCsv();
        else if (roll < 0.15) await appendFile(store.file, '{"type":"unsubscribe","em');
        else {
          const e = email();
          const event: SubscriberEvent = pick<SubscriberEvent>([
            { type: 'subscribe', email: e, name: 'S', categories: [], at: AT },
            { type: 'confirm', email: e, at: AT },
            { type: 'preferences', email: e, categories: ['Research'], at: AT },
            { type: 'unsubscribe', email: e, at: AT, source: 'link' },
            { type: 'bounce', email: e, at: AT },
            { type: 'add', email: e, name: null, categories: [], status: 'active', at: AT, source: 'cli' },
          ]);
          await pick([store, elsewhere]).record(event);
        }
        // The same files read afresh, as a command does.
        const expected = (await new LiveSubscribers(csv, new SubscriberStore(state), { allowMissingCsv: true }).current()).list;
        expect(snapshot((await live.current()).list), `seed ${seed}, step ${step}`).toEqual(snapshot(expected));
      }
    }
  });

  it('reads only the events recorded since, not the CSV again while it is unchanged', async () => {
    // Whole seconds, so the time can be set back exactly.
    const time = new Date('2026-11-01T00:00:00Z');
    await writeFile(csv, 'email\nana@example.com\n');
    await utimes(csv, time, time);
    const store = new SubscriberStore(path.join(dir, 'state'));
    const live = new LiveSubscribers(csv, store);
    expect((await live.current()).list.has('ana@example.com')).toBe(true);
    // The same file, size and time: nothing tells the server to read it again.
    await writeFile(csv, 'email\nbob@example.com\n');
    await utimes(csv, time, time);
    await store.record({ type: 'unsubscribe', email: 'ana@example.com', at: AT, source: 'link' });
    const { list } = await live.current();
    expect(list.get('ana@example.com')?.status).toBe('unsubscribed');
    expect(list.has('bob@example.com')).toBe(false);
  });
});
