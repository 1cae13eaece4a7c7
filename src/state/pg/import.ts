import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportRow } from '../../subscribers/import.ts';
import { type ImportOutcome, noOutcomes } from '../../subscribers/import-plan.ts';
import type { Database } from './connect.ts';
import type { Query } from './queries.ts';

/** Rows per chunk written to COPY. */
const COPY_ROWS = 1000;
/** Rows judged per statement: each takes well under the statement timeout, however large the file. */
const JUDGED_ROWS = 25_000;

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format. */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] ?? c);
}

/** One row of the staging table as COPY's text format reads it: line, email, name, categories, status, unconsented. */
export function copyLine(row: ExportRow): string {
  const categories = `{${row.categories.map((c) => `"${c.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  const name = row.name === null ? '\\N' : copyText(row.name);
  return `${row.line}\t${copyText(row.email)}\t${name}\t${copyText(categories)}\t${row.status}\t${row.unconsented ? 't' : 'f'}\n`;
}

function* chunks(rows: readonly ExportRow[]): Generator<string> {
  for (let i = 0; i < rows.length; i += COPY_ROWS) {
    yield rows
      .slice(i, i + COPY_ROWS)
      .map(copyLine)
      .join('');
  }
}

/**
 * Imports the checked rows of `file` as planImport (src/subscribers/import-plan.ts) does against the list, in one
 * transaction: COPY into a staging table, then set-based statements that judge every row, append one `add` event
 * per row that changes its reader and write the readers' rows. An address the file gives more than once has its
 * later rows judged in later rounds, each after the one before, as planImport judges them in file order. Returns
 * how many rows had each outcome.
 */
export async function importRows(
  sql: Database,
  query: Query,
  rows: readonly ExportRow[],
  at: string,
  file: string,
): Promise<Record<ImportOutcome, number>> {
  const counted = await sql.begin(async (tx) => {
    await tx.unsafe(query('import-staging'));
    await pipeline(Readable.from(chunks(rows)), await tx.unsafe(query('import-copy')).writable());
    const [repeats] = await tx.unsafe<{ rounds: number }[]>(query('import-repeats'));
    // Taken by every writer of the list, once the rows are staged: event ids commit in order, and no reader changes
    // between being judged and written.
    await tx.unsafe(query('subscriber-events-lock'));
    const outcomes = noOutcomes();
    // Rows in file order: the lines of row i onwards, up to those of row i + JUDGED_ROWS.
    const lineOf = (i: number) => rows[i]?.line ?? (rows.at(-1)?.line ?? 0) + 1;
    for (let round = 1; round <= (repeats?.rounds ?? 1); round++) {
      for (let i = 0; i < rows.length; i += JUDGED_ROWS) {
        const judged = await tx.unsafe<{ outcome: ImportOutcome; count: number }[]>(query('import-round'), [
          round,
          at,
          file,
          lineOf(i),
          lineOf(i + JUDGED_ROWS),
        ]);
        for (const { outcome, count } of judged) outcomes[outcome] += count;
      }
    }
    return outcomes;
  });
  // Fresh statistics for the planner: right after a large import, the first send's pages took 0.8 s each, not 3 ms
  // (BENCHMARKS.md, "Files and PostgreSQL side by side"). Autovacuum would get there, minutes later.
  await sql.unsafe(query('subscribers-analyze'));
  return counted as Record<ImportOutcome, number>;
}
