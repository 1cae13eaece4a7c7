import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentCommunity } from '../digest/community.ts';
import { VoteStore } from './votes.ts';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'votes-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const at = new Date('2026-11-20T10:00:00Z');

describe('VoteStore', () => {
  it("counts each reader's latest vote per tool, across issues for the community and per issue for stats", async () => {
    const store = new VoteStore(dir);
    await store.record({ email: 'ada@example.com', week: '2026-W46', slug: 'loomcast', choice: 'ship' }, at);
    await store.record({ email: 'ben@example.com', week: '2026-W46', slug: 'loomcast', choice: 'ship' }, at);
    await store.record({ email: 'ada@example.com', week: '2026-W48', slug: 'loomcast', choice: 'skip' }, at);
    const tally = await new VoteStore(dir).current();
    expect(tally.community().get('loomcast')).toEqual({ ship: 1, skip: 1 });
    expect(tally.ofIssue('2026-W46').get('loomcast')).toEqual({ ship: 2, skip: 0 });
    expect(tally.ofIssue('2026-W48').get('loomcast')).toEqual({ ship: 0, skip: 1 });
    // The live store reads only what was appended since.
    const live = await store.current();
    await store.record({ email: 'cy@example.com', week: '2026-W48', slug: 'loomcast', choice: 'skip' }, at);
    expect((await store.current()).community().get('loomcast')).toEqual({ ship: 1, skip: 2 });
    expect(await store.current()).toBe(live);
  });

  it('tolerates a torn line from a crash, and stops with the file and line for any other unreadable line', async () => {
    const store = new VoteStore(dir);
    await store.record({ email: 'ada@example.com', week: '2026-W46', slug: 'loomcast', choice: 'ship' }, at);
    await appendFile(store.file, '{"type":"vote","email":"ben@exa');
    await store.record({ email: 'ben@example.com', week: '2026-W46', slug: 'loomcast', choice: 'skip' }, at);
    expect((await new VoteStore(dir).current()).community().get('loomcast')).toEqual({ ship: 1, skip: 1 });
    await appendFile(
      store.file,
      '{"type":"vote","email":"not an address","week":"2026-W46","slug":"x","choice":"ship","at":"2026-11-20T10:00:00.000Z"}\n',
    );
    await expect(new VoteStore(dir).current()).rejects.toThrow(`${store.file}, line 4 cannot be read`);
  });
});

describe('currentCommunity', () => {
  it('replaces the votes an issue was built with by the votes as they stand now', () => {
    const issue = { readerVotes: { loomcast: { ship: 1, skip: 0 } } } as never;
    const side = { slug: 'loomcast', community: { ship: 13, skip: 3, percent: 81 } };
    expect(currentCommunity(issue, side, new Map([['loomcast', { ship: 2, skip: 1 }]]))).toEqual({ ship: 14, skip: 4, percent: 78 });
  });
});
