import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScheduleStore } from './schedule.ts';

describe('ScheduleStore', () => {
  let dir: string;
  let store: ScheduleStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'schedule-'));
    store = new ScheduleStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('has no record before a scheduler ran, then reads back what it wrote', async () => {
    expect(await store.read()).toBeNull();
    await store.write({ handledUntil: new Date('2026-11-16T14:00:00Z') });
    expect(await store.read()).toEqual({ handledUntil: new Date('2026-11-16T14:00:00Z') });
  });

  it.each([
    ['not JSON', '{"handledUntil": "2026-11', 'is not valid JSON'],
    ['no date', '{"handledUntil": "Monday"}', 'is not a schedule record'],
    ['another shape', '{"lastTick": "2026-11-16T14:00:00Z"}', 'is not a schedule record'],
  ])('a damaged record (%s) is one sentence naming the file and what deleting it does', async (_, text, why) => {
    await writeFile(store.file, text);
    await expect(store.read()).rejects.toThrow(`${store.file} ${why}; delete it, and the scheduler starts as for the first time`);
  });
});
