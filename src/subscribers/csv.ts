import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import Papa from 'papaparse';
import { regexes } from 'zod';
import { atLine, SubscribersError } from '../errors.ts';
import { printable, quoted } from '../plain-text.ts';
import { readBytes, type Sink } from './csv-bytes.ts';
import type { ListRow } from './list.ts';
import { Address, parseCategories, SubscriberStatus } from './schema.ts';

/** A row that was skipped, with the sentence saying why. */
export interface RowProblem {
  line: number;
  problem: string;
}

/** The options the list has always been read with, csv-parse's spelling: the reference for every record read. */
const CSV_PARSE = { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true } as const;

/** Line breaks (CRLF, LF or CR) in `text` from `start` to `end`. */
function lineBreaks(text: string, start = 0, end = text.length): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13) {
      count++;
      if (text.charCodeAt(i + 1) === 10 && i + 1 < end) i++;
    }
  }
  return count;
}

/**
 * The line of each record csv-parse hands over with `raw: true`, in order: where the record ends. Counted from
 * the raw text, since csv-parse's own count takes a CRLF inside quotes for two lines, and costs far less than
 * its per-record info object (3x the time, and garbage a large list piles up).
 */
export function recordLines(): (raw: string) => number {
  let linesBefore = 0;
  return (raw) => {
    // Skipped empty lines open the raw text and a line break closes it.
    const line = linesBefore + lineBreaks(raw, 0, raw.length - (/\r\n$/.test(raw) ? 2 : /[\r\n]$/.test(raw) ? 1 : 0)) + 1;
    linesBefore += lineBreaks(raw);
    return line;
  };
}

/** The record delimiter csv-parse would settle on: the first line break outside quotes; null while there is none yet. */
function newlineOf(text: string): '\n' | '\r' | '\r\n' | null {
  let quotes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quotes++;
    else if (quotes % 2 === 0 && c === 10) return '\n';
    else if (quotes % 2 === 0 && c === 13) return i + 1 === text.length ? null : text.charCodeAt(i + 1) === 10 ? '\r\n' : '\r';
  }
  return null;
}

/** One sentence for an error csv-parse or the file system threw reading `file`. */
function readError(file: string, error: unknown): SubscribersError {
  if (error instanceof SubscribersError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new SubscribersError(`${file} does not exist; copy subscribers/example.csv there or pass --subscribers FILE.`);
  const lines = (error as { lines?: number }).lines;
  return new SubscribersError(`${atLine(file, lines)}: ${printable((error as Error).message).replace(/\.$/, '')}.`);
}

/** csvRecords by csv-parse alone, past the first `skip` records: for a file papaparse cannot read as csv-parse does. */
async function* csvParseRecords(file: string, skip: number): AsyncGenerator<{ records: string[][]; lines: number[] }> {
  const parser = parse({ ...CSV_PARSE, raw: true });
  createReadStream(file)
    .on('error', (error) => parser.destroy(error))
    .pipe(parser);
  const lineOf = recordLines();
  let seen = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const line = lineOf(raw);
      if (seen++ >= skip) yield { records: [record], lines: [line] };
    }
  } catch (error) {
    throw readError(file, error);
  }
}

class CsvParseDisagrees extends Error {}

/**
 * A reader of text at a record's start with papaparse, into `sink`; it gives back the text it left for later (a record
 * the text may not hold all of). papaparse reads a third of csv-parse's time; a record it may read otherwise than
 * csv-parse (a quote inside a field, space around a quoted field) is read again by csv-parse from its own text, and a
 * record csv-parse cannot read, or anything papaparse calls an error, sets `failed`, so nothing changes but the speed.
 */
function papaparseReader(newline: '\n' | '\r' | '\r\n', sink: Sink): (text: string, final: boolean) => string {
  let text = '';
  let from = 0;
  let nextQuote = -1;
  let parser: Papa.Parser | null = null;
  // Papa.Parser, unlike Papa.parse, hands each row in an array of one.
  const onRow = (results: Papa.ParseStepResult<string[][]>) => {
    const row = results.data[0] as string[];
    const end = results.meta.cursor;
    if (results.errors.length > 0) {
      sink.failed = true;
      parser?.abort();
      return;
    }
    if (nextQuote !== -1 && nextQuote < from) nextQuote = text.indexOf('"', from);
    const hasQuote = nextQuote !== -1 && nextQuote < end;
    const breaks = lineBreaks(text, from, end);
    const last = text.charCodeAt(end - 1);
    const terminated = end > from && (last === 10 || last === 13);
    const line = sink.linesBefore + breaks + (terminated ? 0 : 1);
    sink.linesBefore += breaks;
    const start = from;
    from = end;
    if (!hasQuote) {
      if (row.length === 1 && (row[0] as string).trim() === '') return;
      for (let i = 0; i < row.length; i++) row[i] = own((row[i] as string).trim());
    } else if (row.some((field) => field.includes('"') || field !== field.trim())) {
      let again: string[][];
      try {
        again = parseSync(text.slice(start, end), { ...CSV_PARSE, bom: false, record_delimiter: newline });
      } catch {
        sink.failed = true;
        parser?.abort();
        return;
      }
      if (again.length !== 1) throw new CsvParseDisagrees();
      sink.records.push(again[0] as string[]);
      sink.lines.push(line);
      return;
    } else for (let i = 0; i < row.length; i++) row[i] = own(row[i] as string);
    sink.records.push(row);
    sink.lines.push(line);
  };
  return (chunk, final) => {
    text = chunk;
    from = 0;
    nextQuote = text.indexOf('"');
    parser = new Papa.Parser({ delimiter: ',', newline, quoteChar: '"', escapeChar: '"', step: onRow });
    const results = parser.parse(text, 0, !final);
    if (results.errors.length > 0) sink.failed = true;
    return final ? '' : text.slice(from);
  };
}

/**
 * The records of a CSV as csv-parse reads it with CSV_PARSE, each with the line it ends on, a chunk of the file
 * at a time. UTF-8 with LF or CRLF line breaks is read from its bytes (readBytes); UTF-16 and CR files are decoded and
 * read by papaparse. A file csv-parse cannot read throws csv-parse's own sentence. Line numbers count the line breaks
 * of each record's text, a CRLF inside quotes as one. `chunkBytes` lets a test cut the file anywhere.
 */
export async function* csvRecords(file: string, chunkBytes = 256 * 1024): AsyncGenerator<{ records: string[][]; lines: number[] }> {
  const stream = createReadStream(file, { highWaterMark: chunkBytes });
  const sink: Sink = { records: [], lines: [], linesBefore: 0, failed: false, recent: new Array(1024), fields: [] };
  let papaparse: ((text: string, final: boolean) => string) | null = null;
  let decoder: StringDecoder | null = null;
  let crlf = false;
  let rest: Buffer = Buffer.alloc(0);
  let restText = '';
  const feed = (chunk: Buffer, final: boolean) => {
    if (papaparse === null) {
      // The file's head tells its encoding and line break; latin1 keeps each byte of UTF-8 one character.
      const head = Buffer.concat([rest, chunk]);
      rest = head;
      if (head.length < 3 && !final) return;
      const utf16 = head[0] === 0xff && head[1] === 0xfe;
      const bom = utf16 ? 2 : head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
      const found = newlineOf(head.toString(utf16 ? 'utf16le' : 'latin1', bom));
      if (found === null && !final) return;
      const newline = found ?? '\n';
      papaparse = papaparseReader(newline, sink);
      if (utf16 || newline === '\r') decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
      crlf = newline === '\r\n';
      chunk = head.subarray(bom);
      rest = Buffer.alloc(0);
    }
    if (decoder) restText = papaparse(restText + decoder.write(chunk) + (final ? decoder.end() : ''), final);
    else rest = readBytes(rest.length === 0 ? chunk : Buffer.concat([rest, chunk]), crlf, final, sink, papaparse);
  };
  let yielded = 0;
  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      feed(bytes, false);
      if (sink.failed) break;
      if (sink.records.length > 0) {
        yield { records: sink.records, lines: sink.lines };
        yielded += sink.records.length;
        sink.records = [];
        sink.lines = [];
      }
    }
    if (!sink.failed) feed(Buffer.alloc(0), true);
  } catch (error) {
    if (!(error instanceof CsvParseDisagrees)) throw readError(file, error);
    sink.failed = true;
  } finally {
    stream.destroy();
  }
  if (sink.failed) yield* csvParseRecords(file, yielded);
  else if (sink.records.length > 0) yield { records: sink.records, lines: sink.lines };
}

/**
 * A copy of `text` that holds nothing else: a string papaparse cuts from a chunk of the file keeps the whole chunk
 * alive, and a million kept addresses and names would keep the whole file (as UTF-16). Concatenating or
 * slicing copies nothing (V8 copies a cut shorter than 13 characters); the round trip through a Buffer does.
 */
function own(text: string): string {
  return text.length < 13 ? text : Buffer.from(text).toString();
}

/** parseCategories of each distinct text, one shared array each: a list repeats a few mixes a million times. */
function categoriesReader(): (text: string | undefined) => string[] {
  const seen = new Map<string, string[]>();
  return (text) => {
    if (text === undefined) return parseCategories(text);
    let categories = seen.get(text);
    if (categories === undefined) {
      const parsed = parseCategories(text);
      // Frozen, as rows share it: SubscriberList knows a frozen list again without reading it.
      categories = parsed.length === 0 ? parsed : (Object.freeze(parsed.map(own)) as string[]);
      // A list of a thousand different mixes gains nothing from remembering more.
      if (seen.size < 1000) seen.set(text.length < 13 ? text : own(text), categories);
    }
    return categories;
  };
}

/** The characters of a word of an address's local part (zod's email pattern), by code: letters, digits and _'+-. */
const LOCAL = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'+-") LOCAL[c.charCodeAt(0)] = 1;
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isAlnum = (c: number) => isLetter(c) || (c >= 48 && c <= 57);

/**
 * Whether `address` has the shape zod's email pattern takes, checked a character at a time in a fraction of the
 * pattern's time: words of LOCAL characters between single dots, the last character not ' ; an @; labels of
 * letters, digits and -, not starting with -, each followed by a dot; two letters or more.
 */
export function plainAddress(address: string): boolean {
  const at = address.indexOf('@');
  const dot = address.lastIndexOf('.');
  if (at < 1 || dot < at + 2 || address.length - dot < 3) return false;
  for (let i = 0; i < at; i++) {
    const c = address.charCodeAt(i);
    if (c === 46 ? i === 0 || address.charCodeAt(i - 1) === 46 : LOCAL[c] !== 1) return false;
  }
  const last = address.charCodeAt(at - 1);
  if (last === 46 || last === 39) return false;
  let labelStart = true;
  for (let i = at + 1; i < dot; i++) {
    const c = address.charCodeAt(i);
    if (c === 46 ? labelStart : !(isAlnum(c) || (c === 45 && !labelStart))) return false;
    labelStart = c === 46;
  }
  for (let i = dot + 1; i < address.length; i++) if (!isLetter(address.charCodeAt(i))) return false;
  return !labelStart;
}

/** An address as Address reads it, without zod for the valid ones: trimmed, lowercased, then plainAddress or zod's own email pattern. */
function addressOf(text: string): string | null {
  const address = text.trim().toLowerCase();
  if (plainAddress(address) || regexes.email.test(address)) return address;
  const parsed = Address.safeParse(text);
  return parsed.success ? parsed.data : null;
}

const STATUSES: ReadonlySet<string> = new Set(SubscriberStatus.options);

/**
 * Streams a subscriber CSV a chunk of rows at a time: header row, columns in any order, extra columns ignored.
 * Yields each row or the reason it was skipped; a file that can't be read or has no `email` column throws.
 */
export async function* readSubscriberRows(file: string): AsyncGenerator<(ListRow | RowProblem)[]> {
  let columns: { email: number; name: number; categories: number; status: number } | null = null;
  const categoriesOf = categoriesReader();
  for await (const chunk of csvRecords(file)) {
    const items: (ListRow | RowProblem)[] = [];
    for (let r = 0; r < chunk.records.length; r++) {
      const record = chunk.records[r] as string[];
      const line = chunk.lines[r] as number;
      if (columns === null) {
        const names = record.map((name) => name.trim().toLowerCase());
        // The last of a repeated column wins, as a Map built from the header would have it.
        const column = (name: string) => names.lastIndexOf(name);
        columns = { email: column('email'), name: column('name'), categories: column('categories'), status: column('status') };
        if (columns.email === -1) throw new SubscribersError(`${file}: the header row has no "email" column.`);
        continue;
      }
      const emailText = record[columns.email] ?? '';
      const email = addressOf(emailText);
      if (email === null) {
        items.push({ line, problem: `${atLine(file, line)}: ${quoted(emailText)} is not a valid email address; skipped.` });
        continue;
      }
      const statusText = (columns.status === -1 ? undefined : record[columns.status]) ?? '';
      const status = statusText.toLowerCase() || 'active';
      if (!STATUSES.has(status)) {
        items.push({
          line,
          problem: `${atLine(file, line)}: status ${quoted(statusText)} is not one of ${SubscriberStatus.options.join(', ')}; skipped.`,
        });
        continue;
      }
      const name = columns.name === -1 ? undefined : record[columns.name];
      const categories = columns.categories === -1 ? undefined : record[columns.categories];
      items.push({ line, email, name: name || null, categories: categoriesOf(categories), status: status as SubscriberStatus });
    }
    if (items.length > 0) yield items;
  }
}

/** readSubscriberRows a row at a time. */
export async function* readSubscriberCsv(file: string): AsyncGenerator<ListRow | RowProblem> {
  for await (const items of readSubscriberRows(file)) yield* items;
}

export function isProblem(item: ListRow | RowProblem): item is RowProblem {
  return 'problem' in item;
}
