/**
 * Bad input, as a user makes it: one clear line on stderr naming the file, line, field or flag,
 * a non-zero exit, no stack trace, and nothing sent (no outbox written).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frozenDigest, frozenText } from '../src/state/issues.ts';
import { cleanup, copyFixture, filesUnder, fixture, runCli, stderrLines, tempDir, traceNoise, writeCsv, writeText } from './helpers/cli.ts';

afterAll(cleanup);

const GOOD_CSV = ['email,name,categories,status', 'ana@example.com,Ana,,active', 'ben@example.com,Ben,,'];

interface Case {
  name: string;
  /** Prepares the inputs; returns extra CLI args and env. */
  setup: (dir: string) => { args?: string[]; env?: Record<string, string>; data?: string; subscribers?: string };
  /** Substrings the single error line must contain. */
  mentions: (string | RegExp)[];
}

/** A copy of the `mixed` catalog with pixelforge.json rewritten by `edit`. */
function brokenCatalog(dir: string, edit: (tool: Record<string, unknown>, text: string) => string): string {
  const data = copyFixture('mixed', dir);
  const file = path.join(data, 'tools', 'pixelforge.json');
  const text = readFileSync(file, 'utf8');
  writeText(file, edit(JSON.parse(text) as Record<string, unknown>, text));
  return data;
}

const json = (tool: unknown) => `${JSON.stringify(tool, null, 2)}\n`;

const cases: Case[] = [
  {
    name: 'bad JSON (an unquoted value), with its line number',
    setup: (dir) => ({
      data: brokenCatalog(dir, (_tool, text) => {
        const lines = text.split('\n');
        const at = lines.findIndex((l) => l.includes('"description"'));
        lines[at] = '  "description": oops,';
        return lines.join('\n');
      }),
    }),
    // The description is the 6th line of the file (see test/fixtures/mixed/tools/pixelforge.json).
    mentions: ['pixelforge.json', /line 6\b/],
  },
  {
    name: 'an unknown key',
    setup: (dir) => ({ data: brokenCatalog(dir, (tool) => json({ ...tool, colour: 'red' })) }),
    mentions: ['pixelforge.json', 'colour'],
  },
  {
    name: 'a slug that differs from the file name',
    setup: (dir) => ({ data: brokenCatalog(dir, (tool) => json({ ...tool, slug: 'pixel-forge' })) }),
    mentions: ['pixelforge.json', 'slug'],
  },
  {
    name: 'a javascript: URL',
    setup: (dir) => ({ data: brokenCatalog(dir, (tool) => json({ ...tool, url: 'javascript:alert(1)' })) }),
    mentions: ['pixelforge.json', 'url'],
  },
  {
    name: 'a score of 101',
    setup: (dir) => ({
      data: brokenCatalog(dir, (tool) => {
        const panel = tool.panel as { score: number }[];
        panel[0]!.score = 101;
        return json(tool);
      }),
    }),
    mentions: ['pixelforge.json', 'score'],
  },
  {
    name: 'two takes from one persona',
    setup: (dir) => ({
      data: brokenCatalog(dir, (tool) => {
        const panel = tool.panel as { persona: string }[];
        panel[1]!.persona = panel[0]!.persona;
        return json(tool);
      }),
    }),
    mentions: ['pixelforge.json', /persona|builder/],
  },
  { name: '--week garbage', setup: () => ({ args: ['--week', 'garbage'] }), mentions: ['--week', 'garbage'] },
  { name: '--week that its year does not have', setup: () => ({ args: ['--week', '2025-W53'] }), mentions: ['2025-W53'] },
  { name: '--tz Not/AZone', setup: () => ({ args: ['--tz', 'Not/AZone'] }), mentions: ['Not/AZone'] },
  { name: 'an unknown flag', setup: () => ({ args: ['--frobnicate', 'yes'] }), mentions: ['--frobnicate'] },
  {
    name: 'a subscribers CSV without an email column',
    setup: (dir) => ({ subscribers: writeCsv(dir, ['name,mail,categories', 'Ana,ana@example.com,'], 'noemail.csv') }),
    mentions: ['noemail.csv', 'email'],
  },
  {
    name: 'a DIGEST_SECRET too weak to sign links',
    setup: () => ({ env: { DIGEST_SECRET: 'q7' } }),
    mentions: ['DIGEST_SECRET', 'openssl rand -base64 32'],
  },
  {
    name: 'a missing subscribers file',
    setup: (dir) => ({ subscribers: path.join(dir, 'nowhere', 'subscribers.csv') }),
    mentions: [path.join('nowhere', 'subscribers.csv')],
  },
];

describe('bad input: one clear line, non-zero exit, nothing sent', () => {
  it.concurrent.each(cases)('send with $name', async ({ setup, mentions }) => {
    const dir = tempDir();
    const state = path.join(dir, 'state');
    const prepared = setup(dir);
    const result = await runCli(
      [
        'send',
        '--data',
        prepared.data ?? fixture('mixed'),
        '--subscribers',
        prepared.subscribers ?? writeCsv(dir, GOOD_CSV),
        '--state',
        state,
        ...(prepared.args ?? ['--week', '2026-W46']),
      ],
      { env: prepared.env },
    );

    expect(result.status, result.stdout + result.stderr).not.toBe(0);
    expect(result.status).not.toBeNull();
    const lines = stderrLines(result);
    expect(lines, result.stderr).toHaveLength(1);
    expect(traceNoise(result.stderr)).toEqual([]);
    for (const m of mentions) expect(lines[0]).toMatch(m);
    expect(filesUnder(path.join(state, 'outbox'))).toEqual([]);
    expect(filesUnder(path.join(state, 'ledger'))).toEqual([]);
  });
});

describe('a weak DIGEST_SECRET', () => {
  // A key found offline from one real link forges every reader's links: no command may sign or check with it.
  it.concurrent.each([['serve', '--port', '0'], ['schedule']])('stops %s before it starts', async (...command) => {
    const dir = tempDir();
    const result = await runCli([...command, '--state', path.join(dir, 'state'), '--subscribers', writeCsv(dir, GOOD_CSV)], {
      env: { DIGEST_SECRET: 'q7' },
    });
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(stderrLines(result)).toEqual([expect.stringMatching(/^DIGEST_SECRET is too weak to sign links .*openssl rand -base64 32/)]);
    expect(filesUnder(dir).filter((f) => !f.endsWith('.csv'))).toEqual([]);
  });
});

describe('a folder the program cannot use: one sentence naming it and its flag, no stack, no hang', () => {
  const cases: { name: string; here: boolean; args: (dir: string) => string[]; says: RegExp }[] = [
    {
      name: 'build --state under /sys, where nothing can be created',
      here: existsSync('/sys/kernel'),
      args: () => ['build', '--state', '/sys/kernel/x'],
      says: /^Cannot create the folder \/sys\/kernel\/x, given as --state: (the operation is not permitted \(EPERM\)|permission denied \(EACCES\))\.$/,
    },
    {
      // Node's recursive mkdir retried there for good: /proc/1 exists and a folder in it is never found.
      name: 'build --state under /proc',
      here: existsSync('/proc/1'),
      args: () => ['build', '--state', '/proc/1/x'],
      says: /^Cannot create the folder \/proc\/1\/x, given as --state: no folder can be made there \(ENOENT\)\.$/,
    },
    {
      name: 'preview --out naming a file',
      here: true,
      args: (dir) => ['preview', '--out', writeText(path.join(dir, 'taken'), 'a file')],
      says: /^Cannot create the folder .*taken, given as --out: it is a file, not a folder \(EEXIST\)\.$/,
    },
  ];
  // The /sys and /proc cases need a Linux machine.
  it.concurrent.each(cases.filter((c) => c.here))('$name', async ({ args, says }) => {
    const dir = tempDir();
    const result = await runCli([...args(dir), '--week', '2026-W46', '--data', fixture('mixed'), '--subscribers', writeCsv(dir, GOOD_CSV)]);
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(stderrLines(result)).toEqual([expect.stringMatching(says)]);
  });
});

describe('control characters from files are never printed raw', () => {
  const ESCAPES = '\u001b[2J\u001b]0;PWNED\u0007';
  // ESC, BEL, NUL, C1 controls and the Unicode separators: none may reach the terminal.
  const expectNoControl = (result: { stdout: string; stderr: string }) =>
    expect(result.stdout + result.stderr).not.toMatch(/(?![\n\t])[\p{Cc}\u2028\u2029]/u);

  it.concurrent('a catalog tagline with terminal escapes stops build with the file and field named', async () => {
    const dir = tempDir();
    const data = brokenCatalog(dir, (tool) => json({ ...tool, tagline: `Pixels${ESCAPES}` }));
    const result = await runCli(['build', '--data', data, '--state', path.join(dir, 'state'), '--week', '2026-W46']);
    expect(result.status).toBe(1);
    expect(stderrLines(result)).toEqual([
      `${path.join(data, 'tools', 'pixelforge.json')}: field "tagline" contains a control character (U+001B) at position 7; remove it.`,
    ]);
    expectNoControl(result);
  });

  it.concurrent('a frozen issue or a list that holds them is printed with them escaped, and a subject gets none', async () => {
    const dir = tempDir();
    const state = path.join(dir, 'state');
    const subscribers = writeCsv(dir, ['email,name,categories,status', `ana@example.com,Ana${ESCAPES},,active`]);
    const flags = ['--data', fixture('mixed'), '--subscribers', subscribers, '--state', state, '--week', '2026-W46'];
    expect((await runCli(['send', ...flags])).status).toBe(0);
    // An issue sent before the catalog refused control characters: its ledger keeps it, and its frozen file is put back from there.
    const ledger = path.join(state, 'ledger', '2026-W46.jsonl');
    const [first, ...rest] = readFileSync(ledger, 'utf8').split('\n');
    const start = JSON.parse(first!.replaceAll('"Pixelforge"', JSON.stringify(`Pixelforge${ESCAPES}\u0085`)));
    start.sha256 = frozenDigest(frozenText(start.issue));
    writeText(ledger, [JSON.stringify(start), ...rest].join('\n'));
    rmSync(path.join(state, 'issues', '2026-W46.json'));

    const build = await runCli(['build', ...flags]);
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toContain('Pixelforge\\u001b[2J\\u001b]0;PWNED\\u0007\\u0085');
    expectNoControl(build);

    const preview = await runCli(['preview', ...flags]);
    expect(preview.status, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/^Subject: .*Pixelforge \[2J \]0;PWNED /m);
    expectNoControl(preview);

    const list = await runCli(['subscribers', 'list', '--subscribers', subscribers, '--state', state]);
    expect(list.stdout).toContain('Ana\\u001b[2J\\u001b]0;PWNED\\u0007');
    expectNoControl(list);
  });
});
