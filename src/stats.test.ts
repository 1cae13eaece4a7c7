import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueStats } from './stats.ts';
import { openFiles } from './state/open.ts';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'stats-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('issueStats', () => {
  it('stops at a damaged ledger line with a sentence about stats, naming the file and line', async () => {
    const ledger = path.join(dir, 'ledger', '2026-W46.jsonl');
    await mkdir(path.dirname(ledger), { recursive: true });
    await writeFile(
      ledger,
      '{"state":"pending","batch":1,"key":"k","recipients":[]}\nnot json\n{"state":"sent","batch":1,"rejected":[]}\n',
    );
    await expect(issueStats(openFiles(dir), 'UTC')).rejects.toThrow(
      `${ledger}, line 2 is not a ledger record, so stats cannot tell who was sent the issue of 2026-W46; restore the file from a backup or repair that line by hand (see "Damaged state" in README.md).`,
    );
  });
});
