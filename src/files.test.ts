import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppendedLines,
  appendLinesDurably,
  LineAppender,
  makeFolder,
  parseJsonLine,
  parseJsonLineStrictly,
  readLines,
  readTextIfExists,
  TORN_MARK,
  writeFileDurably,
} from './files.ts';

/** The values of a JSON-lines file, as the program's readers see them: blank and torn lines skipped. */
async function readJsonLines(file: string): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const { line } of readLines(file)) {
    const value = parseJsonLine(line);
    if (value !== undefined) values.push(value);
  }
  return values;
}

let dir: string;
let counter = 0;
const fresh = (name: string) => path.join(dir, `${++counter}`, name);

/** Writes `text` by hand, as a crash mid-append would leave it. */
async function writeRaw(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'files-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeFolder', () => {
  it('creates the folder and its missing parents, private; an existing folder is fine', async () => {
    const folder = fresh('a/b/c');
    await makeFolder(folder);
    await makeFolder(folder);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await stat(path.dirname(folder))).mode & 0o777).toBe(0o700);
  });

  it('fails with EEXIST on a file, and with ENOTDIR under one', async () => {
    const file = fresh('file.txt');
    await writeRaw(file, 'x');
    await expect(makeFolder(file)).rejects.toMatchObject({ code: 'EEXIST', path: file });
    await expect(makeFolder(path.join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node's recursive mkdir spins there for good: /proc/1 exists, and a folder in it is never found.
  it.skipIf(!existsSync('/proc/1'))('fails under /proc, where no folder can be made, instead of retrying for good', async () => {
    await expect(makeFolder('/proc/1/x/y')).rejects.toMatchObject({ code: 'ENOENT', path: '/proc/1/x' });
  });
});

describe('writeFileDurably', () => {
  it('creates the folder and the file', async () => {
    const file = fresh('nested/deeper/issue.json');
    await writeFileDurably(file, '{"week":"2026-W47"}');
    expect(await readFile(file, 'utf8')).toBe('{"week":"2026-W47"}');
  });

  it.each([
    ['a shorter text', 'a much longer original content', 'short'],
    ['a longer text', 'short', 'a much longer replacement content'],
    ['an empty text', 'something', ''],
    ['unicode text', 'old', 'Ünïcødé ✓ 工具'],
  ])('replaces the whole content with %s', async (_, before, after) => {
    const file = fresh('file.txt');
    await writeFileDurably(file, before);
    await writeFileDurably(file, after);
    expect(await readFile(file, 'utf8')).toBe(after);
  });

  it('writes bytes as they are', async () => {
    const file = fresh('bytes.bin');
    await writeFileDurably(file, new Uint8Array([0, 1, 2, 255]));
    expect([...(await readFile(file))]).toEqual([0, 1, 2, 255]);
  });

  it('leaves no temporary file behind', async () => {
    const file = fresh('clean.txt');
    await writeFileDurably(file, 'one');
    await writeFileDurably(file, 'two');
    expect(await readdir(path.dirname(file))).toEqual(['clean.txt']);
  });
});

describe('readLines', () => {
  const all = async (file: string, from?: number, linesBefore?: number) => {
    const lines: { line: string; end: number; number: number }[] = [];
    for await (const l of readLines(file, from, linesBefore)) lines.push(l);
    return lines;
  };

  it('gives each complete line with the byte offset past it, across chunks and multi-byte text, and goes on from an offset', async () => {
    const file = fresh('lines.txt');
    const long = 'x'.repeat(200_000);
    await writeRaw(file, `é日\n${long}\n\nlast`);
    const first = await all(file);
    expect(first.map((l) => l.line)).toEqual(['é日', long, '']);
    expect(first.map((l) => l.end)).toEqual([6, 6 + 200_001, 6 + 200_002]);
    expect(first.map((l) => l.number)).toEqual([1, 2, 3]);
    await appendFile(file, ' line\nmore\n');
    expect(await all(file, first.at(-1)!.end, 3)).toEqual([
      { line: 'last line', end: 6 + 200_002 + 10, number: 4 },
      { line: 'more', end: 6 + 200_002 + 15, number: 5 },
    ]);
  });

  it('reads a missing file as no lines', async () => {
    expect(await all(fresh('missing.txt'))).toEqual([]);
  });
});

describe('appendLinesDurably, read back line by line', () => {
  it.each([
    [
      'objects',
      [
        { type: 'unsubscribe', email: 'ana@example.com' },
        { type: 'bounce', email: 'bo@example.com' },
      ],
    ],
    ['scalars and arrays', [1, 'two', [3], null, true]],
    ['text with line breaks inside strings', [{ name: 'Line one\nline two' }]],
  ])('round-trips %s', async (_, values) => {
    const file = fresh('events.jsonl');
    await appendLinesDurably(
      file,
      values.map((v) => JSON.stringify(v)),
    );
    expect(await readJsonLines(file)).toEqual(values);
  });

  it('appends after what is there, in order, one line each', async () => {
    const file = fresh('events.jsonl');
    await appendLinesDurably(file, ['{"n":1}']);
    await appendLinesDurably(file, ['{"n":2}', '{"n":3}']);
    await appendLinesDurably(file, []);
    await appendLinesDurably(file, ['{"n":4}']);
    expect(await readJsonLines(file)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(await readFile(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
  });

  it('appending nothing creates no file', async () => {
    const file = fresh('none.jsonl');
    await appendLinesDurably(file, []);
    expect(await readTextIfExists(file)).toBeNull();
  });

  it('reads a missing file as no lines', async () => {
    expect(await readJsonLines(fresh('missing.jsonl'))).toEqual([]);
  });

  it.each([
    ['a torn last line', '{"n":1}\n{"n":2}\n{"n":', [{ n: 1 }, { n: 2 }]],
    ['a last line whose newline was never written', '{"n":1}\n{"n":2}', [{ n: 1 }]],
    ['a torn line in the middle', '{"n":1}\n{"n":\n{"n":3}\n', [{ n: 1 }, { n: 3 }]],
    ['blank lines', '\n{"n":1}\n\n  \n{"n":2}\n', [{ n: 1 }, { n: 2 }]],
    ['CRLF line ends', '{"n":1}\r\n{"n":2}\r\n', [{ n: 1 }, { n: 2 }]],
  ])('ignores %s', async (_, text, values) => {
    const file = fresh('torn.jsonl');
    await writeRaw(file, text);
    expect(await readJsonLines(file)).toEqual(values);
  });

  it('after a torn last line, closes it as a line marked torn and starts the next append on a new line', async () => {
    const file = fresh('torn.jsonl');
    await writeRaw(file, '{"n":1}\n{"type":"unsub');
    await appendLinesDurably(file, ['{"n":2}', '{"n":3}']);
    expect(await readJsonLines(file)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await readFile(file, 'utf8')).toBe(`{"n":1}\n{"type":"unsub${TORN_MARK}\n{"n":2}\n{"n":3}\n`);
  });

  it('does not add a blank line after a complete last line', async () => {
    const file = fresh('whole.jsonl');
    await writeRaw(file, '{"n":1}\n');
    await appendLinesDurably(file, ['{"n":2}']);
    expect(await readFile(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });
});

describe('LineAppender', () => {
  it('keeps the file open between appends, and opens it again when it was replaced, removed, cut or torn by someone else', async () => {
    const file = fresh('kept.jsonl');
    const appender = new LineAppender(file);
    try {
      await appender.append(['{"n":1}']);
      await appender.append(['{"n":2}']);
      expect(await readFile(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
      // Rotated away: the next line goes to a new file at the name, not after the old one's lines.
      await rename(file, `${file}.1`);
      await appender.append(['{"n":3}']);
      expect([await readFile(`${file}.1`, 'utf8'), await readFile(file, 'utf8')]).toEqual(['{"n":1}\n{"n":2}\n', '{"n":3}\n']);
      await rm(file);
      await appender.append(['{"n":4}']);
      expect(await readFile(file, 'utf8')).toBe('{"n":4}\n');
      // Another writer's append torn by a crash: closed as a marked line, as a first append would.
      await appendFile(file, '{"n":');
      await appender.append(['{"n":5}']);
      expect(await readFile(file, 'utf8')).toBe(`{"n":4}\n{"n":${TORN_MARK}\n{"n":5}\n`);
      await writeFile(file, '{"n":6}\n');
      await appender.append(['{"n":7}']);
      expect(await readFile(file, 'utf8')).toBe('{"n":6}\n{"n":7}\n');
    } finally {
      await appender.close();
    }
  });
});

describe('parseJsonLineStrictly', () => {
  it.each([
    ['a JSON line', '{"n":1}', { value: { n: 1 } }],
    ['a blank line', '  ', undefined],
    ['a torn line a later append closed', `{"type":"unsub${TORN_MARK}`, undefined],
    ['a lone mark, left by two appends that raced', TORN_MARK, undefined],
  ])('reads %s', (_, line, expected) => {
    expect(parseJsonLineStrictly(line)).toEqual(expected);
  });

  it.each(['{"type":"unsub', 'garbage', '\u0000\u0000', '{"n":1} <- torn'])('calls %j damaged, with the reason', (line) => {
    expect(parseJsonLineStrictly(line)).toEqual({ damaged: expect.any(String) });
  });
});

describe('AppendedLines', () => {
  const turn = async (log: AppendedLines, options?: { fromStart?: boolean }) => {
    const { restarted, lines } = await log.next(options);
    const read: string[] = [];
    for await (const { line, number } of lines) read.push(`${number}:${line}`);
    return { restarted, read };
  };

  it('reads only what was appended since the last turn, with line numbers, and nothing of a missing file', async () => {
    const file = fresh('log.jsonl');
    const log = new AppendedLines(file);
    expect(await turn(log)).toEqual({ restarted: false, read: [] });
    await appendLinesDurably(file, ['a', 'b']);
    expect(await turn(log)).toEqual({ restarted: false, read: ['1:a', '2:b'] });
    await appendFile(file, 'c\nhalf');
    expect(await turn(log)).toEqual({ restarted: false, read: ['3:c'] });
    await appendFile(file, ' done\n');
    expect(await turn(log)).toEqual({ restarted: false, read: ['4:half done'] });
    expect(await turn(log)).toEqual({ restarted: false, read: [] });
    expect(await turn(log, { fromStart: true })).toEqual({ restarted: false, read: ['1:a', '2:b', '3:c', '4:half done'] });
  });

  it('starts over, and says so, when the file was cut shorter, replaced or removed', async () => {
    const file = fresh('log.jsonl');
    const log = new AppendedLines(file);
    await writeRaw(file, 'a\nb\n');
    await turn(log);
    await writeRaw(file, 'x\n');
    expect(await turn(log)).toEqual({ restarted: true, read: ['1:x'] });
    // Replaced by a longer file: the size alone would not tell.
    await writeRaw(`${file}.new`, 'p\nq\nr\n');
    await rename(`${file}.new`, file);
    expect(await turn(log)).toEqual({ restarted: true, read: ['1:p', '2:q', '3:r'] });
    await rm(file);
    expect(await turn(log)).toEqual({ restarted: true, read: [] });
    await writeRaw(file, 'new\n');
    expect(await turn(log)).toEqual({ restarted: false, read: ['1:new'] });
  });

  it('goes on next turn from the line its reader stopped at', async () => {
    const file = fresh('log.jsonl');
    const log = new AppendedLines(file);
    await writeRaw(file, 'a\nbad\nc\n');
    const { lines } = await log.next();
    for await (const { line } of lines) if (line === 'bad') break;
    expect(await turn(log)).toEqual({ restarted: false, read: ['2:bad', '3:c'] });
  });
});
