import { atLine } from '../errors.ts';
import type { RowProblem } from './csv.ts';
import { catalogCategories } from './edit.ts';
import type { ExportRow } from './import.ts';
import { STOPPED, type SubscriberList } from './list.ts';
import type { Subscriber, SubscriberEvent } from './schema.ts';

/**
 * What `subscribers import` makes of an export's rows, and what it says. Pure: rows and the list in, events
 * and a summary out.
 */

/**
 * A row with its categories as the catalog spells them. A category the catalog doesn't have stops the import,
 * naming the line, as `subscribers add` refuses it: a reader of a misspelt category would get nothing. Each
 * spelling met is looked up once: an export repeats a few mixes a million times.
 */
export function catalogSpelling(known: readonly string[], where: string, file: string): (row: ExportRow) => ExportRow {
  const spelt = new Map<string, string[]>();
  return (row) => {
    if (row.categories.length === 0) return row;
    const key = JSON.stringify(row.categories);
    let categories = spelt.get(key);
    if (!categories) {
      categories = catalogCategories(row.categories, known, where, {
        field: `${atLine(file, row.line)}: categories`,
        after: '; nothing was imported',
      });
      spelt.set(key, categories);
    }
    return { ...row, categories };
  };
}

/** The rows with their categories as the catalog spells them (catalogSpelling); the first unknown category stops it. */
export function withCatalogCategories(rows: readonly ExportRow[], known: readonly string[], where: string, file: string): ExportRow[] {
  return rows.map(catalogSpelling(known, where, file));
}

/** What became of one row's reader, in the order the summary lists them. */
const OUTCOMES = {
  addedActive: 'added as active',
  addedPending: 'added as pending: not confirmed in the export, so no digest until they confirm through the signup form',
  addedUnconsented:
    'added as pending: the export shows no opt-in or confirmation time for them (never subscribed?), so no digest unless they confirm through the signup form',
  optedOut: 'recorded as unsubscribed, bounced or complained, as the export has them: never mailed',
  updated: 'updated (name, categories or status)',
  keptOut:
    'kept as they were, unsubscribed, bounced or complained, although the export has them subscribed: only their own new signup brings them back',
  unchanged: 'unchanged',
} as const;
export type ImportOutcome = keyof typeof OUTCOMES;

/** Every outcome at 0 readers. */
export function noOutcomes(): Record<ImportOutcome, number> {
  return Object.fromEntries(Object.keys(OUTCOMES).map((k) => [k, 0])) as Record<ImportOutcome, number>;
}

const same = (a: Subscriber, b: Subscriber) =>
  a.name === b.name && a.status === b.status && JSON.stringify(a.categories) === JSON.stringify(b.categories);

/**
 * The events that importing `rows` records, folding each into `list` as it goes (the list is updated), and
 * how many readers each outcome had. A row that changes nothing the list says records nothing, so importing
 * the same file again writes nothing. A pending row only adds a reader the list doesn't have: it is no sign
 * that one on the list left, nor that they agreed to more.
 */
export function planImport(
  list: SubscriberList,
  rows: readonly ExportRow[],
  at: string,
  file: string,
): { events: SubscriberEvent[]; outcomes: Record<ImportOutcome, number> } {
  const outcomes = noOutcomes();
  const events: SubscriberEvent[] = [];
  for (const row of rows) {
    const known = list.get(row.email);
    if (known && row.status === 'pending') {
      outcomes.unchanged++;
      continue;
    }
    const { email, name, categories, status } = row;
    const event: SubscriberEvent = { type: 'add', email, name, categories, status, at, source: `import ${file}:${row.line}` };
    list.fold(event);
    const next = list.get(email);
    const changed = !known || !next || !same(known, next);
    if (changed) events.push(event);
    outcomes[outcomeOf(row, known, next, changed)]++;
  }
  return { events, outcomes };
}

function outcomeOf(row: ExportRow, known: Subscriber | undefined, next: Subscriber | undefined, changed: boolean): ImportOutcome {
  if (!known) {
    if (row.status === 'active') return 'addedActive';
    if (row.status === 'pending') return row.unconsented ? 'addedUnconsented' : 'addedPending';
    return 'optedOut';
  }
  if (STOPPED.has(known.status) && !STOPPED.has(row.status)) return 'keptOut';
  if (!changed) return 'unchanged';
  return next && STOPPED.has(next.status) && next.status !== known.status ? 'optedOut' : 'updated';
}

/** What the command prints: how many readers had each outcome, then each rejected row. */
export function importSummary(file: string, outcomes: Record<ImportOutcome, number>, problems: readonly RowProblem[]): string {
  const lines = [`Imported ${file}:`];
  for (const [outcome, words] of Object.entries(OUTCOMES)) {
    const count = outcomes[outcome as ImportOutcome];
    if (count > 0) lines.push(`  ${count} ${words}`);
  }
  if (problems.length > 0) lines.push(`  ${problems.length} rejected:`, ...problems.map((p) => `    ${p.problem}`));
  if (lines.length === 1) lines.push('  no rows below the header; nothing changed.');
  return lines.join('\n');
}
