import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/server/serve.ts';
import { VoteStore } from '../../src/state/votes.ts';
import { readEml, voteLink } from '../helpers/cli.ts';
import { cliEnv, digest, freePort, launchChromium, SCREENSHOTS, tool, workspace, type Workspace } from './support.ts';

const SECRET = 'browser-test-secret-long-enough-to-sign-links';
const ADA = 'ada@example.com';
const WEEK = '2026-W46';

let browser: Browser;
let ws: Workspace;
let server: RunningServer;

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  ws = await workspace(
    [
      tool('loomcast', 'Developer Tools', '2026-11-10', { community: { ship: 12, skip: 3 } }),
      tool('threadly', 'Developer Tools', '2026-11-11'),
      tool('pixelpal', 'Design', '2026-11-12'),
      tool('sketchwise', 'Design', '2026-11-13', {
        tagline: 'Turns rough wireframes into tidy, annotated design specs your team can review',
      }),
    ],
    [`${ADA},Ada,,active`],
  );
  const port = await freePort();
  server = await startServer(
    resolveConfig(
      { data: ws.data, subscribers: ws.subscribers, state: ws.state },
      { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: `http://localhost:${port}` },
    ),
    port,
  );
  const run = await digest(
    ['send', '--week', WEEK, '--data', ws.data, '--subscribers', ws.subscribers, '--state', ws.state],
    cliEnv(SECRET, server.url),
  );
  expect(run.code, run.stderr).toBe(0);
  expect(await readdir(path.join(ws.state, 'outbox', WEEK))).toEqual([`${ADA}.eml`]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(ws.root, { recursive: true, force: true });
});

async function pageAt(width: number, scheme: 'light' | 'dark'): Promise<Page> {
  return browser.newPage({ viewport: { width, height: 800 }, colorScheme: scheme });
}

describe('a reader votes from the email in Chromium', () => {
  it('opens the Ship it link, presses the one button, and the vote is recorded and counted on the archive page', async () => {
    const page = await pageAt(375, 'light');
    // The Ship it link of the email Ada got, followed as it is: the send's DIGEST_PUBLIC_URL is the server's.
    const email = readEml(path.join(ws.state, 'outbox', WEEK, `${ADA}.eml`));
    await page.goto(voteLink(email.html, 'Loomcast', 'ship').href);
    expect(await page.locator('h1').textContent()).toBe('Ship Loomcast?');
    expect(await page.locator('button').count()).toBe(1);
    expect((await new VoteStore(ws.state).current()).choiceOf({ email: ADA, week: WEEK, slug: 'loomcast' })).toBeUndefined();
    for (const width of [375, 600]) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({ path: path.join(SCREENSHOTS, `vote-${width}-light.png`), fullPage: true });
    }
    await page.getByRole('button', { name: 'Ship Loomcast' }).click();
    await page.waitForSelector('text=You voted to ship Loomcast.');
    expect(await page.textContent('main')).toContain('Community now: 13 ship / 3 skip (81%)');
    expect((await new VoteStore(ws.state).current()).choiceOf({ email: ADA, week: WEEK, slug: 'loomcast' })).toBe('ship');

    await page.goto(`${server.url}/issues/${WEEK}`);
    expect(await page.textContent('main')).toContain('Community: 13 ship / 3 skip (81%)');
    expect(await page.content()).not.toContain('token=');
    for (const [width, scheme] of [
      [375, 'light'],
      [600, 'light'],
      [375, 'dark'],
    ] as const) {
      const view = await pageAt(width, scheme);
      await view.goto(`${server.url}/issues/${WEEK}`);
      expect(await view.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await view.screenshot({ path: path.join(SCREENSHOTS, `archive-${width}-${scheme}.png`), fullPage: true });
      await view.close();
    }
    await page.close();
  });
});
