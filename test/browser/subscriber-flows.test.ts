import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/server/serve.ts';
import { LiveSubscribers } from '../../src/subscribers/live.ts';
import { SubscriberStore } from '../../src/subscribers/store.ts';
import { cliEnv, digest, freePort, launchChromium, linkTo, readEml, REPO, tool, workspace, type Workspace } from './support.ts';

const SECRET = 'browser-test-secret-long-enough-to-sign-links';
const ADA = 'ada@example.com';
const BEN = 'ben@example.com';
const SCREENSHOTS = path.join(REPO, 'test-results', 'screenshots');

// Two weeks, each with two Developer Tools and two Design tools, so each issue has one comparison per category.
const CATALOG = [
  tool('alpha', 'Developer Tools', '2026-11-03'),
  tool('bravo', 'Developer Tools', '2026-11-04'),
  tool('charlie', 'Design', '2026-11-05'),
  tool('delta', 'Design', '2026-11-06'),
  tool('echo', 'Developer Tools', '2026-11-10'),
  tool('foxtrot', 'Developer Tools', '2026-11-11'),
  tool('golf', 'Design', '2026-11-12'),
  tool('hotel', 'Design', '2026-11-13'),
];

let browser: Browser;
let page: Page;
let ws: Workspace;
let server: RunningServer;

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  ws = await workspace(CATALOG, [`${ADA},Ada,,active`, `${BEN},Ben,,active`]);
  const port = await freePort();
  const config = resolveConfig(
    { data: ws.data, subscribers: ws.subscribers, state: ws.state },
    { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: `http://localhost:${port}` },
  );
  server = await startServer(config, port);
  page = await browser.newPage({ viewport: { width: 800, height: 900 } });
});

afterEach(async () => {
  await page?.close();
  await server?.close();
  await rm(ws.root, { recursive: true, force: true });
});

/** `digest send --week W` for the workspace, links pointing at the test server. */
async function send(week: string): Promise<string[]> {
  const run = await digest(
    ['send', '--week', week, '--data', ws.data, '--subscribers', ws.subscribers, '--state', ws.state],
    cliEnv(SECRET, server.url),
  );
  expect(run.code, run.stderr).toBe(0);
  return (await readdir(path.join(ws.state, 'outbox', week))).filter((f) => f.endsWith('.eml')).sort();
}

/** Polls until `probe` succeeds; the test's own timeout is the only deadline. */
async function until<T>(probe: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await probe();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const eml = (week: string, email: string) => readEml(path.join(ws.state, 'outbox', week, `${email}.eml`));
const subscriber = async (email: string) =>
  (await new LiveSubscribers(ws.subscribers, new SubscriberStore(ws.state)).current()).list.get(email);
const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe('a reader in Chromium', () => {
  it('unsubscribes with the link from the email, and the next send skips them', async () => {
    expect(await send('2026-W45')).toEqual([`${ADA}.eml`, `${BEN}.eml`]);
    const message = await eml('2026-W45', ADA);
    expect(message.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const link = /^<(.+)>$/.exec(message.headers.get('list-unsubscribe')!)![1]!;
    expect(link.startsWith(`${server.url}/unsubscribe?token=`)).toBe(true);

    await page.goto(link);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe');
    expect((await subscriber(ADA))?.status).toBe('active');
    await shot('unsubscribe-page');

    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await shot('unsubscribe-done');
    expect((await subscriber(ADA))?.status).toBe('unsubscribed');

    expect(await send('2026-W46')).toEqual([`${BEN}.eml`]);
  });

  it('changes categories on the preferences page, and the next send honors them', async () => {
    await send('2026-W45');
    const link = linkTo((await eml('2026-W45', ADA)).body, '/preferences');
    await page.goto(link);
    expect(await page.getByLabel('Design').isChecked()).toBe(true);
    expect(await page.getByLabel('Developer Tools').isChecked()).toBe(true);
    await shot('preferences-page');

    await page.getByLabel('Design').uncheck();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Saved. You get Developer Tools.').waitFor();
    expect(await page.getByLabel('Design').isChecked()).toBe(false);
    await shot('preferences-saved');
    expect((await subscriber(ADA))?.categories).toEqual(['Developer Tools']);

    expect(await send('2026-W46')).toEqual([`${ADA}.eml`, `${BEN}.eml`]);
    const ada = (await eml('2026-W46', ADA)).body;
    expect(ada).toContain('Echo vs Foxtrot');
    expect(ada).not.toContain('Golf');
    expect((await eml('2026-W46', BEN)).body).toContain('Golf vs Hotel');

    await page.getByLabel('Design').check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Saved. You get every category.').waitFor();
    expect((await subscriber(ADA))?.categories).toEqual([]);
  });

  it('signs up on the home page and confirms from the email', async () => {
    await page.goto(`${server.url}/`);
    await page.getByLabel('Email address').fill('Nia@Example.com');
    await page.getByLabel('Name').fill('Nia');
    // Every box comes checked (every category); Nia keeps Design only.
    expect(await page.getByLabel('Design').isChecked()).toBe(true);
    await page.getByLabel('Developer Tools').uncheck();
    await shot('signup-form');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await shot('signup-check-inbox');
    expect(await subscriber('nia@example.com')).toMatchObject({ status: 'pending', name: 'Nia', categories: ['Design'] });

    // The email goes out after the answer: wait for it to land in the outbox.
    const confirmation = await until(() => readEml(path.join(ws.state, 'outbox', 'confirmations', 'nia@example.com.eml')));
    await page.goto(linkTo(confirmation.body, '/confirm'));
    await page.getByRole('heading', { name: 'Confirm your subscription' }).waitFor();
    await shot('signup-confirm-page');
    expect((await subscriber('nia@example.com'))?.status).toBe('pending');
    await page.getByRole('button', { name: 'Yes, subscribe me' }).click();
    await page.getByRole('heading', { name: 'You are in' }).waitFor();
    await shot('signup-confirmed');
    expect((await subscriber('nia@example.com'))?.status).toBe('active');

    expect(await send('2026-W46')).toContain('nia@example.com.eml');
    expect((await eml('2026-W46', 'nia@example.com')).body).not.toContain('Echo vs Foxtrot');
  });

  it('reads a sent issue in the archive', async () => {
    await send('2026-W45');
    await page.goto(`${server.url}/issues`);
    await page.getByRole('link', { name: /Week 45/ }).click();
    await page.getByRole('heading', { name: 'Alpha vs Bravo' }).waitFor();
    await shot('archive-issue');
  });
});
