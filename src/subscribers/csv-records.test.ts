import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../test/helpers/random.ts';
import { atLine } from '../errors.ts';
import { printable } from '../plain-text.ts';
import { csvRecords, recordLines } from './csv.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'csv-records-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The records and lines csv-parse gives, as the list was read before papaparse, or the sentence it fails with. */
function reference(file: string, text: string): { records: string[][]; lines: number[] } | string {
  try {
    const lineOf = recordLines();
    const read = parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      raw: true,
    }) as unknown as { record: string[]; raw: string }[];
    return { records: read.map((r) => r.record), lines: read.map((r) => lineOf(r.raw)) };
  } catch (error) {
    return `${atLine(file, (error as { lines?: number }).lines)}: ${printable((error as Error).message).replace(/\.$/, '')}.`;
  }
}

async function records(file: string, chunkBytes?: number): Promise<{ records: string[][]; lines: number[] } | string> {
  const all: { records: string[][]; lines: number[] } = { records: [], lines: [] };
  try {
    for await (const chunk of csvRecords(file, chunkBytes)) {
      all.records.push(...chunk.records);
      all.lines.push(...chunk.lines);
    }
    return all;
  } catch (error) {
    return (error as Error).message;
  }
}

const WORDS = ['ana@example.com', 'Björn Økafor', 'Siobhán Yılmaz', 'Design; Writing', 'active', '日本語', 'x', '', 'a b'];

/** A random small CSV: quoting, CRLF or LF, a BOM, empty lines, ragged rows, spaces, unicode, and now and then a mistake. */
function randomCsv(random: () => number, mistakes: boolean): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const eol = pick(['\n', '\r\n', '\r\n', '\r']);
  const field = (): string => {
    let value = pick(WORDS);
    if (random() < 0.15) value = `${value}${pick([',', '"', '\n', '\r\n', ' '])}${pick(WORDS)}`;
    const pad = () => (random() < 0.15 ? pick([' ', '\t', '  ']) : '');
    const mustQuote = /[",\r\n]/.test(value);
    if (mustQuote || random() < 0.3) {
      const q = `"${value.replaceAll('"', '""')}"`;
      // Space outside the quotes is trimmed by csv-parse; a lone quote or a broken one is an error it names.
      if (mistakes && random() < 0.03) return pick([`${q}x`, `x${q}`, value.length > 0 ? `"${value}` : '"', `${q}"`]);
      return random() < 0.2 ? `${pad()}${q}${pad()}` : q;
    }
    return `${pad()}${value}${pad()}`;
  };
  const lines = ['email,name,categories,status'];
  const rows = Math.floor(random() * 12);
  for (let r = 0; r < rows; r++) {
    while (random() < 0.15) lines.push(pick(['', ' ', '\t']));
    const width = random() < 0.3 ? 1 + Math.floor(random() * 6) : 4;
    lines.push(Array.from({ length: width }, field).join(','));
  }
  return (random() < 0.3 ? '\uFEFF' : '') + lines.join(eol) + (random() < 0.5 ? eol : '');
}

describe('csvRecords', () => {
  it.each([
    ['well-formed', false],
    ['with mistakes', true],
  ])('reads random %s CSVs as csv-parse does: the same records, lines and error sentences', async (_, mistakes) => {
    const random = mulberry32(mistakes ? 23 : 7);
    for (let i = 0; i < 300; i++) {
      const text = randomCsv(random, mistakes);
      const file = path.join(dir, `random-${mistakes}-${i}.csv`);
      await writeFile(file, text);
      expect({ text, read: await records(file) }).toEqual({ text, read: reference(file, text) });
    }
  });

  it.each([
    ['well-formed', false],
    ['with mistakes', true],
  ])(
    'reads random %s CSVs cut into chunks of any size as csv-parse does, plain rows from their bytes and the others by papaparse',
    async (_, mistakes) => {
      const random = mulberry32(mistakes ? 29 : 11);
      for (let i = 0; i < 150; i++) {
        const text = randomCsv(random, mistakes);
        const file = path.join(dir, `chunks-${mistakes}-${i}.csv`);
        await writeFile(file, text);
        const chunkBytes = 1 + Math.floor(random() * 24);
        expect({ text, chunkBytes, read: await records(file, chunkBytes) }).toEqual({ text, chunkBytes, read: reference(file, text) });
      }
    },
  );

  it('reads short fields alike in length and in their first, middle and last bytes as they are, and bytes that are not UTF-8 as csv-parse does', async () => {
    const random = mulberry32(3);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const inner = [Buffer.from('x'), Buffer.from('y'), Buffer.from('é'), Buffer.from([0x80]), Buffer.from([0xff]), Buffer.from([0xc3])];
    const field = () => Buffer.concat([Buffer.from('a'), pick(inner), Buffer.from('b'), pick(inner), Buffer.from('c')]);
    const rows = [Buffer.from('email,name,categories,status\n')];
    for (let i = 0; i < 3000; i++)
      rows.push(Buffer.concat([field(), Buffer.from(','), field(), Buffer.from(',,'), field(), Buffer.from('\n')]));
    const bytes = Buffer.concat(rows);
    const file = path.join(dir, 'alike.csv');
    await writeFile(file, bytes);
    expect(await records(file, 1000)).toEqual(reference(file, bytes.toString()));
  });

  it('reads UTF-16 little-endian with its BOM (Excel\'s "Unicode Text"), which csv-parse garbles after a trimmed space', async () => {
    const text = 'email,name\r\nana@example.com, "Doe, Ana"\r\n\r\nbo@example.com, Siobhán Yılmaz\r\n';
    const file = path.join(dir, 'utf-16.csv');
    await writeFile(file, Buffer.from(`\uFEFF${text}`, 'utf16le'));
    expect(await records(file)).toEqual(reference(file, text));
    expect(await records(file)).toEqual({
      records: [
        ['email', 'name'],
        ['ana@example.com', 'Doe, Ana'],
        ['bo@example.com', 'Siobhán Yılmaz'],
      ],
      lines: [1, 2, 4],
    });
  });
});
