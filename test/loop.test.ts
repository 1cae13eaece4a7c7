/**
 * The loop back from readers, as a whole program: `send` through the fake Resend, readers vote through a real
 * `serve`, Resend posts signed webhooks about each message, and `stats --json` counts exactly; the archive and
 * the feed show only sent issues, with no personal links.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, signVoteToken } from '../src/subscribers/tokens.ts';
import { startFakeResend, webhookPayload, type FakeResend, type ReceivedEmail } from './fake-resend.ts';
import { cleanup, copyFixture, runCli, tempDir, voteLink, writeCsv } from './helpers/cli.ts';
import { startServe, type ServeProcess } from './helpers/serve.ts';
import { signedPost, WEBHOOK_SECRET } from './helpers/svix.ts';

const WEEK = '2026-W46';
const SECRET = 'a-test-secret-that-signs-links-long-enough';
const READERS = ['ada@example.com', 'ben@example.com', 'cy@example.com', 'dee@example.com'];

let fake: FakeResend;
let serve: ServeProcess;
let data: string;
let state: string;
let common: string[];
let env: Record<string, string | undefined>;

beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: 1000 });
  const dir = tempDir();
  data = copyFixture('mixed', dir);
  state = path.join(dir, 'state');
  const csv = writeCsv(dir, ['email,name,categories,status', ...READERS.map((r, i) => `${r},Reader ${i},,active`)]);
  common = ['--data', data, '--subscribers', csv, '--state', state];
  env = {
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: fake.url,
    DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
    DIGEST_SECRET: SECRET,
    DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
    DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
    RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
    DIGEST_TIMEZONE: 'UTC',
  };
  const sent = await runCli(['send', '--week', WEEK, ...common], { env });
  expect(sent.status, sent.stderr).toBe(0);
  serve = await startServe(common, env);
});

afterAll(async () => {
  await serve?.stop();
  await fake?.close();
  cleanup();
});

const frozen = () =>
  JSON.parse(readFileSync(path.join(state, 'issues', `${WEEK}.json`), 'utf8')) as {
    comparisons: {
      left: { slug: string; name: string; community: { ship: number; skip: number } };
      right: { slug: string; name: string; community: { ship: number; skip: number } } | null;
    }[];
  };
const sides = () => frozen().comparisons.flatMap((c) => [c.left, c.right!].filter(Boolean));
const get = (route: string) => fetch(`${serve.url}${route}`);
const postForm = (route: string, form: Record<string, string>) =>
  fetch(`${serve.url}${route}`, { method: 'POST', body: new URLSearchParams(form) });

/** Votes as a reader does: the tool's link in the email `reader` got (GET), then the page's one button (POST with the form's token). */
async function vote(reader: string, tool: string, choice: 'ship' | 'skip'): Promise<string> {
  const link = voteLink(emailTo(reader).html ?? '', tool, choice);
  // The email links to DIGEST_PUBLIC_URL; its path and query go to the serve under test.
  expect(link.origin).toBe('https://verdicts.example.com');
  const page = await get(`${link.pathname}${link.search}`);
  const text = await page.text();
  expect(page.status).toBe(200);
  expect(text.match(/<button/g)).toHaveLength(1);
  const token = /<form method="post" action="\/vote">\s*<input type="hidden" name="token" value="([^"]+)">/.exec(text)![1]!;
  const done = await postForm('/vote', { token });
  expect(done.status).toBe(200);
  return text;
}

let nextId = 1;
const signed = (payload: unknown, id = `msg_${nextId++}`) => signedPost(JSON.stringify(payload), id);
const hook = (init: RequestInit) => fetch(`${serve.url}/webhooks/resend`, init);
const emailTo = (address: string): ReceivedEmail => fake.deliveredTo(address)[0]!;

describe('the loop back from readers', () => {
  it('tags every message with its issue', () => {
    expect(fake.emails).toHaveLength(READERS.length);
    for (const email of fake.emails) expect(email.tags).toEqual([{ name: 'week', value: WEEK }]);
  });

  it('records votes from the page button, lets a reader change one, refuses a forged token, and stats count exactly', async () => {
    const [first, second] = sides();
    const page = await vote('ada@example.com', first!.name, 'ship');
    expect(page).toContain(`<h1>Ship ${first!.name}?</h1>`);
    await vote('ben@example.com', first!.name, 'skip');
    const changed = await vote('ada@example.com', first!.name, 'skip');
    expect(changed).toContain(`You voted to ship ${first!.name}; this replaces it.`);
    await vote('cy@example.com', second!.name, 'ship');

    // Dee's own link, its signature swapped for one made with another secret.
    const [payload] = voteLink(emailTo('dee@example.com').html ?? '', second!.name, 'skip')
      .searchParams.get('token')!
      .split('.');
    const forged = `${payload}.${signVoteToken('another-secret', { email: 'dee@example.com', week: WEEK, slug: second!.slug, choice: 'skip' }).split('.')[1]}`;
    const refused = await get(`/vote?token=${forged}`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('This link does not work');
    expect((await postForm('/vote', { token: forged })).status).toBe(400);

    // What Resend posts: delivered to three, opened by two (one of them twice), one click, one bounce; a one-click unsubscribe.
    const events: [string, Parameters<typeof webhookPayload>[1]][] = [
      ['ada@example.com', 'email.delivered'],
      ['ben@example.com', 'email.delivered'],
      ['cy@example.com', 'email.delivered'],
      ['ada@example.com', 'email.opened'],
      ['ada@example.com', 'email.opened'],
      ['ben@example.com', 'email.opened'],
      ['ada@example.com', 'email.clicked'],
      ['dee@example.com', 'email.bounced'],
    ];
    for (const [to, type] of events) expect((await hook(signed(webhookPayload(emailTo(to), type)))).status).toBe(200);
    // The same message again, eight times at the same moment: recorded once.
    const again = signed(webhookPayload(emailTo('cy@example.com'), 'email.clicked'), 'msg_same');
    const answers = await Promise.all(Array.from({ length: 8 }, () => hook(again).then((r) => r.text())));
    expect(answers.filter((a) => a === 'Recorded.')).toHaveLength(1);
    expect(
      (await postForm(`/unsubscribe?token=${signToken(SECRET, 'unsubscribe', 'ben@example.com')}`, { 'List-Unsubscribe': 'One-Click' }))
        .status,
    ).toBe(200);

    const log = readFileSync(path.join(state, 'webhooks', 'resend.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    expect(log.filter((e) => e.id === 'msg_same')).toHaveLength(1);

    const stats = await runCli(['stats', '--week', WEEK, '--json', ...common], { env });
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout)).toEqual({
      week: WEEK,
      sent: 4,
      delivered: 3,
      opened: 2,
      clicked: 2,
      bounced: 1,
      complained: 0,
      unsubscribed: 1,
      votes: Object.fromEntries(
        [
          [first!.slug, { ship: 0, skip: 2 }],
          [second!.slug, { ship: 1, skip: 0 }],
        ].sort(),
      ),
    });
    // Without --week, --json is an array of every issue sent, oldest first, each in the same shape ([] before any).
    const every = await runCli(['stats', '--json', ...common], { env });
    expect(JSON.parse(every.stdout)).toEqual([JSON.parse(stats.stdout)]);
    const none = await runCli(['stats', '--json', '--state', tempDir()], { env });
    expect(none.status, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const table = await runCli(['stats', ...common], { env });
    expect(table.stdout).toMatch(new RegExp(`${WEEK}\\s+4\\s+3 75%\\s+2 50%\\s+2 50%\\s+1 25%\\s+0 0%\\s+1 25%\\s+3`));

    // Votes add to the community numbers of the archive and of a later issue comparing the tool again.
    const archive = await (await get(`/issues/${WEEK}`)).text();
    const own = first!.community;
    const withVotes = own.ship + own.skip + 2 === 0 ? 'No community votes yet' : `${own.ship} ship / ${own.skip + 2} skip`;
    expect(archive).toContain(`Community: ${withVotes}`);
    writeFileSync(
      path.join(data, 'tools', 'latecomer.json'),
      JSON.stringify({
        slug: 'latecomer',
        name: 'Latecomer',
        tagline: 'Late',
        category: 'Writing',
        description: 'd',
        url: 'https://latecomer.example',
        addedAt: '2026-11-25',
        pricing: { entry: 'free' },
        panel: [],
      }),
    );
    mkdirSync(path.join(data, 'editions'), { recursive: true });
    const catalogFile = readFileSync(path.join(data, 'tools', `${first!.slug}.json`), 'utf8');
    writeFileSync(path.join(data, 'editions', '2026-W48.json'), JSON.stringify({ spotlight: first!.slug }));
    const later = JSON.parse((await runCli(['build', '--week', '2026-W48', '--json', ...common], { env })).stdout) as {
      comparisons: { left: { slug: string; community: unknown }; right: { slug: string; community: unknown } }[];
    };
    const again2 = later.comparisons.flatMap((c) => [c.left, c.right]).find((s) => s.slug === first!.slug);
    expect(again2?.community).toMatchObject({ ship: own.ship, skip: own.skip + 2 });
    expect(readFileSync(path.join(data, 'tools', `${first!.slug}.json`), 'utf8')).toBe(catalogFile);
  });

  it('serves the archive without greeting or token, only for sent issues, with a feed a real XML parser reads', async () => {
    const response = await get(`/issues/${WEEK}`);
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).not.toMatch(/token=|Hi there|Hi Reader|unsubscribe\?/i);
    expect(page).toContain('<form method="post" action="/subscribe">');
    expect(page).toContain('href="/issues"');
    for (const side of sides()) expect(page).toContain(side.name.replace('&', '&amp;'));

    expect((await runCli(['build', '--week', '2026-W47', ...common], { env })).status).toBe(0);
    expect((await get('/issues/2026-W47')).status).toBe(404);
    const index = await (await get('/issues')).text();
    expect([...index.matchAll(/href="\/issues\/(\d{4}-W\d\d)"/g)].map((m) => m[1])).toEqual([WEEK]);

    const home = await (await get('/')).text();
    expect(home).toMatch(/<link rel="alternate" type="application\/rss\+xml" title="[^"]+" href="\/feed.xml">/);
    const feed = await get('/feed.xml');
    expect(feed.headers.get('content-type')).toMatch(/^application\/rss\+xml/);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(await feed.text(), true) as {
      rss: { channel: { item: { link: string; title: string; description: string } | { link: string }[] } };
    };
    const items = [parsed.rss.channel.item].flat();
    expect(items.map((i) => i.link)).toEqual([`https://verdicts.example.com/issues/${WEEK}`]);
    expect((items[0] as { description: string }).description).toMatch(/ship|toss-up/);
  });
});
