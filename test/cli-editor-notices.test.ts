/**
 * What an editor is told: an issue frozen by its send says so once and claims no edit applied; a preview as one
 * reader gets its own file, or says why that reader gets nothing; a week without tools points at one with tools.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, copyFixture, runCli, tempDir, writeCsv, writeText } from './helpers/cli.ts';

afterAll(cleanup);

describe('editor notices', () => {
  it('after a send, build and preview say once that the week is frozen and never claim the edition applied', async () => {
    const dir = tempDir();
    const data = copyFixture('mixed', dir);
    const csv = writeCsv(dir, ['email,name,categories,status', 'ada@example.com,Ada,,active', 'gone@example.com,Gone,,unsubscribed']);
    const state = path.join(dir, 'state');
    const args = ['--data', data, '--subscribers', csv, '--state', state, '--week', '2026-W46'];
    expect((await runCli(['send', ...args])).status).toBe(0);
    writeText(path.join(data, 'editions', '2026-W46.json'), '{ "intro": "A note added after the send." }\n');

    const build = await runCli(['build', ...args]);
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout.split('\n')[0]).toMatch(
      /^2026-W46 was sent on .*; it is frozen; your edits apply to no issue\. To rehearse edits, use --state with a scratch folder/,
    );
    expect(build.stdout.match(/frozen/g)!.length).toBeLessThanOrEqual(2);
    expect(build.stdout).not.toMatch(/intro note|From .*editions/);

    const preview = await runCli(['preview', ...args]);
    expect(preview.stdout.split('\n')[0]).toMatch(/^2026-W46 was sent on .*; it is frozen/);
    expect(preview.stdout).not.toMatch(/intro note/);

    const asAda = await runCli(['preview', '--as', 'ada@example.com', ...args]);
    expect(asAda.status, asAda.stderr).toBe(0);
    expect(existsSync(path.join(state, 'preview', '2026-W46-ada@example.com.html'))).toBe(true);
    expect(existsSync(path.join(state, 'preview', '2026-W46.html'))).toBe(true);

    const asGone = await runCli(['preview', '--as', 'gone@example.com', ...args]);
    expect(asGone.status, asGone.stderr).toBe(0);
    expect(asGone.stdout).toMatch(/gone@example\.com: this reader gets no email: unsubscribed\./);
    expect(asGone.stdout).not.toMatch(/of \d+ comparisons/);
  });

  it('without --week, a week with no new tools names the latest week that has some, once', async () => {
    const dir = tempDir();
    const args = [
      '--data',
      copyFixture('mixed', dir),
      '--subscribers',
      writeCsv(dir, ['email', 'a@example.com']),
      '--state',
      path.join(dir, 'state'),
    ];
    const build = await runCli(['build', ...args], { env: { DIGEST_NOW: '2027-03-03T12:00:00Z' } });
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/no new tools/);
    expect(build.stdout.match(/The latest week with new tools in .* is 2026-W47: pass --week 2026-W47\./g)).toHaveLength(1);
  });
});
