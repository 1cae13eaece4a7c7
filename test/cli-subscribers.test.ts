/**
 * `subscribers add | unsubscribe | import | list`, and how the next `send` honours them.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressOf, cleanup, emlFilesUnder, fixture, readEml, runCli, tempDir, traceNoise, writeCsv } from './helpers/cli.ts';

afterAll(cleanup);

describe('subscribers commands', () => {
  let dir: string;
  let state: string;
  let common: string[];

  beforeAll(() => {
    dir = tempDir();
    state = path.join(dir, 'state');
    const csv = writeCsv(dir, ['email,name,categories', 'a@example.com,Ann,', 'b@example.com,Bob,']);
    common = ['--subscribers', csv, '--state', state];
  });

  it('add, unsubscribe and import change what list shows; an unsubscribe survives a re-import', async () => {
    const add = await runCli(['subscribers', 'add', 'New@Example.com', '--categories', 'Design', ...common]);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout.toLowerCase()).toContain('new@example.com');

    const unsubscribe = await runCli(['subscribers', 'unsubscribe', 'a@example.com', ...common]);
    expect(unsubscribe.status, unsubscribe.stderr).toBe(0);

    const importFile = writeCsv(dir, [
      'email,status', //              line 1
      'fresh@example.com,', //        line 2: added
      'bad address,', //              line 3: rejected
      'B@Example.com,active', //      line 4: updated
      'A@example.com,active', //      line 5: updated, but stays unsubscribed
    ], 'import.csv');
    const imported = await runCli(['subscribers', 'import', importFile, ...common]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(traceNoise(imported.stdout + imported.stderr)).toEqual([]);
    const report = imported.stdout + imported.stderr;
    expect(report).toMatch(/\b1 added\b/);
    expect(report).toMatch(/\b2 updated\b/);
    expect(report).toMatch(/\b1 rejected\b/);
    expect(report).toMatch(/line 3\b/);
    expect(report).toContain('bad address');

    const list = await runCli(['subscribers', 'list', ...common]);
    expect(list.status, list.stderr).toBe(0);
    const rows = new Map(list.stdout.trim().split('\n').slice(1).map((line) => [line.split(',')[0], line] as const));
    expect([...rows.keys()].sort()).toEqual(['a@example.com', 'b@example.com', 'fresh@example.com', 'new@example.com']);
    expect(rows.get('new@example.com')).toMatch(/Design/);
    expect(rows.get('new@example.com')).toMatch(/active/);
    expect(rows.get('a@example.com')).toMatch(/unsubscribed/);
    expect(rows.get('b@example.com')).toMatch(/,active$/);
    expect(rows.get('fresh@example.com')).toMatch(/,active$/);
  });

  it('the next send skips the unsubscribed reader and mails the added and imported ones', async () => {
    const send = await runCli(['send', '--data', fixture('mixed'), '--week', '2026-W46', ...common]);
    expect(send.status, send.stdout + send.stderr).toBe(0);
    const to = emlFilesUnder(path.join(state, 'outbox', '2026-W46')).map((f) => addressOf(readEml(f).headers.get('to'))).sort();
    expect(to).toEqual(['b@example.com', 'fresh@example.com', 'new@example.com']);
  });
});
