/**
 * `npm start`: the whole job once on the bundled sample catalog and sample subscribers, into the local outbox,
 * then `npm start -- serve`, the pages its messages link to.
 * Run from a temp folder holding copies of data/ and subscribers/example.csv, so the repo's .digest/ is untouched.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressOf,
  type CliResult,
  cleanup,
  emlFilesUnder,
  quickStartFolder,
  readEml,
  REPO,
  spawnCli,
  type SpawnOptions,
  stderrLines,
  traceNoise,
} from './helpers/cli.ts';

afterAll(cleanup);

// What `npm start` runs, from package.json's script (`node src/cli/launch.mjs start`): the sample goes through main.ts like every command.
const [, script, ...startArgs] = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts.start as string).split(' ');
const npmStart = (args: string[], options: SpawnOptions) =>
  spawnCli([...startArgs, ...args], { ...options, script: path.join(REPO, script!) });

describe('npm start', () => {
  const cwd = quickStartFolder();
  const outbox = path.join(cwd, '.digest', 'sample', 'outbox', '2026-W46');
  // What an operator's shell may export for the real list: the sample mails nobody, and signs and links on its own.
  const env = {
    RESEND_API_KEY: 're_should_not_be_used',
    RESEND_BASE_URL: 'http://127.0.0.1:9',
    DIGEST_SECRET: 'the-real-lists-secret-which-the-sample-must-not-use',
    DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
  };
  let result: CliResult;

  beforeAll(async () => {
    result = await npmStart([], { cwd, env });
  });

  it('builds and "sends" the sample catalog\'s latest week into .digest/sample/outbox and says where to look', () => {
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(traceNoise(result.stderr)).toEqual([]);

    const messages = emlFilesUnder(outbox).map(readEml);
    expect(messages.length).toBeGreaterThan(0);
    const to = messages.map((m) => addressOf(m.headers.get('to')));
    expect(new Set(to).size).toBe(to.length);
    // example.csv: Lena unsubscribed, Omar pending.
    expect(to).not.toContain('lena.fischer@example.org');
    expect(to).not.toContain('omar.haddad@example.com');
    expect(to).toContain('sam.ortiz@example.org');
    for (const m of messages) {
      expect(m.headers.get('list-unsubscribe')).toMatch(/^<https?:\/\/[^>\s]+\/unsubscribe\?token=[^>\s]+>$/);
      expect(m.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    }
    expect(result.stdout).toContain(outbox);
    expect(existsSync(path.join(cwd, '.digest', 'sample', 'issues', '2026-W46.json'))).toBe(true);
  });

  it('prints `npm start -- serve`, which answers every link of the sample messages, signed with a key the sample keeps', async () => {
    expect(result.stdout).toContain('`npm start -- serve`');
    const key = path.join(cwd, '.digest', 'sample', 'secret');
    expect(readFileSync(key, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);

    const ada = readEml(path.join(outbox, 'ada.park@example.com.eml'));
    const links = [
      ...[...ada.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&')),
      ...(ada.text.match(/https?:\/\/\S+/g) ?? []),
      ada.headers.get('list-unsubscribe')!.slice(1, -1),
    ].filter((link) => link.startsWith('http://localhost:8787/'));
    const paths = [...new Set(links)].map((link) => {
      const url = new URL(link);
      return `${url.pathname}${url.search}`;
    });
    // View in browser, unsubscribe, preferences and the votes: each kind is there to be checked.
    expect(paths.map((p) => p.replace(/\?.*/, ''))).toEqual(
      expect.arrayContaining(['/issues/2026-W46', '/unsubscribe', '/preferences', '/vote']),
    );

    let child!: ChildProcess;
    const done = npmStart(['serve', '--port', '0'], { cwd, env, onSpawn: (c) => (child = c) });
    const base = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: string) => {
        output += chunk;
        const match = /Listening on (http:\/\/\S+) /.exec(output);
        if (match) resolve(match[1]!);
      });
      void done.then((exit) => reject(new Error(`npm start -- serve exited before listening: ${exit.stderr}`)));
    });

    for (const route of paths) {
      const response = await fetch(`${base}${route}`);
      const page = await response.text();
      expect(response.status, route).toBe(200);
      expect(page, route).not.toMatch(/does not work|Page not found/);
    }
    const vote = new URL(paths.find((p) => p.startsWith('/vote?'))!, base);
    const voted = await fetch(`${base}/vote`, { method: 'POST', body: new URLSearchParams({ token: vote.searchParams.get('token')! }) });
    expect(await voted.text()).toContain('Thanks, your vote counts');
    const archive = await fetch(`${base}/issues`);
    expect(archive.status).toBe(200);
    expect(await archive.text()).toContain('/issues/2026-W46');

    child.kill('SIGTERM');
    expect((await done).status).toBe(0);
  });

  it('says in one sentence what it takes when given anything else', async () => {
    const wrong = await npmStart(['serv'], { cwd, env });
    expect(wrong.status).toBe(2);
    expect(stderrLines(wrong)).toEqual(['npm start takes no arguments, or serve [--host H] [--port N]; got "serv".']);
  });
});
