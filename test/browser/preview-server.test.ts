/**
 * `npm run dev` shows the live catalog: a tool added to the data folder after the server started appears in the open
 * preview of WeeklyDigest (React Email's hot reload), and the server's own render of the page has it too, even when
 * the change came while no preview was open.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { BACKSTOP_MS } from '../helpers/cli.ts';
import { launchChromium, REPO } from './support.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'digest-dev-'));
let server: ChildProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server!.once('exit', resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on right now; `email dev` moves to the next one if it was taken since, and says so. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first match of `pattern` in what the child printed so far or prints later. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run dev exited (${code}) before printing ${pattern}:\n${seen}`)));
  });
}

/** Whether something can listen on `port` again. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

it(
  'npm run dev shows a tool added to the catalog after it started, open or not, and stops cleanly',
  async () => {
    const data = path.join(dir, 'data');
    cpSync(path.join(REPO, 'data'), data, { recursive: true });

    server = spawn(process.execPath, ['scripts/preview-server.mjs', '--data', data, '--port', String(await freePort())], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running = waitForOutput(server, /Running preview at:\s+(http:\/\/localhost:\d+)/);
    const ready = waitForOutput(server, /Ready in/);
    const [, url] = await running;
    await ready;

    browser = await launchChromium();
    const page = await browser.newPage();
    // The first render bundles the template, which takes long on a busy machine.
    await page.goto(`${url}/preview/WeeklyDigest`, { timeout: BACKSTOP_MS });
    const email = page.frameLocator('iframe').first();
    await email.getByText('This week at a glance').first().waitFor({ state: 'attached', timeout: BACKSTOP_MS });

    // A new tool in the latest week with a name found nowhere else: the same category and date as the latest tool.
    const tools = readdirSync(path.join(data, 'tools')).map((f) => JSON.parse(readFileSync(path.join(data, 'tools', f), 'utf8')));
    const latest = tools.reduce((a, b) => (Date.parse(b.addedAt) > Date.parse(a.addedAt) ? b : a));
    const slug = `quillmark-${process.pid}`;
    const name = `Quillmark ${process.pid}`;
    expect(await page.content()).not.toContain(name);
    writeFileSync(path.join(data, 'tools', `${slug}.json`), JSON.stringify({ ...latest, slug, name }, null, 2));

    await email.getByText(name).first().waitFor({ state: 'attached', timeout: BACKSTOP_MS });
    // The server's render is fresh too: a page opened now shows the tool.
    const html = await (await fetch(`${url}/preview/WeeklyDigest`)).text();
    expect(html).toContain(name);

    // With no preview open, nothing tells React Email its render is stale: a page opened after the change must not lie.
    await page.close();
    const unseen = `Quillmark Unseen ${process.pid}`;
    const refreshed = waitForOutput(server, /now shows the catalog as it is/);
    writeFileSync(
      path.join(data, 'tools', `${slug}-unseen.json`),
      JSON.stringify({ ...latest, slug: `${slug}-unseen`, name: unseen }, null, 2),
    );
    await refreshed;
    expect(await (await fetch(`${url}/preview/WeeklyDigest`)).text()).toContain(unseen);

    const port = Number(new URL(url!).port);
    const exited = new Promise((resolve) => server!.once('exit', (code, signal) => resolve({ code, signal })));
    server.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await portIsFree(port)).toBe(true);
  },
  BACKSTOP_MS * 3,
);
