// CSV parsers side by side on the realistic million-row list (BOM, CRLF, quoted commas, a quoted line break):
// each in its own process for its own peak memory, each doing the work the list needs of it (the address
// trimmed and lowercased into a Set), each checked on the row count and the tricky rows. Imported by
// bench/run.ts (`--only parsers`); `bench/parsers.ts one NAME FILE ROWS` runs one and prints a JSON line.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import csvParser from 'csv-parser';
import Papa from 'papaparse';
import { inferSchema, initParser, type Parser } from 'udsv';
import { readSubscriberCsv, recordLines } from '../src/subscribers/csv.ts';
import { realisticCsv, trickyRows } from './realistic-list.ts';

type Row = (fields: string[]) => void;
type Header = (names: string[]) => void;

const PARSERS: Record<string, { label: string; run: (file: string, header: Header, row: Row) => Promise<void> }> = {
  hand: {
    label: 'by hand: split lines on LF, fields on commas (no quoting: a floor, not a parser)',
    run: async (file, header, row) => {
      let rest = '';
      let first = true;
      const line = (text: string) => {
        const fields = (text.endsWith('\r') ? text.slice(0, -1) : text).split(',');
        if (first) header(fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f)));
        else if (text) row(fields);
        first = false;
      };
      for await (const chunk of createReadStream(file, 'utf8') as AsyncIterable<string>) {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const text of lines) line(text);
      }
      if (rest) line(rest);
    },
  },
  'csv-parse': {
    label: "csv-parse as src/subscribers/csv.ts calls it (bom, trim, raw for each record's line)",
    run: async (file, header, row) => {
      const parser = createReadStream(file).pipe(
        parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, raw: true }),
      );
      const lineOf = recordLines();
      let first = true;
      for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
        lineOf(raw);
        first ? header(record) : row(record);
        first = false;
      }
    },
  },
  'csv-parse-plain': {
    label: 'csv-parse with bom only (no trim, no raw)',
    run: async (file, header, row) => {
      let first = true;
      for await (const record of createReadStream(file).pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true }))) {
        first ? header(record) : row(record);
        first = false;
      }
    },
  },
  udsv: {
    label: 'udsv, chunks of the UTF-8 stream to string arrays',
    run: async (file, header, row) => {
      let parser: Parser | null = null;
      const each = (fields: string[]) => row(fields);
      for await (const chunk of createReadStream(file, 'utf8') as AsyncIterable<string>) {
        if (parser === null) {
          parser = initParser(inferSchema(chunk));
          header(parser.schema.cols.map((c) => c.name));
        }
        parser.chunk<string[]>(chunk, parser.stringArrs, each);
      }
      parser?.end();
    },
  },
  papaparse: {
    label: 'papaparse, a Node stream, a chunk of rows at a time (it keeps a BOM in a stream, so the header strips it)',
    run: (file, header, row) =>
      new Promise((resolve, reject) => {
        let first = true;
        Papa.parse<string[]>(createReadStream(file, 'utf8'), {
          skipEmptyLines: true,
          chunk: (results) => {
            for (const fields of results.data) {
              first ? header(fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f))) : row(fields);
              first = false;
            }
          },
          complete: () => resolve(),
          error: reject,
        });
      }),
  },
  'csv-parser': {
    label: 'csv-parser, an object per row (a BOM left in the first header, so it is stripped in mapHeaders)',
    run: async (file, header, row) => {
      let names: string[] | null = null;
      const stream = createReadStream(file).pipe(csvParser({ mapHeaders: ({ header }) => header.replace(/^\uFEFF/, '') }));
      for await (const record of stream as AsyncIterable<Record<string, string>>) {
        if (names === null) {
          names = Object.keys(record);
          header(names);
        }
        row(names.map((n) => record[n] ?? ''));
      }
    },
  },
  'read-subscriber-csv': {
    label: "today's whole reader: readSubscriberCsv (csv-parse, then zod checks each address and status)",
    run: async (file, header, row) => {
      header(['email', 'name', 'categories', 'status']);
      for await (const item of readSubscriberCsv(file)) {
        if ('problem' in item) row([`problem: ${item.problem}`]);
        else row([item.email, item.name ?? '', item.categories.join('; '), item.status]);
      }
    },
  },
};

export const PARSER_NAMES = Object.keys(PARSERS);

/** Addresses distinct in lower case: every row but the 2% written again in other case. */
function distinctAddresses(rows: number): number {
  const tricky = trickyRows(rows);
  let again = 0;
  for (let i = 0; i < rows; i++) if (i % 50 === 25 && !tricky.has(i)) again++;
  return rows - again;
}

async function one(name: string, file: string, rows: number) {
  const parser = PARSERS[name];
  if (!parser) throw new Error(`unknown parser ${name}`);
  const tricky = trickyRows(rows);
  const addresses = new Set<string>();
  const problems: string[] = [];
  let columns: string[] = [];
  let records = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await parser.run(
    file,
    (names) => (columns = names),
    (fields) => {
      addresses.add((fields[0] ?? '').trim().toLowerCase());
      const expected = tricky.get(records);
      if (expected) {
        const got = { email: fields[0], name: fields[1], categories: fields[2], status: fields[3] };
        if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`row ${records + 1} read as ${JSON.stringify(got)}`);
      }
      records++;
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  if (columns.join(',') !== 'email,name,categories,status') problems.push(`header read as ${JSON.stringify(columns)}`);
  if (records !== rows) problems.push(`${records} records for ${rows} rows`);
  if (addresses.size !== distinctAddresses(rows)) problems.push(`${addresses.size} distinct addresses for ${distinctAddresses(rows)}`);
  return { seconds, cpuSeconds: (user + system) / 1e6, peakMb: Math.round(process.resourceUsage().maxRSS / 1024), problems };
}

export interface ParserFigures {
  name: string;
  label: string;
  seconds: number[];
  cpuSeconds: number[];
  peakMb: number[];
  problems: string[];
}

/** Every parser `runs` times on one file of `rows` rows, taking turns so that the machine's noise falls on all alike. */
export async function compareParsers(rows: number, runs: number, names = PARSER_NAMES): Promise<ParserFigures[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-parsers-'));
  const file = path.join(dir, 'subscribers.csv');
  try {
    await realisticCsv(file, { rows, bom: true, crlf: true });
    const figures = names.map((name) => ({
      name,
      label: PARSERS[name]?.label ?? name,
      seconds: [] as number[],
      cpuSeconds: [] as number[],
      peakMb: [] as number[],
      problems: [] as string[],
    }));
    for (let run = 0; run < runs; run++) {
      for (const f of figures) {
        const out = execFileSync(
          process.execPath,
          ['--import', import.meta.resolve('tsx'), import.meta.filename, 'one', f.name, file, String(rows)],
          {
            encoding: 'utf8',
          },
        );
        const r = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Awaited<ReturnType<typeof one>>;
        f.seconds.push(r.seconds);
        f.cpuSeconds.push(r.cpuSeconds);
        f.peakMb.push(r.peakMb);
        if (run === 0) f.problems = r.problems;
      }
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'one') {
  const [, name = '', file = '', rows = ''] = process.argv.slice(2);
  console.log(JSON.stringify(await one(name, file, Number(rows))));
}
