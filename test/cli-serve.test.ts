/**
 * `serve` as an operator starts it: the secret it needs, and signup confirmations that survive a crash.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, runCli, stderrLines, tempDir, traceNoise, writeCsv } from './helpers/cli.ts';

afterAll(cleanup);

describe('serve', { timeout: 60_000 }, () => {
  it('refuses to start without DIGEST_SECRET, in one sentence naming it', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, ['email,name', 'ada@example.com,Ada']);
    const result = await runCli(['serve', '--port', '0', '--subscribers', csv, '--state', path.join(dir, 'state')], { env: { DIGEST_SECRET: undefined } });
    expect(result.status).not.toBe(0);
    expect(result.stdout).not.toContain('Listening');
    expect(traceNoise(result.stdout + result.stderr)).toEqual([]);
    expect(stderrLines(result)).toEqual([expect.stringMatching(/^DIGEST_SECRET is not set; serve needs it/)]);
  });
});
