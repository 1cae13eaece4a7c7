/** What `preview --as` shows a reader is byte for byte what `send` delivers to them. */
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanup, readEml, REPO, runCli, tempDir, writeCsv } from './helpers/cli.ts';

afterAll(cleanup);

it('preview --as a reader writes the very HTML and text that send delivers to them', async () => {
  const dir = tempDir('digest-preview-');
  const data = path.join(dir, 'data');
  cpSync(path.join(REPO, 'data'), data, { recursive: true });
  const subscribers = writeCsv(dir, ['email,name,categories', 'ada@example.com,Ada <Park> & Co,Design;Writing', 'bo@example.com,,']);
  const state = path.join(dir, 'state');
  const args = ['--week', '2026-W46', '--data', data, '--subscribers', subscribers, '--state', state];
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
