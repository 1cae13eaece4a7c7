/**
 * `send` into the local outbox (no RESEND_API_KEY): who gets a message, what it contains and carries,
 * --dry-run, a second run, and --to.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressOf,
  cleanup,
  emlFilesUnder,
  filesUnder,
  fixture,
  readEml,
  runCli,
  tempDir,
  traceNoise,
  writeCsv,
  type CliResult,
  type Eml,
} from './helpers/cli.ts';

afterAll(cleanup);

const WEEK = '2026-W46';
const DESIGN = ['Pixelforge', 'Moodloom'];
const WRITING = ['Quilldraft', 'Prosepilot'];

// Columns in an unusual order, an extra column, quoted fields. Line numbers count the header as line 1.
const CSV = [
  'name,status,email,signup_source,categories', //                       line 1
  'Ana Lima,,ana@example.com,landing,', //                                 line 2: every category
  '"Lima, Ana",active, ANA@Example.COM ,import,Design', //                 line 3: same reader, one copy
  'Broken,,not-an-email,landing,', //                                      line 4: invalid, reported
  'Una,unsubscribed,unsub@example.com,landing,', //                        line 5
  'Bo,bounced,bounce@example.com,landing,', //                             line 6
  'Pen,pending,pend@example.com,landing,', //                              line 7
  'Robo,active,robots@example.com,landing,Robotics', //                    line 8: nothing for them this week
  'Dee,active,designer@example.com,landing,design', //                     line 9: Design only
  'Wri,,writer@example.com,landing,Writing', //                            line 10: Writing only
  'Dup,active,dup-stop@example.com,landing,', //                           line 11
  'Dup,Unsubscribed,Dup-Stop@Example.com,landing,', //                     line 12: a non-active row wins
  'Com,complained,complained@example.com,landing,', //                     line 13
];

describe('send into the local outbox', () => {
  let dir: string;
  let state: string;
  let outbox: string;
  let args: string[];
  let send: CliResult;
  let messages: Eml[];
  const byAddress = (address: string) => messages.find((m) => addressOf(m.headers.get('to')) === address);

  beforeAll(() => {
    dir = tempDir();
    state = path.join(dir, 'state');
    outbox = path.join(state, 'outbox', WEEK);
    args = ['--data', fixture('mixed'), '--subscribers', writeCsv(dir, CSV), '--state', state, '--week', WEEK];
  });

  it('--dry-run reports what would be sent and writes no message', async () => {
    const dry = await runCli(['send', '--dry-run', ...args]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/\b3\b/);
    expect(filesUnder(path.join(state, 'outbox'))).toEqual([]);
  });

  it('--dry-run --verbose lists every skipped reader as address,reason, one a line', async () => {
    const dry = await runCli(['send', '--dry-run', '--verbose', ...args]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would send 3 messages in 1 batch via/);
    const lines = dry.stdout.trim().split('\n');
    const listed = lines.slice(lines.findIndex((l) => l.startsWith('Skipped:')) + 1);
    expect(listed).toEqual([
      'bounce@example.com,bounced',
      'complained@example.com,complained',
      'dup-stop@example.com,unsubscribed',
      'pend@example.com,pending',
      'robots@example.com,no matching categories',
      'unsub@example.com,unsubscribed',
      'line 4,invalid address',
    ]);
    expect(filesUnder(path.join(state, 'outbox'))).toEqual([]);
  });

  it('writes one .eml per reader who should get it, and reports the invalid address with its line', async () => {
    send = await runCli(['send', ...args]);
    expect(send.status, send.stdout + send.stderr).toBe(0);
    expect(traceNoise(send.stderr)).toEqual([]);
    expect(send.stderr).toMatch(/line 4\b/);
    expect(send.stderr).toContain('not-an-email');

    messages = emlFilesUnder(outbox).map(readEml);
    expect(messages.map((m) => addressOf(m.headers.get('to'))).sort()).toEqual([
      'ana@example.com',
      'designer@example.com',
      'writer@example.com',
    ]);
    expect(filesUnder(outbox).filter((f) => !f.endsWith('.eml'))).toEqual([]);
  });

  it('every message carries the one-click unsubscribe headers and a subject without [TEST]', () => {
    for (const m of messages) {
      expect(m.headers.get('list-unsubscribe'), m.file).toMatch(/^<https?:\/\/[^>\s]+\/unsubscribe\?token=[^>\s]+>$/);
      expect(m.headers.get('list-unsubscribe-post'), m.file).toBe('List-Unsubscribe=One-Click');
      expect(m.headers.get('subject'), m.file).toMatch(/ beats |: a toss-up|^New this week: /);
      expect(m.headers.get('subject'), m.file).not.toMatch(/\d{4}-W\d\d/);
      expect(m.headers.get('subject'), m.file).not.toContain('[TEST]');
    }
    const tokens = messages.map((m) => m.headers.get('list-unsubscribe'));
    expect(new Set(tokens).size).toBe(messages.length);
  });

  it('a reader of some categories hears nothing of the other tools; markup stays text', () => {
    const all = byAddress('ana@example.com')!;
    const designer = byAddress('designer@example.com')!;
    const writer = byAddress('writer@example.com')!;
    for (const name of [...DESIGN, ...WRITING]) {
      expect(all.text).toContain(name);
      expect(all.html).toContain(name);
    }
    for (const [reader, mine, others] of [
      [designer, DESIGN, WRITING],
      [writer, WRITING, DESIGN],
    ] as const) {
      const whole = [...reader.headers.values(), reader.text, reader.html].join('\n');
      for (const name of mine) expect(whole).toContain(name);
      for (const name of others) {
        expect(whole, `${reader.file} mentions ${name}`).not.toContain(name);
        expect(whole.toLowerCase(), `${reader.file} mentions ${name}`).not.toContain(name.toLowerCase());
      }
    }
    for (const m of messages) {
      expect(m.html).not.toMatch(/<img[^>]*onerror/i);
      expect(m.html).not.toContain('<img src=x');
    }
  });

  it('a second send says it was already sent, sends nothing and exits 0', async () => {
    const before = filesUnder(outbox).map((f) => [f, statSync(path.join(outbox, f)).mtimeMs, readFileSync(path.join(outbox, f), 'utf8')]);
    const again = await runCli(['send', ...args]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already/i);
    const after = filesUnder(outbox).map((f) => [f, statSync(path.join(outbox, f)).mtimeMs, readFileSync(path.join(outbox, f), 'utf8')]);
    expect(after).toEqual(before);
  });

  it('a week with no new tools sends nothing, says so, and exits 0', async () => {
    const empty = await runCli([
      'send',
      '--data',
      fixture('mixed'),
      '--subscribers',
      path.join(dir, 'subscribers.csv'),
      '--state',
      state,
      '--week',
      '2026-W48',
    ]);
    expect(empty.status, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/no new tools/i);
    expect(filesUnder(path.join(state, 'outbox', '2026-W48'))).toEqual([]);
    // No issue is frozen and no send recorded, so `status` shows no week that is not there.
    expect(existsSync(path.join(state, 'issues', '2026-W48.json'))).toBe(false);
    expect(existsSync(path.join(state, 'ledger', '2026-W48.jsonl'))).toBe(false);
  });

  it('--to an address not on the list sends one [TEST] copy of the every-category issue and says so', async () => {
    const before = new Set(emlFilesUnder(outbox));
    const test = await runCli(['send', ...args, '--to', 'x@example.com']);
    expect(test.status, test.stderr).toBe(0);
    expect(test.stdout).toContain('(x@example.com is not on the list, so it is the issue of a reader of every category).');
    const added = emlFilesUnder(outbox)
      .filter((f) => !before.has(f))
      .map(readEml);
    expect(added).toHaveLength(1);
    expect(addressOf(added[0]!.headers.get('to'))).toBe('x@example.com');
    expect(added[0]!.headers.get('subject')).toMatch(/^\[TEST\]/);
    for (const name of [...DESIGN, ...WRITING]) expect(added[0]!.text).toContain(name);
    // The readers' copies were not touched.
    expect(emlFilesUnder(outbox).filter((f) => before.has(f))).toHaveLength(3);
  });

  it('--to a reader of the list sends them their own issue (categories, greeting, personal links) marked [TEST]', async () => {
    const test = await runCli(['send', ...args, '--to', 'Designer@Example.com']);
    expect(test.status, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/\(their own copy as a reader of the list: \d of \d comparisons\)\.$/m);
    const copy = readEml(path.join(outbox, 'test', 'designer@example.com.eml'));
    const own = byAddress('designer@example.com')!;
    expect(copy.headers.get('subject')).toBe(`[TEST] ${own.headers.get('subject')}`);
    // Each run of the outbox signs with a key of its own: the links' payloads (the reader, the tool) must match, not their signatures.
    const unsigned = (text: string | undefined) => text?.replace(/(token=[\w-]+)\.[\w-]+/g, '$1.SIGNATURE');
    expect(unsigned(copy.headers.get('list-unsubscribe'))).toBe(unsigned(own.headers.get('list-unsubscribe')));
    expect(unsigned(copy.html)).toBe(unsigned(own.html));
    expect(unsigned(copy.text)).toBe(unsigned(own.text));
  });

  it('--to a reader of the list who gets no email this week sends nothing and says why', async () => {
    const before = emlFilesUnder(outbox);
    for (const [address, why] of [
      ['robots@example.com', "none of this week's comparisons is in their categories"],
      ['unsub@example.com', 'unsubscribed'],
    ]) {
      const test = await runCli(['send', ...args, '--to', address!]);
      expect(test.status, test.stderr).toBe(0);
      expect(test.stdout).toContain(`${address} is on the list but gets no email: ${why}; no test copy was sent.`);
    }
    expect(emlFilesUnder(outbox)).toEqual(before);
  });

  it('--to an address that is not one is refused before the issue is built: nothing is frozen', async () => {
    const fresh = path.join(tempDir(), 'state');
    const test = await runCli([
      'send',
      '--data',
      fixture('mixed'),
      '--subscribers',
      path.join(dir, 'subscribers.csv'),
      '--state',
      fresh,
      '--week',
      WEEK,
      '--to',
      'not an email',
    ]);
    expect(test.status).toBe(1);
    expect(test.stdout).toBe('');
    expect(test.stderr.trim()).toBe('--to "not an email" is not a valid email address.');
    expect(filesUnder(fresh)).toEqual([]);
  });
});
