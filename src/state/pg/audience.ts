import { categoryKey } from '../../catalog/schema.ts';
import type { Issue } from '../../digest/schema.ts';
import { at } from '../../invariant.ts';
import type { Subscriber } from '../../subscribers/schema.ts';
import { type Audience, issueCategoryKeys, type SkipReason } from '../audience.ts';
import type { Database } from './connect.ts';
import { tableReader } from './list.ts';
import type { Query } from './queries.ts';

/** Rows per page of the audience: each page is a short query of its own, so no transaction stays open on the list. */
const PAGE_ROWS = 1000;

/**
 * The audience of `issue` from the table subscribers, worked out in SQL: the skipped counted by one aggregate, the
 * readers and the skipped read in address order a page at a time, so the list is never in memory whole.
 */
export async function pgAudience(sql: Database, query: Query, issue: Issue, place: string): Promise<Audience> {
  // categoryKey is JavaScript's trim and toLowerCase, which btrim and lower do not match for every text (a no-break
  // space, a final sigma): each name the list uses is keyed here, and SQL compares the names as written.
  const keys = issueCategoryKeys(issue);
  const names = await sql.unsafe<{ category: string }[]>(query('audience-category-names'));
  const judged = [names.map((row) => row.category).filter((name) => keys.has(categoryKey(name))), issue.comparisons.length > 0];
  const counts = await sql.unsafe<{ reason: SkipReason; count: number }[]>(query('audience-skipped'), judged);
  async function* pages<Row extends { email: string }>(name: string): AsyncGenerator<Row[]> {
    let last = '';
    for (;;) {
      const rows = await sql.unsafe<Row[]>(query(name), [...judged, last, PAGE_ROWS]);
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE_ROWS) return;
      last = at(rows, rows.length - 1).email;
    }
  }
  return {
    skipped: new Map(counts.map((row) => [row.reason, row.count])),
    problems: [],
    async *readers() {
      for await (const page of pages<Subscriber>('audience-readers-page')) yield page.map((row) => tableReader(row, place));
    },
    async *skippedLines() {
      for await (const page of pages<{ email: string; reason: SkipReason }>('audience-skipped-page'))
        for (const row of page) yield `${row.email},${row.reason}`;
    },
  };
}
