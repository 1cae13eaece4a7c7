import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { atLine, SubscribersError } from '../errors.ts';
import { printable, quoted } from '../plain-text.ts';
import type { ListRow } from './list.ts';
import { Address, parseCategories, SubscriberStatus } from './schema.ts';

/** A row that was skipped, with the sentence saying why. */
export interface RowProblem {
  line: number;
  problem: string;
}

/** Line breaks (CRLF, LF or CR) in `text` before `end`. */
function lineBreaks(text: string, end = text.length): number {
  let count = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13) {
      count++;
      if (text.charCodeAt(i + 1) === 10) i++;
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
    const line = linesBefore + lineBreaks(raw, raw.length - (/\r\n$/.test(raw) ? 2 : /[\r\n]$/.test(raw) ? 1 : 0)) + 1;
    linesBefore += lineBreaks(raw);
    return line;
  };
}

/**
 * Streams a subscriber CSV: header row, columns in any order, extra columns ignored.
 * Yields each row or the reason it was skipped; a file that can't be read or has no `email` column throws.
 */
export async function* readSubscriberCsv(file: string): AsyncGenerator<ListRow | RowProblem> {
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, raw: true });
  createReadStream(file)
    .on('error', (error) => parser.destroy(error))
    .pipe(parser);
  let columns: Map<string, number> | null = null;
  const lineOf = recordLines();
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const line = lineOf(raw);
      if (columns === null) {
        columns = new Map(record.map((name, i) => [name.trim().toLowerCase(), i]));
        if (!columns.has('email')) throw new SubscribersError(`${file}: the header row has no "email" column.`);
        continue;
      }
      const field = (name: string) => {
        const i = columns?.get(name);
        return i === undefined ? undefined : record[i];
      };
      const email = Address.safeParse(field('email') ?? '');
      if (!email.success) {
        yield { line, problem: `${atLine(file, line)}: ${quoted(field('email') ?? '')} is not a valid email address; skipped.` };
        continue;
      }
      const status = SubscriberStatus.safeParse((field('status') ?? '').toLowerCase() || 'active');
      if (!status.success) {
        yield {
          line,
          problem: `${atLine(file, line)}: status ${quoted(field('status') ?? '')} is not one of ${SubscriberStatus.options.join(', ')}; skipped.`,
        };
        continue;
      }
      yield { line, email: email.data, name: field('name') || null, categories: parseCategories(field('categories')), status: status.data };
    }
  } catch (error) {
    if (error instanceof SubscribersError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new SubscribersError(`${file} does not exist; copy subscribers/example.csv there or pass --subscribers FILE.`);
    const lines = (error as { lines?: number }).lines;
    throw new SubscribersError(`${atLine(file, lines)}: ${printable((error as Error).message).replace(/\.$/, '')}.`);
  }
}

export function isProblem(item: ListRow | RowProblem): item is RowProblem {
  return 'problem' in item;
}
