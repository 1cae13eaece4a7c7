import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { SubscribersError } from '../errors.ts';
import type { RowProblem } from './csv.ts';
import type { ListRow } from './list.ts';
import { Address, parseCategories, type SubscriberStatus } from './schema.ts';
import { at as nth, got } from '../invariant.ts';

/**
 * Exports of other newsletter tools, read as they are: which column holds what, and what their statuses mean here.
 * Pure: a header row in, the columns out; a record in, a row (or the reason it was skipped) out.
 */

/** `Email Address`, `email_address` and `E-Mail` all become `email address` / `e mail`: lowercase, `_`, `-` and spaces as one space. */
export function columnKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

const EMAIL_COLUMNS = ['email', 'e mail', 'email address'];
const STATUS_COLUMNS = ['status', 'subscriber type', 'state'];

/**
 * Every status value a known export uses, lowercased. A value missing here is an error, never a guess:
 * reading an unknown one as active could mail someone who left.
 */
export const IMPORT_STATUSES: Readonly<Record<string, SubscriberStatus>> = {
  // This program's own list, and an empty cell, which the list format reads as active.
  '': 'active',
  active: 'active',
  // Mailchimp (`subscribed`, `pending`, `unsubscribed`, `cleaned`); Buttondown's `subscriber_type`
  // (`regular`, `premium`, `gifted`, `trialed`, `churning`, `past_due`, `unactivated`, `unsubscribed`, `removed`, `spammy`);
  // Kit/ConvertKit's `state` (`active`, `inactive`, `cancelled`, `bounced`, `complained`).
  subscribed: 'active',
  regular: 'active',
  premium: 'active',
  gifted: 'active',
  trialed: 'active',
  churning: 'active',
  past_due: 'active',
  pending: 'pending',
  unactivated: 'pending',
  unconfirmed: 'pending',
  inactive: 'pending',
  unsubscribed: 'unsubscribed',
  removed: 'unsubscribed',
  cancelled: 'unsubscribed',
  canceled: 'unsubscribed',
  cleaned: 'bounced',
  bounced: 'bounced',
  undeliverable: 'bounced',
  complained: 'complained',
  spam: 'complained',
  spammy: 'complained',
};

/** Columns whose non-empty cell means the reader left: Mailchimp's unsubscribed and cleaned exports, and `unsubscribed_at`. */
const STOP_TIME_COLUMNS: Readonly<Record<string, SubscriberStatus>> = {
  'unsub time': 'unsubscribed',
  'unsubscribed at': 'unsubscribed',
  'clean time': 'bounced',
};

/** Yes/no columns: Substack's `email_disabled` (true: no email) and Ghost's `subscribed_to_emails` (false: no email). */
const STOP_FLAG_COLUMNS: Readonly<Record<string, boolean>> = {
  'email disabled': true,
  'subscribed to emails': false,
};

const RANK: Record<SubscriberStatus, number> = { active: 0, pending: 1, unsubscribed: 2, bounced: 3, complained: 4 };

/** Where each field is in an export's records. */
export interface ExportColumns {
  email: number;
  /** The header as written, for messages. */
  emailHeader: string;
  name: number | null;
  firstName: number | null;
  lastName: number | null;
  categories: number | null;
  status: { index: number; header: string } | null;
  stopTimes: { index: number; status: SubscriberStatus }[];
  stopFlags: { index: number; header: string; stopsWhen: boolean }[];
}

/** The columns of an export from its header row; throws when no column holds the address. */
export function exportColumns(header: readonly string[], file: string): ExportColumns {
  const at = new Map<string, number>();
  header.forEach((name, i) => {
    if (!at.has(columnKey(name))) at.set(columnKey(name), i);
  });
  const find = (names: readonly string[]) => names.map((n) => at.get(n)).find((i) => i !== undefined) ?? null;
  const email = find(EMAIL_COLUMNS);
  if (email === null) {
    throw new SubscribersError(
      `${file}: the header row has no address column (one of "email", "e-mail", "email address", "email_address"); nothing was imported.`,
    );
  }
  const status = find(STATUS_COLUMNS);
  return {
    email,
    emailHeader: nth(header, email).trim(),
    name: find(['name']),
    firstName: find(['first name']),
    lastName: find(['last name']),
    categories: find(['categories']),
    status: status === null ? null : { index: status, header: nth(header, status).trim() },
    stopTimes: Object.entries(STOP_TIME_COLUMNS).flatMap(([key, stop]) => (at.has(key) ? [{ index: got(at, key), status: stop }] : [])),
    stopFlags: Object.entries(STOP_FLAG_COLUMNS).flatMap(([key, stopsWhen]) =>
      at.has(key) ? [{ index: got(at, key), header: nth(header, got(at, key)).trim(), stopsWhen }] : [],
    ),
  };
}

function flag(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return null;
}

/**
 * One record of an export as a row of the list, the reason it was skipped (an invalid address), or a thrown
 * SubscribersError for a value this program does not know, which must stop the whole import.
 */
export function exportRow(columns: ExportColumns, record: readonly string[], file: string, line: number): ListRow | RowProblem {
  const cell = (i: number | null) => (i === null ? '' : (record[i] ?? '').trim());
  const address = cell(columns.email);
  const email = Address.safeParse(address);
  if (!email.success) return { line, problem: `${file}, line ${line}: "${address}" is not a valid email address; skipped.` };

  const statuses: SubscriberStatus[] = [];
  if (columns.status) {
    const value = cell(columns.status.index);
    const known = Object.hasOwn(IMPORT_STATUSES, value.toLowerCase()) ? IMPORT_STATUSES[value.toLowerCase()] : undefined;
    if (!known) {
      throw new SubscribersError(
        `${file}, line ${line}: unknown ${columns.status.header} "${value}"; nothing was imported, since a guess could mail someone who left (README lists the statuses import reads).`,
      );
    }
    statuses.push(known);
  }
  for (const { index, status } of columns.stopTimes) if (cell(index) !== '') statuses.push(status);
  for (const { index, header, stopsWhen } of columns.stopFlags) {
    const value = cell(index);
    if (value === '') continue;
    const yes = flag(value);
    if (yes === null)
      throw new SubscribersError(`${file}, line ${line}: ${header} "${value}" is neither true nor false; nothing was imported.`);
    if (yes === stopsWhen) statuses.push('unsubscribed');
  }
  // The signal furthest from active wins: an unsubscribe time beside "subscribed" still means they left.
  const status = statuses.reduce<SubscriberStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'active');

  const fullName = [cell(columns.firstName), cell(columns.lastName)].filter(Boolean).join(' ');
  const name = cell(columns.name) || fullName || null;
  return { line, email: email.data, name, categories: parseCategories(cell(columns.categories)), status };
}

/**
 * Reads a whole export: its rows and the rows skipped for an invalid address. Throws, having read nothing
 * into the list, on a file that can't be read, has no address column, or holds a status it doesn't know.
 */
export async function readExport(file: string): Promise<{ rows: ListRow[]; problems: RowProblem[] }> {
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true });
  createReadStream(file)
    .on('error', (error) => parser.destroy(error))
    .pipe(parser);
  const rows: ListRow[] = [];
  const problems: RowProblem[] = [];
  let columns: ExportColumns | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (columns === null) {
        columns = exportColumns(record, file);
        continue;
      }
      if (record.every((c) => c.trim() === '')) continue;
      const row = exportRow(columns, record, file, info.lines);
      if ('problem' in row) problems.push(row);
      else rows.push(row);
    }
  } catch (error) {
    if (error instanceof SubscribersError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SubscribersError(`${file} does not exist.`);
    if (code === 'EISDIR') throw new SubscribersError(`${file} is a folder, not a CSV file.`);
    const lines = (error as { lines?: number }).lines;
    throw new SubscribersError(
      `${file}${lines ? `, line ${lines}` : ''}: ${(error as Error).message.replace(/\.$/, '')}; nothing was imported.`,
    );
  }
  if (columns === null) throw new SubscribersError(`${file} is empty: it has no header row; nothing was imported.`);
  return { rows, problems };
}
