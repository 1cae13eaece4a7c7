import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, copyFixture, tempDir, writeCsv } from '../../test/helpers/cli.ts';
import { resolveConfig, type Config } from '../config.ts';
import { Outbox } from '../delivery/outbox.ts';
import { sendWeek } from '../delivery/send-week.ts';
import type { Side } from '../digest/schema.ts';
import { VOTE_CHANGES } from '../state/votes.ts';
import { LiveSubscribers } from '../subscribers/live.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import { signVoteToken, type Vote } from '../subscribers/tokens.ts';
import { createApp } from './app.ts';
import { openFiles } from '../state/open.ts';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const WEEK = '2026-W46';
const [ADA, BEN, CY, DEE] = ['ada@example.com', 'ben@example.com', 'cy@example.com', 'dee@example.com'];

let config: Config;
let tool: Side;
let other: Side;
let clock: Date;

beforeAll(async () => {
  const dir = tempDir('votes-');
  const subscribers = writeCsv(dir, ['email,name,categories,status', `${ADA},Ada,,active`, `${BEN},Ben,,active`, `${DEE},Dee,,pending`]);
  config = resolveConfig(
    { data: copyFixture('mixed', dir), subscribers, state: path.join(dir, 'state') },
    { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: 'https://verdicts.example.com', DIGEST_TIMEZONE: 'UTC' },
  );
  clock = new Date('2026-11-20T10:00:00Z');
  // A real send into the outbox: Ada and Ben get the issue, Dee (pending) does not.
  const sent = await sendWeek(config, openFiles(config.stateDir, config.subscribersFile), { week: WEEK, now: clock });
  if (sent.kind !== 'sent') throw new Error(`the test's send did not go: ${sent.kind}`);
  [tool, other] = sent.prepared.issue.comparisons.flatMap((c) => (c.right ? [c.left, c.right] : [c.left])) as [Side, Side];
  // After the send: Ben leaves, and Cy joins too late for this issue.
  await new SubscriberStore(config.stateDir).record(
    { type: 'unsubscribe', email: BEN, at: clock.toISOString(), source: 'unsubscribe page' },
    { type: 'add', email: CY, name: 'Cy', categories: [], status: 'active', at: clock.toISOString(), source: 'test' },
  );
});

afterAll(cleanup);

/** The app as `serve` runs it, on the test's clock; a new one is a restart. */
function app() {
  const state = openFiles(config.stateDir, config.subscribersFile);
  const subscribers = new LiveSubscribers(config.subscribersFile, state.subscribers);
  return createApp(config, {
    state,
    now: () => clock,
    transport: new Outbox(path.join(config.stateDir, 'outbox', 'confirmations')),
    subscribers,
  });
}
const token = (email: string, choice: Vote['choice'], on = tool) => signVoteToken(SECRET, { email, week: WEEK, slug: on.slug, choice });
const post = (server: ReturnType<typeof app>, email: string, choice: Vote['choice'], on = tool) =>
  server.request('/vote', { method: 'POST', body: new URLSearchParams({ token: token(email, choice, on) }) });
const recorded = async () =>
  (await readFile(path.join(config.stateDir, 'subscribers', 'votes.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { email: string; choice: string });

describe('votes', () => {
  it('count only from readers who were sent the issue and are still active; the others get one plain page and record nothing', async () => {
    const server = app();
    const pages = new Set<string>();
    for (const email of [BEN, CY, DEE, 'zed@example.com']) {
      const shown = await server.request(`/vote?token=${token(email, 'ship')}`);
      const posted = await post(server, email, 'ship');
      expect([shown.status, posted.status], email).toEqual([403, 403]);
      pages.add(await shown.text()).add(await posted.text());
    }
    expect(pages.size).toBe(1);
    expect([...pages][0]).toContain('<h1>Your vote was not counted</h1>');
    expect(await recorded()).toEqual([]);

    expect((await server.request(`/vote?token=${token(ADA, 'ship')}`)).status).toBe(200);
    expect((await post(server, ADA, 'ship')).status).toBe(200);
    expect(await recorded()).toMatchObject([{ email: ADA, choice: 'ship' }]);
  });

  it(`a vote changes at most ${VOTE_CHANGES.changes} times a day: one more is refused (429), also after a restart, and allowed a day later`, async () => {
    const server = app();
    const before = (await recorded()).length;
    for (const choice of ['ship', 'skip', 'ship', 'skip', 'skip'] as const)
      expect((await post(server, ADA, choice, other)).status).toBe(200);
    expect(await recorded()).toHaveLength(before + 1 + VOTE_CHANGES.changes);

    for (const again of [server, app()]) {
      const refused = await post(again, ADA, 'ship', other);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe(String(VOTE_CHANGES.windowMs / 1000));
      expect(await refused.text()).toContain(`Your vote to skip ${other.name} stands`);
    }
    expect(await recorded()).toHaveLength(before + 1 + VOTE_CHANGES.changes);

    clock = new Date(clock.getTime() + VOTE_CHANGES.windowMs);
    expect((await post(server, ADA, 'ship', other)).status).toBe(200);
    expect((await recorded()).at(-1)).toMatchObject({ email: ADA, choice: 'ship' });
  });
});
