/** What `preview --as` shows a reader is byte for byte what `send` delivers to them. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanup, quickStartFolder, readEml, runCli, sampleWorkspace, spawnCli, stderrLines, traceNoise } from './helpers/cli.ts';

afterAll(cleanup);

it('preview --as a reader writes the very HTML and text that send delivers to them', async () => {
  const { dir, state, flags } = sampleWorkspace(
    ['email,name,categories', 'ada@example.com,Ada <Park> & Co,Design;Writing', 'bo@example.com,,'],
    'digest-preview-',
  );
  const args = ['--week', '2026-W46', ...flags];
  const env = {
    DIGEST_SECRET: 'preview-secret-long-enough-to-sign-the-links',
    DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
    DIGEST_POSTAL_ADDRESS: '1 Main St, Springfield',
  };

  for (const reader of ['ada@example.com', 'bo@example.com']) {
    const preview = await runCli(['preview', ...args, '--as', reader, '--out', path.join(dir, reader)], { env });
    expect(preview.status, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/Nothing found that would hurt delivery\./);
  }
  const send = await runCli(['send', ...args], { env });
  expect(send.status, send.stderr).toBe(0);

  for (const reader of ['ada@example.com', 'bo@example.com']) {
    const html = readFileSync(path.join(dir, reader, `2026-W46-${reader}.html`), 'utf8');
    const text = readFileSync(path.join(dir, reader, `2026-W46-${reader}.txt`), 'utf8');
    const sent = readEml(path.join(state, 'outbox', '2026-W46', `${reader}.eml`));
    expect(sent.html).toBe(html);
    expect(sent.text.replace(/\r\n/g, '\n')).toBe(text);
  }
  // Ada's categories really narrow her issue, so the two readers' messages differ.
  expect(readFileSync(path.join(dir, 'ada@example.com', '2026-W46-ada@example.com.html'), 'utf8')).not.toBe(
    readFileSync(path.join(dir, 'bo@example.com', '2026-W46-bo@example.com.html'), 'utf8'),
  );
});

it("right after the quick start: the default preview names no address, --as without a list says what to do, and the README's --as works", async () => {
  // A checkout as the quick start leaves it: the sample catalog, subscribers/example.csv, no subscribers/subscribers.csv.
  const cwd = quickStartFolder('digest-preview-');
  const week = ['--week', '2026-W46'];

  const every = await spawnCli(['preview', ...week], { cwd });
  expect(every.status, every.stderr).toBe(0);
  expect(every.stdout).toContain('As a reader of every category: 6 of 6 comparisons.');
  expect(every.stdout).not.toMatch(/@/);

  const noList = await spawnCli(['preview', ...week, '--as', 'ada.park@example.com'], { cwd });
  expect(noList.status).toBe(1);
  expect(traceNoise(noList.stderr)).toEqual([]);
  expect(stderrLines(noList)).toEqual([
    '--as ada.park@example.com: there is no subscriber list at subscribers/subscribers.csv; copy subscribers/example.csv there, add readers with `subscribers import FILE`, or pass --subscribers subscribers/example.csv.',
  ]);

  const ada = await spawnCli(['preview', ...week, '--as', 'ada.park@example.com', '--subscribers', 'subscribers/example.csv'], { cwd });
  expect(ada.status, ada.stderr).toBe(0);
  expect(ada.stdout).toContain('As ada.park@example.com: 3 of 6 comparisons.');
  expect(existsSync(path.join(cwd, '.digest', 'preview', '2026-W46-ada.park@example.com.html'))).toBe(true);
});
