import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig, type Config } from '../config.ts';
import { prepareIssue } from '../pipeline.ts';
import { VoteStore } from '../state/votes.ts';
import { signToken, signVoteToken } from '../subscribers/tokens.ts';
import { createApp } from './app.ts';
import { defaultDeps } from './serve.ts';
import { openFiles } from '../state/open.ts';
import type { State } from '../state/stores.ts';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const WEEK = '2026-W46';
const now = new Date('2026-11-20T10:00:00Z');

let dir: string;
let config: Config;
let stop: AbortController;
let errors: string[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'damaged-state-'));
  const subscribers = path.join(dir, 'subscribers.csv');
  await writeFile(subscribers, 'email,name,categories,status\nada@example.com,Ada,,active\n');
  config = resolveConfig({ data: 'data', subscribers, state: path.join(dir, 'state') }, { DIGEST_SECRET: SECRET });
  stop = new AbortController();
  errors = [];
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
});

/** The states the test opened, closed before their folder goes: the vote and webhook logs keep their files open. */
const states: State[] = [];
function opened(): State {
  const state = openFiles(config.stateDir, config.subscribersFile);
  states.push(state);
  return state;
}

afterEach(async () => {
  stop.abort();
  vi.restoreAllMocks();
  await Promise.all(states.splice(0).map((state) => state.close()));
  await rm(dir, { recursive: true, force: true });
});

/** Freezes the sample catalog's week and records a sent batch, as a send does; returns a tool of the issue. */
async function sent(week: string): Promise<string> {
  const { issue } = await prepareIssue(config, opened(), { week, now });
  const lines = [
    { state: 'pending', batch: 1, key: `k-${week}`, recipients: [{ email: 'ada@example.com', name: 'Ada', categories: [] }] },
    { state: 'sent', batch: 1, rejected: [] },
  ];
  await mkdir(path.join(config.stateDir, 'ledger'), { recursive: true });
  await writeFile(path.join(config.stateDir, 'ledger', `${week}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return issue.comparisons[0]!.left.slug;
}

const app = async () =>
  createApp(config, {
    ...(await defaultDeps(config, opened())),
    now: () => now,
    signal: stop.signal,
  });

describe('a damaged votes.jsonl', () => {
  it('gets the pages that show or take votes a plain 503, logged once with file and line; every other page works on', async () => {
    const slug = await sent(WEEK);
    const votes = new VoteStore(config.stateDir);
    await votes.record({ email: 'ada@example.com', week: WEEK, slug, choice: 'ship' }, now);
    await votes.close();
    await writeFile(votes.file, `${await readFile(votes.file, 'utf8')}not a vote\n`);
    const server = await app();
    const voteToken = signVoteToken(SECRET, { email: 'ada@example.com', week: WEEK, slug, choice: 'skip' });
    const vote = () => server.request('/vote', { method: 'POST', body: new URLSearchParams({ token: voteToken }) });

    for (const response of [await server.request(`/issues/${WEEK}`), await server.request(`/vote?token=${voteToken}`), await vote()]) {
      expect(response.status).toBe(503);
      const page = await response.text();
      expect(page).toContain('Something on our side needs fixing.');
      expect(page).not.toContain('votes.jsonl');
    }
    expect(errors).toEqual([
      `${votes.file}, line 2 is not a vote, so serve answers the archive's issue pages and the vote links with an error page until it is fixed; fix or delete that line (see "Damaged state" in README.md).`,
    ]);
    expect((await readFile(votes.file, 'utf8')).split('\n')).toHaveLength(3);

    const token = (purpose: 'unsubscribe' | 'preferences') => signToken(SECRET, purpose, 'ada@example.com');
    for (const route of [
      '/',
      '/issues',
      '/feed.xml',
      `/unsubscribe?token=${token('unsubscribe')}`,
      `/preferences?token=${token('preferences')}`,
    ]) {
      expect([route, (await server.request(route)).status]).toEqual([route, 200]);
    }
  });
});

describe('a damaged send ledger', () => {
  it('leaves its issue out of the archive, or gets its vote links a 503, said once in the log; the other issues and pages work on', async () => {
    const slug45 = await sent('2026-W45');
    const ledger45 = path.join(config.stateDir, 'ledger', '2026-W45.jsonl');
    await sent(WEEK);
    const ledger = path.join(config.stateDir, 'ledger', `${WEEK}.jsonl`);
    await writeFile(ledger, `not a record\n${await readFile(ledger, 'utf8')}`);
    const server = await app();
    for (const route of ['/', '/issues', '/feed.xml']) {
      const response = await server.request(route);
      expect([route, response.status]).toEqual([route, 200]);
      const page = await response.text();
      expect(page).toContain('/issues/2026-W45');
      expect(page).not.toContain(`/issues/${WEEK}`);
    }
    expect((await server.request(`/issues/${WEEK}`)).status).toBe(404);
    await writeFile(ledger45, `${await readFile(ledger45, 'utf8')}not a record either\n`);
    const voteLink = `/vote?token=${signVoteToken(SECRET, { email: 'ada@example.com', week: '2026-W45', slug: slug45, choice: 'ship' })}`;
    for (const _ of [1, 2]) expect((await server.request(voteLink)).status).toBe(503);
    expect((await server.request('/issues/2026-W45')).status).toBe(200);
    expect(errors).toEqual([
      `${ledger}, line 1 is not a ledger record, so serve cannot tell whether the issue of ${WEEK} went out, and leaves it out of the archive; restore the file from a backup or repair that line by hand (see "Damaged state" in README.md).`,
      `${ledger45}, line 3 is not a ledger record, so votes from this issue cannot be checked; restore the file from a backup or repair that line by hand (see "Damaged state" in README.md).`,
    ]);
  });
});
