import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { SubscribersError } from '../errors.ts';
import type { ListRow } from './list.ts';
import { Address, parseCategories, SubscriberStatus } from './schema.ts';

/** A row that was skipped, with the sentence saying why. */
export interface RowProblem {
  line: number;
  problem: string;
}

/**
 * Streams a subscriber CSV: header row, columns in any order, extra columns ignored.
 * Yields each row or the reason it was skipped; a file that can't be read or has no `email` column throws.
 */
export async function* readSubscriberCsv(file: string): AsyncGenerator<ListRow | RowProblem> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const columns = header.map((h) => h.trim().toLowerCase());
      if (!columns.includes('email')) throw new SubscribersError(`${file}: the header row has no "email" column.`);
      return columns;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    info: true,
  });
  createReadStream(file).on('error', (error) => parser.destroy(error)).pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const line = info.lines;
      const email = Address.safeParse(record.email ?? '');
      if (!email.success) {
        yield { line, problem: `${file}, line ${line}: "${record.email ?? ''}" is not a valid email address; skipped.` };
        continue;
      }
      const status = SubscriberStatus.safeParse((record.status ?? '').toLowerCase() || 'active');
      if (!status.success) {
        yield { line, problem: `${file}, line ${line}: status "${record.status}" is not one of ${SubscriberStatus.options.join(', ')}; skipped.` };
        continue;
      }
      yield { line, email: email.data, name: record.name || null, categories: parseCategories(record.categories), status: status.data };
    }
  } catch (error) {
    if (error instanceof SubscribersError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SubscribersError(`${file} does not exist; copy subscribers/example.csv there or pass --subscribers FILE.`);
    const lines = (error as { lines?: number }).lines;
    throw new SubscribersError(`${file}${lines ? `, line ${lines}` : ''}: ${(error as Error).message.replace(/\.$/, '')}.`);
  }
}

export function isProblem(item: ListRow | RowProblem): item is RowProblem {
  return 'problem' in item;
}
