import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../src/config.ts';
import { prepareIssue } from '../src/pipeline.ts';
import { startServer, type RunningServer } from '../src/server/serve.ts';
import { LiveSubscribers } from '../src/subscribers/live.ts';
import { SubscriberStore } from '../src/subscribers/store.ts';
import type { BatchOutcome, Transport } from '../src/delivery/transport.ts';
import type { OutgoingEmail } from '../src/mail.ts';
import { signConfirmToken, signToken } from '../src/subscribers/tokens.ts';
import { linkTo, readEml, tool, workspace, type Workspace } from './browser/support.ts';
import { signedPost, WEBHOOK_KEY, WEBHOOK_SECRET } from './helpers/svix.ts';
import { openFiles } from '../src/state/open.ts';

const SECRET = 'test-digest-secret-long-enough-to-sign-links';
const ADA = 'ada@example.com';
const BEN = 'ben@example.com';
const XSS = '<img src=x onerror=alert(1)>';

let ws: Workspace;
let config: Config;
let server: RunningServer;
let clock: Date;

beforeEach(async () => {
  ws = await workspace(
    [
      tool('echo', 'Developer Tools', '2026-11-03'),
      tool('foxtrot', 'Design', '2026-11-04'),
      tool('alpha', 'Developer Tools', '2026-11-10', { tagline: XSS }),
      tool('beta', 'developer tools ', '2026-11-11'),
      tool('gamma', 'Design', '2026-11-12'),
      tool('delta', 'Writing', '2026-11-12'),
    ],
    [`${ADA},Ada,Design,active`, `${BEN},Ben,,active`, 'pat@example.com,Pat,,pending', 'sam@example.com,Sam,,unsubscribed'],
  );
  config = resolveConfig(
    { data: ws.data, subscribers: ws.subscribers, state: ws.state },
    { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: 'https://verdicts.example.com', RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET },
  );
  clock = new Date('2026-11-20T10:00:00Z');
  server = await startServer(config, 0, { now: () => clock });
});

afterEach(async () => {
  await server.close();
  await rm(ws.root, { recursive: true, force: true });
});

const token = (purpose: 'unsubscribe' | 'preferences' | 'confirm', email: string, expiresAt?: Date) =>
  signToken(SECRET, purpose, email, expiresAt);
const get = (route: string) => fetch(`${server.url}${route}`);
const post = (route: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  return fetch(`${server.url}${route}`, { method: 'POST', body, headers });
};
const events = async () =>
  (await readFile(new SubscriberStore(ws.state).file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
const listNow = async () => (await new LiveSubscribers(ws.subscribers, new SubscriberStore(ws.state)).current()).list;
const statusOf = async (email: string) => (await listNow()).get(email)?.status;
/** Polls until `probe` gives something truthy; the test's own timeout is the only deadline. */
async function until<T>(probe: () => Promise<T>): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
/** The outcome of each signup the queue finished, in order. */
const signupOutcomes = async () =>
  (await readFile(path.join(ws.state, 'subscribers', 'signups.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; outcome?: string })
    .filter((l) => l.type === 'done')
    .map((l) => l.outcome);

describe('unsubscribe', () => {
  it('GET shows a page with one button and changes nothing', async () => {
    const response = await get(`/unsubscribe?token=${token('unsubscribe', ADA)}`);
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/<form method="post" action="\/unsubscribe">/);
    expect(page.match(/<button/g)).toHaveLength(1);
    expect(page).toContain(ADA);
    expect(await events()).toEqual([]);
    expect(await statusOf(ADA)).toBe('active');
  });

  it('the RFC 8058 one-click POST to the List-Unsubscribe URL unsubscribes at once', async () => {
    const response = await post(`/unsubscribe?token=${token('unsubscribe', ADA)}`, { 'List-Unsubscribe': 'One-Click' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    expect(await statusOf(ADA)).toBe('unsubscribed');
    expect(await statusOf(BEN)).toBe('active');
    expect(await events()).toMatchObject([{ type: 'unsubscribe', email: ADA, source: 'one-click', at: clock.toISOString() }]);
  });

  it('the button posts the token in the form', async () => {
    const response = await post('/unsubscribe', { token: token('unsubscribe', BEN) });
    expect(response.status).toBe(200);
    expect(await statusOf(BEN)).toBe('unsubscribed');
  });

  it('forged, altered and other-purpose tokens get a plain 4xx page and change nothing', async () => {
    const purposes = ['unsubscribe', 'preferences', 'confirm'] as const;
    const badTokens = (purpose: (typeof purposes)[number], email = ADA) => {
      const [payload, signature] = token(purpose, email).split('.');
      return [
        `${Buffer.from(JSON.stringify({ p: purpose, e: BEN })).toString('base64url')}.${signature}`,
        `${payload}.${signature!.slice(0, -2)}AA`,
        signToken('another-secret', purpose, email),
        ...purposes.filter((p) => p !== purpose).map((p) => token(p, email, new Date('2027-01-01T00:00:00Z'))),
        'nonsense',
        '',
      ];
    };
    for (const bad of badTokens('unsubscribe').map(encodeURIComponent)) {
      const page = await get(`/unsubscribe?token=${bad}`);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('This link does not work');
      expect((await post(`/unsubscribe?token=${bad}`, { 'List-Unsubscribe': 'One-Click' })).status).toBe(400);
    }
    for (const bad of badTokens('preferences')) {
      expect((await get(`/preferences?token=${encodeURIComponent(bad)}`)).status).toBe(400);
      expect((await post('/preferences', { token: bad, categories: 'Design' })).status).toBe(400);
    }
    for (const bad of badTokens('confirm', 'pat@example.com'))
      expect((await get(`/confirm?token=${encodeURIComponent(bad)}`)).status).toBe(400);
    expect(await events()).toEqual([]);
    expect(await statusOf('pat@example.com')).toBe('pending');
  });
});

describe('preferences', () => {
  it('GET shows the catalog categories once each, with the reader’s choice checked, and an unsubscribe button', async () => {
    const page = await (await get(`/preferences?token=${token('preferences', ADA)}`)).text();
    const boxes = [...page.matchAll(/<input type="checkbox" id="(category-\d)" name="categories" value="([^"]+)"( checked)?>/g)];
    expect(boxes.map((b) => [b[2], Boolean(b[3])])).toEqual([
      ['Design', true],
      ['Developer Tools', false],
      ['Writing', false],
    ]);
    for (const box of boxes) expect(page).toContain(`<label for="${box[1]}">`);
    expect(page).toContain('Unsubscribe from every email');
    expect(page).toMatch(/name="token" value="[^"]+"/);
  });

  it('POST saves the choice, and every box checked means every category', async () => {
    const save = await post('/preferences', { token: token('preferences', ADA), categories: ['developer tools', 'Writing'] });
    expect(save.status).toBe(200);
    expect(await save.text()).toContain('Saved. You get Developer Tools, Writing.');
    let list = await listNow();
    expect(list.get(ADA)?.categories).toEqual(['Developer Tools', 'Writing']);

    await post('/preferences', { token: token('preferences', ADA), categories: ['Design', 'Developer Tools', 'Writing'] });
    list = await listNow();
    expect(list.get(ADA)?.categories).toEqual([]);
  });

  it('says what the boxes mean as the signup form does: every box checked is every category, and a new signup starts so', async () => {
    const boxesOf = (page: string) =>
      [...page.matchAll(/<input type="checkbox" id="category-\d" name="categories" value="([^"]+)"( checked)?>/g)].map((b) => [
        b[1],
        Boolean(b[2]),
      ]);
    const hint = /<p class="hint">([^<]*categor[^<]*)<\/p>/;
    const signup = await (await get('/')).text();
    const preferences = await (await get(`/preferences?token=${token('preferences', BEN)}`)).text();
    expect(signup.match(hint)?.[1]).toBe('Every box checked means every category, including new ones.');
    expect(preferences.match(hint)?.[1]).toBe(signup.match(hint)?.[1]);
    const everyBox = [
      ['Design', true],
      ['Developer Tools', true],
      ['Writing', true],
    ];
    expect(boxesOf(signup)).toEqual(everyBox);
    expect(boxesOf(preferences)).toEqual(everyBox);

    // The form as it comes, every box checked, signs up a reader of every category, as the preferences page saves it.
    await post('/subscribe', { email: 'nia@example.com', categories: ['Design', 'Developer Tools', 'Writing'] });
    await until(async () => (await signupOutcomes()).length === 1);
    expect((await listNow()).get('nia@example.com')?.categories).toEqual([]);
  });

  it('POST with no known category saves nothing', async () => {
    const response = await post('/preferences', { token: token('preferences', ADA), categories: 'Astrology' });
    expect(response.status).toBe(400);
    expect(await events()).toEqual([]);
  });
});

describe('subscribe and confirm', () => {
  const confirmations = () => path.join(ws.state, 'outbox', 'confirmations');
  const confirmationLink = async (email: string) => {
    const eml = await until(() => readEml(path.join(confirmations(), `${email}.eml`)));
    return new URL(linkTo(eml.body, '/confirm'));
  };
  const later = (minutes: number) => (clock = new Date(clock.getTime() + minutes * 60 * 1000));
  const confirmWith = (link: URL) => post('/confirm', { token: link.searchParams.get('token')! });

  it('records a pending subscriber and mails a link whose page has one button; only its POST activates', async () => {
    const response = await post('/subscribe', { email: ' New@Example.com ', name: 'Nia', categories: ['Design', 'Nope'] });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Check your inbox');

    const link = await confirmationLink('new@example.com');
    const eml = await readEml(path.join(confirmations(), 'new@example.com.eml'));
    expect(eml.headers.get('subject')).toBe('Confirm your subscription to Weekly AI Tool Verdicts');
    expect(link.href.startsWith('https://verdicts.example.com/confirm?token=')).toBe(true);
    expect(await statusOf('new@example.com')).toBe('pending');
    expect(await events()).toMatchObject([{ type: 'subscribe', email: 'new@example.com', name: 'Nia', categories: ['Design'] }]);

    // What a mail scanner does: HEAD and GET, several times. Nothing changes.
    expect((await fetch(`${server.url}${link.pathname}${link.search}`, { method: 'HEAD' })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const page = await get(link.pathname + link.search);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toMatch(/<form method="post" action="\/confirm">/);
      expect(html.match(/<button/g)).toHaveLength(1);
      expect(html).toContain('new@example.com');
    }
    expect(await statusOf('new@example.com')).toBe('pending');
    expect(await events()).toHaveLength(1);

    const confirm = await confirmWith(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('You are in');
    expect(await statusOf('new@example.com')).toBe('active');
  });

  it('an already active address gets the same page, and no email or event', async () => {
    const known = await post('/subscribe', { email: BEN });
    const unknown = await post('/subscribe', { email: 'someone.new@example.com' });
    expect([known.status, await known.text()]).toEqual([unknown.status, await unknown.text()]);
    expect(await until(async () => ((await signupOutcomes()).length === 2 ? signupOutcomes() : null))).toEqual(['already active', 'sent']);
    expect(await readdir(confirmations())).toEqual(['someone.new@example.com.eml']);
    expect(await events()).toMatchObject([{ type: 'subscribe', email: 'someone.new@example.com' }]);
  });

  it('rejects a confirmation token after 7 days', async () => {
    await post('/subscribe', { email: 'late@example.com' });
    const link = await confirmationLink('late@example.com');
    clock = new Date(clock.getTime() + 7 * 24 * 3600 * 1000 + 1000);
    expect((await get(link.pathname + link.search)).status).toBe(400);
    expect((await confirmWith(link)).status).toBe(400);
    expect(await statusOf('late@example.com')).toBe('pending');
  });

  it('a confirmation link for someone who never subscribed activates nobody', async () => {
    const stranger = signConfirmToken(SECRET, 'stranger@example.com', clock, new Date('2026-12-01T00:00:00Z'));
    expect((await get(`/confirm?token=${stranger}`)).status).toBe(400);
    expect((await post('/confirm', { token: stranger })).status).toBe(400);
    expect(await events()).toEqual([]);
  });

  it('a link replayed after the reader unsubscribed (or bounced) is worthless; a new signup brings them back', async () => {
    await post('/subscribe', { email: 'rae@example.com' });
    const first = await confirmationLink('rae@example.com');
    expect((await confirmWith(first)).status).toBe(200);
    later(1);
    await post(`/unsubscribe?token=${token('unsubscribe', 'rae@example.com')}`, { 'List-Unsubscribe': 'One-Click' });
    expect(await statusOf('rae@example.com')).toBe('unsubscribed');

    later(1);
    const replayPage = await get(first.pathname + first.search);
    expect(replayPage.status).toBe(400);
    expect(await replayPage.text()).toContain('This link no longer works');
    expect((await confirmWith(first)).status).toBe(400);
    expect(await statusOf('rae@example.com')).toBe('unsubscribed');

    // A link mailed before a bounce is worthless too, even if it was never used.
    later(11);
    await post('/subscribe', { email: 'rae@example.com' });
    await until(async () => (await signupOutcomes()).length === 2);
    const second = await confirmationLink('rae@example.com');
    later(1);
    await new SubscriberStore(ws.state).record({ type: 'bounce', email: 'rae@example.com', at: clock.toISOString() });
    later(1);
    expect((await confirmWith(second)).status).toBe(400);
    expect(await statusOf('rae@example.com')).toBe('bounced');

    later(11);
    await post('/subscribe', { email: 'rae@example.com' });
    await until(async () => (await signupOutcomes()).length === 3);
    const third = await confirmationLink('rae@example.com');
    expect((await confirmWith(third)).status).toBe(200);
    expect(await statusOf('rae@example.com')).toBe('active');
  });

  it('a completed signup re-activates an address the list file marks unsubscribed', async () => {
    expect(await statusOf('sam@example.com')).toBe('unsubscribed');
    await post('/subscribe', { email: 'sam@example.com', categories: 'Writing' });
    const link = await confirmationLink('sam@example.com');
    expect(await statusOf('sam@example.com')).toBe('unsubscribed');
    const confirm = await confirmWith(link);
    expect(confirm.status).toBe(200);
    expect((await listNow()).get('sam@example.com')).toMatchObject({ status: 'active', categories: ['Writing'] });
  });

  it('rejects an invalid address with the form shown again, escaped', async () => {
    const response = await post('/subscribe', { email: '"><script>x</script>', name: '<b>Eve</b>' });
    const page = await response.text();
    expect(response.status).toBe(400);
    expect(page).toContain('Enter a valid email address');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(page).not.toContain('<b>Eve</b>');
  });

  it('limits confirmations per address and signups per client to a few per 10 minutes (429)', async () => {
    expect((await post('/subscribe', { email: 'one@example.com' })).status).toBe(200);
    const again = await post('/subscribe', { email: 'ONE@example.com' });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const n of [2, 3, 4]) expect((await post('/subscribe', { email: `user${n}@example.com` })).status).toBe(200);
    expect((await post('/subscribe', { email: 'user6@example.com' })).status).toBe(429);
    await until(async () => (await signupOutcomes()).length === 4);
    expect((await readdir(confirmations())).length).toBe(4);

    clock = new Date(clock.getTime() + 11 * 60 * 1000);
    expect((await post('/subscribe', { email: 'one@example.com' })).status).toBe(200);
  });
});

describe('signup with a slow mail provider', () => {
  /** A provider that answers only when the test says so, and says what happened in order. */
  function slowProvider(log: string[]) {
    const answers: ((outcome: BatchOutcome) => void)[] = [];
    const sent: OutgoingEmail[] = [];
    const transport: Transport = {
      description: 'a slow provider',
      parallelism: 1,
      sendBatch: (emails, key) => {
        log.push(`provider called for ${emails.map((e) => e.to).join(',')} (${key})`);
        sent.push(...emails);
        return new Promise((resolve) =>
          answers.push((outcome) => {
            log.push('provider answered');
            resolve(outcome);
          }),
        );
      },
    };
    return { transport, sent, answer: () => answers.shift()!({ kind: 'sent', rejected: [] }), waiting: () => answers.length };
  }

  it('answers a known and a new address alike, before the provider has answered, then mails the new one exactly once', async () => {
    const log: string[] = [];
    const provider = slowProvider(log);
    const slow = await startServer(config, 0, { now: () => clock, transport: provider.transport });
    try {
      const ask = async (email: string) => {
        const response = await fetch(`${slow.url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email }) });
        const page = await response.text();
        log.push(`answered ${email}`);
        return [response.status, page];
      };
      const known = await ask(BEN);
      const fresh = await ask('new@example.com');
      expect(known).toEqual(fresh);
      await until(async () => provider.waiting() === 1);
      expect(log).toEqual([
        `answered ${BEN}`,
        'answered new@example.com',
        expect.stringMatching(/^provider called for new@example\.com \(confirm-/),
      ]);

      provider.answer();
      await until(async () => (await signupOutcomes()).length === 2);
      expect(log.at(-1)).toBe('provider answered');
      expect(provider.sent.map((e) => e.to)).toEqual(['new@example.com']);
      expect(await statusOf('new@example.com')).toBe('pending');
    } finally {
      while (provider.waiting() > 0) provider.answer();
      await slow.close();
    }
  });

  it('a signup whose mail had not gone when the server stopped is mailed once by the next start, under the same key', async () => {
    const log: string[] = [];
    const first = slowProvider(log);
    const crashed = await startServer(config, 0, { now: () => clock, transport: first.transport });
    await fetch(`${crashed.url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email: 'new@example.com' }) });
    await until(async () => first.waiting() === 1);
    await crashed.close();
    first.answer();

    const second = slowProvider(log);
    const restarted = await startServer(config, 0, { now: () => clock, transport: second.transport });
    try {
      await until(async () => second.waiting() === 1);
      second.answer();
      await until(async () => (await signupOutcomes()).length === 1);
      expect(await signupOutcomes()).toEqual(['sent']);
      const keys = log.filter((line) => line.startsWith('provider called')).map((line) => /\((confirm-[^)]+)\)/.exec(line)![1]);
      expect(keys).toHaveLength(2);
      expect(keys[0]).toBe(keys[1]);
      expect(second.sent[0]).toEqual(first.sent[0]);
      expect((await events()).filter((e) => (e as { type: string }).type === 'subscribe')).toHaveLength(1);
    } finally {
      while (second.waiting() > 0) second.answer();
      await restarted.close();
    }
  });
});

describe('abuse', () => {
  it('refuses bodies over 16 KB on forms and 256 KB on webhooks (413), recording nothing', async () => {
    const form = await post('/subscribe', { email: 'big@example.com', name: 'x'.repeat(17 * 1024) });
    expect(form.status).toBe(413);
    const hook = await fetch(`${server.url}/webhooks/resend`, {
      method: 'POST',
      body: 'x'.repeat(300 * 1024),
      headers: { 'content-type': 'application/json' },
    });
    expect(hook.status).toBe(413);
    expect(await events()).toEqual([]);
  });

  it('sends security headers and never redirects', async () => {
    const response = await get(`/unsubscribe?token=${token('unsubscribe', ADA)}`);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.redirected).toBe(false);
    const missing = await get('/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
    const answers = [
      response,
      missing,
      await get('/'),
      await get('/feed.xml'),
      await post('/subscribe', { email: 'big@example.com', name: 'x'.repeat(17 * 1024) }),
      await fetch(`${server.url}/webhooks/resend`, { method: 'POST', body: '{}' }),
      await fetch(`${server.url}/webhooks/resend`, { method: 'POST', body: 'x'.repeat(300 * 1024) }),
    ];
    for (const answer of answers) {
      expect([
        answer.url,
        answer.status,
        ...['content-security-policy', 'x-content-type-options', 'referrer-policy', 'cache-control'].map((h) => answer.headers.get(h)),
      ]).toEqual([answer.url, answer.status, expect.stringContaining("default-src 'none'"), 'nosniff', 'no-referrer', 'no-store']);
    }
  });
});

describe('Resend webhook', () => {
  const signed = (payload: unknown, id = 'msg_1', key = WEBHOOK_KEY) => signedPost(JSON.stringify(payload), id, key);
  const hook = (init: RequestInit) => fetch(`${server.url}/webhooks/resend`, init);
  const bounced = (to: string[]) => ({
    type: 'email.bounced',
    created_at: '2026-11-20T10:00:00Z',
    data: { email_id: 'e1', to, subject: 'x', bounce: { message: 'Mailbox does not exist', type: 'Permanent', subType: 'General' } },
  });

  it('records a bounce for a correctly signed email.bounced, once even when redelivered', async () => {
    const request = signed(bounced([ADA]));
    expect((await hook(request)).status).toBe(200);
    expect(await statusOf(ADA)).toBe('bounced');
    expect((await hook(signed(bounced([ADA])))).status).toBe(200);
    expect(await events()).toMatchObject([{ type: 'bounce', email: ADA, detail: expect.stringContaining('Mailbox does not exist') }]);
  });

  it('records a complaint for every address of email.complained, and ignores other types', async () => {
    expect(await hook(signed({ type: 'email.complained', data: { to: [ADA, BEN] } }, 'msg_2'))).toMatchObject({ status: 200 });
    expect(await statusOf(ADA)).toBe('complained');
    expect(await statusOf(BEN)).toBe('complained');
    expect((await hook(signed({ type: 'email.delivered', data: { to: ['pat@example.com'] } }, 'msg_3'))).status).toBe(200);
    expect(await events()).toHaveLength(2);
  });

  it('refuses a bad or missing signature and records nothing', async () => {
    expect((await hook(signed(bounced([ADA]), 'msg_4', Buffer.from('not the webhook key, 32 bytes!!')))).status).toBe(401);
    const tampered = signed(bounced([ADA]), 'msg_5');
    tampered.body = JSON.stringify(bounced([BEN]));
    expect((await hook(tampered)).status).toBe(401);
    expect((await hook({ method: 'POST', body: JSON.stringify(bounced([ADA])) })).status).toBe(400);
    expect(await events()).toEqual([]);
  });
});

describe('issue archive', () => {
  const freeze = (week: string) => prepareIssue(config, openFiles(config.stateDir, config.subscribersFile), { week, now: clock });
  /** Freezes the issue and records a sent batch, as a send does: only sent issues are public. */
  const send = async (week: string) => {
    await freeze(week);
    await mkdir(path.join(ws.state, 'ledger'), { recursive: true });
    const lines = [
      { state: 'pending', batch: 1, key: `k-${week}`, recipients: [{ email: BEN, name: 'Ben', categories: [] }] },
      { state: 'sent', batch: 1, rejected: [] },
    ];
    await writeFile(path.join(ws.state, 'ledger', `${week}.jsonl`), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  };

  it('renders a sent issue for the web, with no greeting and no personal links, escaping its text', async () => {
    await send('2026-W46');
    const response = await get('/issues/2026-W46');
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).toMatch(/<html[^>]* lang="en"/);
    expect(page).toContain('Alpha vs Beta');
    expect(page).toContain('Delta');
    expect(page).toContain('Gamma');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('token=');
    expect(page).not.toContain('Hi ');
    expect(page).toContain('href="/issues"');
    expect(page).toContain('<form method="post" action="/subscribe">');
  });

  it('keeps a built issue that was never sent private', async () => {
    await freeze('2026-W46');
    expect((await get('/issues/2026-W46')).status).toBe(404);
    expect(await (await get('/issues')).text()).not.toContain('2026-W46');
    await send('2026-W46');
    expect((await get('/issues/2026-W46')).status).toBe(200);
  });

  it('links each issue to the previous and the next one', async () => {
    for (const week of ['2026-W45', '2026-W46']) await send(week);
    const older = await (await get('/issues/2026-W45')).text();
    expect(older).toMatch(/<a href="\/issues\/2026-W46" rel="next">/);
    expect(older).not.toContain('rel="prev"');
    const newer = await (await get('/issues/2026-W46')).text();
    expect(newer).toMatch(/<a href="\/issues\/2026-W45" rel="prev">/);
  });

  it('answers 404 for a missing, empty or malformed week', async () => {
    await send('2026-W47');
    expect((await get('/issues/2026-W40')).status).toBe(404);
    expect((await get('/issues/2026-W47')).status).toBe(404);
    expect((await get('/issues/..%2F..%2Fpackage')).status).toBe(404);
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('lists past issues newest first on /issues and on the home page with the signup form', async () => {
    for (const week of ['2026-W46', '2026-W45', '2026-W47']) await send(week);
    const index = await (await get('/issues')).text();
    expect([...index.matchAll(/href="\/issues\/(\d{4}-W\d\d)"/g)].map((m) => m[1])).toEqual(['2026-W46', '2026-W45']);
    expect(index).toContain('Echo vs Foxtrot');
    expect(index).not.toContain('<img src=x');
    const home = await (await get('/')).text();
    expect(home).toContain('<form method="post" action="/subscribe">');
    expect(home).toContain('<label for="email">');
    expect(home).toContain('href="/issues/2026-W46"');
  });
});
