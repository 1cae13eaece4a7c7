/**
 * `npm start`: the whole job once on the bundled sample catalog and sample subscribers, into the local outbox.
 * Run from a temp folder holding copies of data/ and subscribers/example.csv, so the repo's .digest/ is untouched.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addressOf, cleanup, emlFilesUnder, readEml, REPO, runCli, START, tempDir, traceNoise } from './helpers/cli.ts';

afterAll(cleanup);

describe('npm start', () => {
  it('builds and "sends" the sample catalog\'s latest week into .digest/sample/outbox and says where to look', async () => {
    const cwd = tempDir();
    cpSync(path.join(REPO, 'data'), path.join(cwd, 'data'), { recursive: true });
    cpSync(path.join(REPO, 'subscribers', 'example.csv'), path.join(cwd, 'subscribers', 'example.csv'));

    // Even with a Resend key in the shell, the sample run never mails anyone.
    const result = await runCli([], {
      script: START,
      cwd,
      env: { RESEND_API_KEY: 're_should_not_be_used', RESEND_BASE_URL: 'http://127.0.0.1:9' },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(traceNoise(result.stderr)).toEqual([]);

    const outbox = path.join(cwd, '.digest', 'sample', 'outbox', '2026-W46');
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
});
