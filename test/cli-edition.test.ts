/**
 * The edition file as an editor uses it: `build` says what came from it, `preview` and `send` honor it,
 * a hold stops `send` (a test copy still goes), and a broken edition is one sentence naming the file and field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, emlFilesUnder, readEml, runCli, sampleWorkspace, traceNoise, writeText } from './helpers/cli.ts';

afterAll(cleanup);

function workspace(edition: unknown) {
  const { data, state, flags } = sampleWorkspace(['email,name', 'ada@example.com,Ada', 'bo@example.com,Bo'], 'digest-edition-');
  writeText(path.join(data, 'editions', '2026-W46.json'), typeof edition === 'string' ? edition : JSON.stringify(edition));
  return { state, args: ['--week', '2026-W46', ...flags] };
}

describe('the edition file', () => {
  it('shapes the issue that build shows, preview writes and send delivers', async () => {
    const ws = workspace({ intro: 'A note from the editor.', exclude: ['sourcesleuth'], pairs: [['smollm3', 'mistral-8x24b']] });
    const build = await runCli(['build', ...ws.args]);
    expect(build.status).toBe(0);
    expect(build.stdout).toContain('editions/2026-W46.json: the intro note; left out sourcesleuth; fixed smollm3 vs mistral-8x24b.');
    expect(build.stdout).toMatch(/1\. SmolLM3 vs Mistral 8x24B/);
    expect(build.stdout).not.toContain('SourceSleuth');

    const preview = await runCli(['preview', ...ws.args, '--out', path.join(ws.state, 'p')]);
    const html = readFileSync(path.join(ws.state, 'p', '2026-W46.html'), 'utf8');
    expect(preview.status).toBe(0);
    expect(html).toContain('A note from the editor.');

    const send = await runCli(['send', ...ws.args]);
    expect(send.status, send.stderr).toBe(0);
    const emails = emlFilesUnder(path.join(ws.state, 'outbox', '2026-W46')).map(readEml);
    expect(emails).toHaveLength(2);
    for (const email of emails) {
      expect(email.text).toContain('A note from the editor.');
      expect(email.text).toContain('SmolLM3 vs Mistral 8x24B');
      expect(email.text).not.toContain('SourceSleuth');
    }
  });

  it('holds the week: send delivers nothing and says why, a test copy still goes, and lifting the hold sends', async () => {
    const ws = workspace({ hold: 'waiting for a pricing page' });
    const held = await runCli(['send', ...ws.args]);
    expect(held.status).toBe(0);
    expect(held.stdout).toMatch(
      /2026-W46 is held by .*2026-W46\.json \(waiting for a pricing page\): nothing is sent until the hold is lifted\./,
    );
    expect(emlFilesUnder(path.join(ws.state, 'outbox', '2026-W46'))).toEqual([]);

    const test = await runCli(['send', ...ws.args, '--to', 'editor@example.com']);
    expect(test.status).toBe(0);
    expect(emlFilesUnder(path.join(ws.state, 'outbox', '2026-W46', 'test'))).toHaveLength(1);

    writeText(path.join(ws.args[3]!, 'editions', '2026-W46.json'), '{}');
    const lifted = await runCli(['send', ...ws.args]);
    expect(lifted.status, lifted.stderr).toBe(0);
    expect(emlFilesUnder(path.join(ws.state, 'outbox', '2026-W46')).filter((f) => !f.includes('/test/'))).toHaveLength(2);
  });

  it.each([
    [{ exclude: ['no-such-tool'] }, /2026-W46\.json: field "exclude\[0\]" names "no-such-tool", which is not a new tool of this week\./],
    ['{"hold": true,', /2026-W46\.json: invalid JSON at line 1/],
    [{ spotlite: 'smollm3' }, /2026-W46\.json: unknown key "spotlite"\./],
  ])('a broken edition stops build and send with one sentence: %j', async (edition, message) => {
    const ws = workspace(edition);
    for (const command of ['build', 'send']) {
      const result = await runCli([command, ...ws.args]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(traceNoise(result.stderr)).toEqual([]);
    }
    expect(emlFilesUnder(path.join(ws.state, 'outbox'))).toEqual([]);
  });
});
