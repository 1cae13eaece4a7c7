import { stringify } from 'csv-stringify/sync';
import type { Subscriber } from './schema.ts';

export const LIST_HEADER = ['email', 'name', 'categories', 'status'];

/**
 * A field a spreadsheet would run as a formula (starting with =, +, - or @, or a tab or CR that some strip first)
 * gets a leading apostrophe, so `=HYPERLINK(...)` typed into the signup form stays text in the operator's sheet.
 */
export function neutralize(field: string): string {
  return /^[=+\-@\t\r]/.test(field) ? `'${field}` : field;
}

/** One CSV line (with its line break) of `fields`, neutralized; quotes, commas, CR and LF are quoted. */
export function csvLine(fields: readonly string[]): string {
  return stringify([fields.map(neutralize)], { quoted_match: /[\r\n]/, record_delimiter: 'unix' });
}

export function subscriberLine(s: Subscriber): string {
  return csvLine([s.email, s.name ?? '', s.categories.join(';'), s.status]);
}
