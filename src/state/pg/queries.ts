import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** queries.sql beside this module: every query the PostgreSQL state runs, each under a `-- name:` line. */
export const QUERIES_FILE = fileURLToPath(new URL('./queries.sql', import.meta.url));

const NAME = /^-- name: ([a-z0-9-]+)\s*$/;

/**
 * The queries of a file written listmonk's way: each starts at a `-- name: <name>` line and runs to the next one; the
 * comment lines right under the name say what it is for and are left out. A file that breaks the shape is a bug of
 * this program (the file ships with it), so it throws a plain Error naming the file and line.
 */
export function parseQueries(text: string, file: string): Map<string, string> {
  const queries = new Map<string, string>();
  let current: { name: string; lines: string[] } | null = null;
  const close = (query: { name: string; lines: string[] } | null) => {
    if (!query) return;
    // What follows a query up to the next name (blank lines, a section's heading) is not part of it.
    const lines = [...query.lines];
    while (lines.length > 0 && /^(\s*|--.*)$/.test(lines.at(-1) ?? '')) lines.pop();
    if (lines.length === 0) throw new Error(`${file}: the query ${query.name} is empty.`);
    queries.set(query.name, lines.join('\n').trim());
  };
  for (const [index, line] of text.split('\n').entries()) {
    const name = NAME.exec(line)?.[1];
    if (name) {
      close(current);
      if (queries.has(name)) throw new Error(`${file}, line ${index + 1}: a second query is named ${name}.`);
      current = { name, lines: [] };
    } else if (current) {
      if (current.lines.length > 0 || !line.startsWith('--')) current.lines.push(line);
    } else if (line.trim() !== '' && !line.startsWith('--')) {
      throw new Error(`${file}, line ${index + 1}: SQL before the first "-- name:" line belongs to no query.`);
    }
  }
  close(current);
  return queries;
}

/** The SQL of one named query; a name the file does not have is a bug. */
export type Query = (name: string) => string;

/** The named queries of `file` (queries.sql unless given), read once. */
export function loadQueries(file = QUERIES_FILE): Query {
  const queries = parseQueries(readFileSync(file, 'utf8'), file);
  return (name) => {
    const sql = queries.get(name);
    if (sql === undefined) throw new Error(`${file} has no query named ${name}: a bug.`);
    return sql;
  };
}
