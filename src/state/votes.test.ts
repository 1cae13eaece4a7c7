import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentCommunity } from '../digest/community.ts';
import type { Vote } from '../subscribers/tokens.ts';
import { VOTE_CHANGES, VoteStore } from './votes.ts';

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
    await expect(new VoteStore(dir).current()).rejects.toThrow(
      `${store.file}, line 4 is not a vote, so the readers' votes cannot be counted`,
    );
  });
});

describe('VoteStore.cast', () => {
  const ada = { email: 'ada@example.com', week: '2026-W46', slug: 'loomcast' } as const;
  const ship: Vote = { ...ada, choice: 'ship' };
  const skip: Vote = { ...ada, choice: 'skip' };
  const minutes = (n: number) => new Date(at.getTime() + n * 60_000);
  const lines = async (store: VoteStore) => (await readFile(store.file, 'utf8')).trim().split('\n').length;

  it(`lets a vote change ${VOTE_CHANGES.changes} times in any ${VOTE_CHANGES.windowMs / 3_600_000} hours, also after a restart; the same vote again records nothing`, async () => {
    const store = new VoteStore(dir);
    expect(await store.cast(ship, minutes(0))).toEqual({ kind: 'recorded' });
    expect(await store.cast(ship, minutes(1))).toEqual({ kind: 'unchanged' });
    for (const [i, vote] of [skip, ship, skip].entries()) expect(await store.cast(vote, minutes(10 + i))).toEqual({ kind: 'recorded' });
    const refused = { kind: 'too-often', standing: 'skip', retryAfterSeconds: VOTE_CHANGES.windowMs / 1000 - 30 * 60 };
    expect(await store.cast(ship, minutes(40))).toEqual(refused);
    expect(await new VoteStore(dir).cast(ship, minutes(40))).toEqual(refused);
    expect(await store.cast(skip, minutes(40))).toEqual({ kind: 'unchanged' });
    // The limit is per reader, tool and issue.
    expect(await store.cast({ ...ship, slug: 'threadly' }, minutes(41))).toEqual({ kind: 'recorded' });
    expect(await store.cast({ ...ship, week: '2026-W47' }, minutes(42))).toEqual({ kind: 'recorded' });
    expect(await store.cast({ ...ship, email: 'ben@example.com' }, minutes(43))).toEqual({ kind: 'recorded' });
    expect(await lines(store)).toBe(7);
    // Once the first change is a window old, one more change is allowed, and then not until the second one is.
    const later = VOTE_CHANGES.windowMs / 60_000;
    expect(await new VoteStore(dir).cast(ship, minutes(later + 10))).toEqual({ kind: 'recorded' });
    expect(await store.cast(skip, minutes(later + 10))).toMatchObject({ kind: 'too-often', standing: 'ship', retryAfterSeconds: 60 });
    expect((await store.current()).choiceOf(ada)).toBe('ship');
  });

  it('judges a burst of one reader’s votes one after another, so none slips past the limit', async () => {
    const store = new VoteStore(dir);
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => store.cast(i % 2 ? skip : ship, at)));
    expect(outcomes.filter((o) => o.kind === 'recorded')).toHaveLength(1 + VOTE_CHANGES.changes);
    expect(await lines(store)).toBe(1 + VOTE_CHANGES.changes);
  });
});

describe('currentCommunity', () => {
  it('replaces the votes an issue was built with by the votes as they stand now', () => {
    const issue = { readerVotes: { loomcast: { ship: 1, skip: 0 } } } as never;
    const side = { slug: 'loomcast', community: { ship: 13, skip: 3, percent: 81 } };
    expect(currentCommunity(issue, side, new Map([['loomcast', { ship: 2, skip: 1 }]]))).toEqual({ ship: 14, skip: 4, percent: 78 });
  });
});
