import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLock } from './lock.ts';

describe('withLock', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lock-'));
    file = path.join(dir, 'locks', 'send-2026-W46.lock');
    mkdirSync(path.dirname(file), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds a lock naming this process while the work runs, and leaves nothing behind', async () => {
    const seen = await withLock(dir, 'send-2026-W46', async () => readFileSync(file, 'utf8'));
    expect(seen).toMatch(new RegExp(`^${process.pid} \\S+\\n$`));
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('refuses while a live process holds it', async () => {
    writeFileSync(file, `${process.ppid} other\n`);
    await expect(withLock(dir, 'send-2026-W46', async () => 1, 'send of 2026-W46')).rejects.toThrow(
      `Another send of 2026-W46 is running (process ${process.ppid}`,
    );
    expect(existsSync(file)).toBe(true);
  });

  it('never takes an empty lock file for a dead holder', async () => {
    writeFileSync(file, '');
    await expect(withLock(dir, 'send-2026-W46', async () => 1, 'send of 2026-W46')).rejects.toThrow(/names no process .* delete it/);
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(file, `${dead}\n`);
    expect(await withLock(dir, 'send-2026-W46', async () => readFileSync(file, 'utf8'))).toMatch(new RegExp(`^${process.pid} `));
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });
});
