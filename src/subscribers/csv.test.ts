import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/helpers/random.ts';
import { SubscribersError } from '../errors.ts';
import { regexes } from 'zod';
import { isProblem, plainAddress, readSubscriberCsv, type RowProblem } from './csv.ts';
import type { ListRow } from './list.ts';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'subscribers-csv-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvFile(text: string): Promise<string> {
  const file = path.join(dir, `list-${++counter}.csv`);
  await writeFile(file, text);
  return file;
}

async function drain(file: string): Promise<(ListRow | RowProblem)[]> {
  const items: (ListRow | RowProblem)[] = [];
  for await (const item of readSubscriberCsv(file)) items.push(item);
  return items;
}

async function read(text: string): Promise<{ file: string; rows: ListRow[]; problems: RowProblem[] }> {
  const file = await csvFile(text);
  const items = await drain(file);
  return { file, rows: items.filter((i): i is ListRow => !isProblem(i)), problems: items.filter(isProblem) };
}

describe('plainAddress', () => {
  it("takes exactly the addresses zod's email pattern takes, among random texts of the characters that matter to it", () => {
    const random = mulberry32(17);
    const part = (chars: string, most: number) =>
      Array.from({ length: Math.floor(random() * (most + 1)) }, () => chars[Math.floor(random() * chars.length)]).join('');
    let taken = 0;
    for (let i = 0; i < 100_000; i++) {
      const at = random() < 0.95 ? '@' : '';
      const dot = random() < 0.95 ? '.' : '';
      const text = `${part("ab.'-_+9Z.é@", 5)}${at}${part('ab.-9Z.-é@', 6)}${dot}${part('abZ9-é', 3)}`;
      const pattern = regexes.email.test(text);
      if (plainAddress(text) !== pattern) expect({ text, plain: plainAddress(text) }).toEqual({ text, plain: pattern });
      if (pattern) taken++;
    }
    expect(taken).toBeGreaterThan(200);
    expect(['ana.smith24@gmail.com', "o'brien+x@mail.example.co.uk", 'a-b_c@x-1.io'].every(plainAddress)).toBe(true);
  });
});

describe('readSubscriberCsv', () => {
  it.each([
    ['lowercase header', 'email,name,categories,status\nana@example.com,Ana,Research,active\n'],
    ['columns in another order', 'status,categories,name,email\nactive,Research,Ana,ana@example.com\n'],
    ['header in any case', 'Name,EMAIL,Categories,STATUS\nAna,ana@example.com,Research,Active\n'],
    ['header with spaces', ' Email , Name ,Categories, Status\nana@example.com,Ana,Research,active\n'],
    ['extra columns ignored', 'id,email,plan,name,created_at,categories,status\n17,ana@example.com,pro,Ana,2024-01-01,Research,active\n'],
    ['a byte-order mark', '\uFEFFemail,name,categories,status\nana@example.com,Ana,Research,active\n'],
    ['CRLF line ends', 'email,name,categories,status\r\nana@example.com,Ana,Research,active\r\n'],
    ['no trailing newline', 'email,name,categories,status\nana@example.com,Ana,Research,active'],
  ])('reads %s', async (_, text) => {
    const { rows, problems } = await read(text);
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ line: 2, email: 'ana@example.com', name: 'Ana', categories: ['Research'], status: 'active' }]);
  });

  it('reads a file with only the email column', async () => {
    const { rows } = await read('email\nana@example.com\n');
    expect(rows).toEqual([{ line: 2, email: 'ana@example.com', name: null, categories: [], status: 'active' }]);
  });

  it.each([
    // email cell, stored address
    ['Ana@Example.COM', 'ana@example.com'],
    ['  ana@example.com  ', 'ana@example.com'],
    ['"  ANA@example.com "', 'ana@example.com'],
  ])('trims and lowercases %j', async (cell, email) => {
    const { rows } = await read(`email\n${cell}\n`);
    expect(rows.map((r) => r.email)).toEqual([email]);
  });

  it.each([
    // status cell, status
    ['', 'active'],
    ['active', 'active'],
    ['Active', 'active'],
    ['pending', 'pending'],
    ['UNSUBSCRIBED', 'unsubscribed'],
    ['bounced', 'bounced'],
    ['complained', 'complained'],
  ])('status %j is %s', async (cell, status) => {
    const { rows } = await read(`email,status\nana@example.com,${cell}\n`);
    expect(rows.map((r) => r.status)).toEqual([status]);
  });

  it.each([
    // categories cell, categories
    ['', []],
    ['Research', ['Research']],
    ['Developer Tools; Research', ['Developer Tools', 'Research']],
    ['"  Design ;Research;; "', ['Design', 'Research']],
  ])('categories %j are %j', async (cell, categories) => {
    const { rows } = await read(`email,categories\nana@example.com,${cell}\n`);
    expect(rows.map((r) => r.categories)).toEqual([categories]);
  });

  it('reads quoted names with commas, quotes and line breaks, and counts lines past them', async () => {
    const { rows, problems } = await read(
      [
        'email,name',
        'ana@example.com,"Doe, Ana"',
        'bo@example.com,"Bo ""The Builder"" Li"',
        'cy@example.com,"Cy',
        'Second Line"',
        'not-an-address,Dee',
        'ed@example.com,Ed',
      ].join('\n'),
    );
    expect(rows.map((r) => [r.email, r.name])).toEqual([
      ['ana@example.com', 'Doe, Ana'],
      ['bo@example.com', 'Bo "The Builder" Li'],
      ['cy@example.com', 'Cy\nSecond Line'],
      ['ed@example.com', 'Ed'],
    ]);
    expect(problems.map((p) => p.line)).toEqual([6]);
    expect(rows.at(-1)!.line).toBe(7);
  });

  it('names the line each row ends on, past empty lines and quoted line breaks, with LF, CRLF or CR line ends', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const random = mulberry32(seed);
      const eol = ['\n', '\r\n', '\r'][seed % 3]!;
      const lines = ['email,name,status'];
      const expected: { email: string; line: number; problem: boolean }[] = [];
      for (let i = 0; i < 60; i++) {
        while (random() < 0.2) lines.push('');
        const broken = random() < 0.3;
        const problem = random() < 0.2;
        const email = problem ? `nobody-${i}` : `r${i}@example.com`;
        lines.push(broken ? `${email},"Name${eol}on${eol}three lines",active` : `${email},Name ${i},${random() < 0.5 ? 'active' : ''}`);
        expected.push({ email, line: lines.join(eol).split(eol).length, problem });
      }
      const { rows, problems } = await read(lines.join(eol) + (random() < 0.5 ? eol : ''));
      expect(rows.map((r) => [r.email, r.line])).toEqual(expected.filter((e) => !e.problem).map((e) => [e.email, e.line]));
      expect(problems.map((p) => p.line)).toEqual(expected.filter((e) => e.problem).map((e) => e.line));
    }
  });

  it('reports each invalid address with its line and goes on with the others', async () => {
    const { file, rows, problems } = await read(
      [
        'name,email',
        'Ana,ana@example.com',
        'Bad,not-an-address',
        'Empty,',
        'Bo,bo@example.com',
        'Spaces,two words@example.com',
        'Cy,cy@example.com',
      ].join('\n'),
    );
    expect(rows.map((r) => r.email)).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com']);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 6]);
    for (const p of problems) {
      expect(p.problem).toContain(file);
      expect(p.problem).toContain(`line ${p.line}`);
    }
    expect(problems[0]!.problem).toContain('not-an-address');
  });

  it('skips empty lines', async () => {
    const { rows } = await read('email\n\nana@example.com\n\n\nbo@example.com\n');
    expect(rows.map((r) => r.email)).toEqual(['ana@example.com', 'bo@example.com']);
  });

  it.each([
    ['rows without an email column', 'name,status\nAna,active\n'],
    ['an "e-mail" column instead', 'e-mail,name\nana@example.com,Ana\n'],
    ['a header-only file without an email column', 'name,status\n'],
  ])('throws a SubscribersError naming the file for %s', async (_, text) => {
    const file = await csvFile(text);
    const error = await drain(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscribersError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('"email"');
  });

  it('throws a SubscribersError naming a missing file', async () => {
    const file = path.join(dir, 'missing.csv');
    const error = await drain(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscribersError);
    expect((error as Error).message).toContain(file);
  });
});
