import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { finished, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { atLine, SubscribersError } from '../errors.ts';
import { printable, quoted } from '../plain-text.ts';
import { type RowProblem, recordLines } from './csv.ts';
import { csvShape, type Delimiter, HEAD_BYTES } from './file-shape.ts';
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
 * Every status value a known export uses, lowercased, each tool's whole documented list (README gives the why
 * of each). A value missing here is an error, never a guess: reading an unknown one as active could mail
 * someone who left.
 */
export const IMPORT_STATUSES: Readonly<Record<string, SubscriberStatus>> = {
  // This program's own list, and an empty cell, which the list format reads as active.
  '': 'active',
  active: 'active',
  // Mailchimp's `status`: `transactional` (shown as "nonsubscribed") never opted in; `archived` left the audience.
  subscribed: 'active',
  pending: 'pending',
  transactional: 'pending',
  nonsubscribed: 'pending',
  unsubscribed: 'unsubscribed',
  archived: 'unsubscribed',
  cleaned: 'bounced',
  // Buttondown's `subscriber_type`. Paid states only say what they pay: they all still get the free newsletter,
  // `paused` too (a hold on the payment). `blocked` and `disposable` were held back by its spam filter.
  regular: 'active',
  premium: 'active',
  trialed: 'active',
  unpaid: 'active',
  gifted: 'active',
  churning: 'active',
  churned: 'active',
  past_due: 'active',
  paused: 'active',
  unactivated: 'pending',
  blocked: 'pending',
  disposable: 'pending',
  removed: 'unsubscribed',
  disabled: 'unsubscribed',
  undeliverable: 'bounced',
  spammy: 'bounced',
  malformed: 'bounced',
  complained: 'complained',
  // Kit/ConvertKit's `state`: `inactive` has not confirmed.
  inactive: 'pending',
  cancelled: 'unsubscribed',
  bounced: 'bounced',
  // Ghost's `status` says what a member pays; `subscribed_to_emails` says whether they get email.
  free: 'active',
  paid: 'active',
  comped: 'active',
  gift: 'active',
  // Other spellings.
  unconfirmed: 'pending',
  canceled: 'unsubscribed',
  spam: 'complained',
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

/**
 * Columns only Mailchimp writes. In its exports a row with neither an opt-in nor a confirmation time is no
 * evidence of consent: its `nonsubscribed_members_export` file (shop customers who never opted in) has the
 * same columns as the subscribed one, and files get renamed.
 */
const MAILCHIMP_COLUMNS = ['member rating', 'optin time', 'confirm time', 'leid', 'euid'];
const CONSENT_TIME_COLUMNS = ['optin time', 'confirm time'];

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
  /** In a Mailchimp export, the opt-in and confirmation time columns (a row needs one of them set); null elsewhere. */
  consentTimes: number[] | null;
}

/** The columns of an export from its header row; throws when no column holds the address. */
export function exportColumns(header: readonly string[], file: string): ExportColumns {
  const at = new Map<string, number>();
  header.forEach((name, i) => {
    if (!at.has(columnKey(name))) at.set(columnKey(name), i);
  });
  const find = (names: readonly string[]) => names.map((n) => at.get(n)).find((i) => i !== undefined) ?? null;
  const all = (names: readonly string[]) => names.flatMap((n) => (at.has(n) ? [got(at, n)] : []));
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
    consentTimes: MAILCHIMP_COLUMNS.some((key) => at.has(key)) ? all(CONSENT_TIME_COLUMNS) : null,
  };
}

function flag(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return null;
}

/** A row of an export. */
export interface ExportRow extends ListRow {
  /** Pending only because the export shows no opt-in or confirmation for it (a Mailchimp row with neither time). */
  unconsented: boolean;
}

/**
 * The trimmed cell `i` of a record; empty where the record has no such column. Not a closure made per row: tsx
 * wraps each in __name, over a second per million rows.
 */
function cellOf(record: readonly string[], i: number | null): string {
  return i === null ? '' : (record[i] ?? '').trim();
}

/**
 * One record of an export as a row of the list, the reason it was skipped (an invalid address), or a thrown
 * SubscribersError for a value this program does not know, which must stop the whole import.
 */
export function exportRow(columns: ExportColumns, record: readonly string[], file: string, line: number): ExportRow | RowProblem {
  const address = cellOf(record, columns.email);
  const email = Address.safeParse(address);
  if (!email.success) return { line, problem: `${atLine(file, line)}: ${quoted(address)} is not a valid email address; skipped.` };

  const statuses: SubscriberStatus[] = [];
  if (columns.status) {
    const value = cellOf(record, columns.status.index);
    const known = Object.hasOwn(IMPORT_STATUSES, value.toLowerCase()) ? IMPORT_STATUSES[value.toLowerCase()] : undefined;
    if (!known) {
      throw new SubscribersError(
        `${atLine(file, line)}: unknown ${printable(columns.status.header)} ${quoted(value)}; nothing was imported, since a guess could mail someone who left (README lists the statuses import reads).`,
      );
    }
    statuses.push(known);
  }
  for (const { index, status } of columns.stopTimes) if (cellOf(record, index) !== '') statuses.push(status);
  for (const { index, header, stopsWhen } of columns.stopFlags) {
    const value = cellOf(record, index);
    if (value === '') continue;
    const yes = flag(value);
    if (yes === null)
      throw new SubscribersError(
        `${atLine(file, line)}: ${printable(header)} ${quoted(value)} is neither true nor false; nothing was imported.`,
      );
    if (yes === stopsWhen) statuses.push('unsubscribed');
  }
  const unconsented = columns.consentTimes?.every((i) => cellOf(record, i) === '') ?? false;
  if (unconsented) statuses.push('pending');
  // The signal furthest from active wins: an unsubscribe time beside "subscribed" still means they left.
  const status = statuses.reduce<SubscriberStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'active');

  const fullName = [cellOf(record, columns.firstName), cellOf(record, columns.lastName)].filter(Boolean).join(' ');
  // A name is one line: a control character in it (an ESC sequence, a line break) would reach terminals and headers.
  const name = (cellOf(record, columns.name) || fullName).replace(/[\p{Cc}\s]+/gu, ' ').trim() || null;
  return {
    line,
    email: email.data,
    name,
    categories: parseCategories(cellOf(record, columns.categories)),
    status,
    unconsented: unconsented && status === 'pending',
  };
}

/** The first bytes of `file`, to tell what it is. */
async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** An error while reading `file` as one sentence: what the file is not, or where its CSV breaks. */
function readError(file: string, error: unknown): unknown {
  if (error instanceof SubscribersError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SubscribersError(`${file} does not exist.`);
  if (code === 'EISDIR') return new SubscribersError(`${file} is a folder, not a CSV file.`);
  const lines = (error as { lines?: number }).lines;
  return new SubscribersError(`${atLine(file, lines)}: ${printable((error as Error).message).replace(/\.$/, '')}; nothing was imported.`);
}

/**
 * Streams an export (comma, semicolon or tab separated) in batches: each row, or the reason it was skipped for an
 * invalid address. Throws on a file that can't be read, is no CSV (a zip, a workbook), is not UTF-8, has no
 * address column, or holds a status it doesn't know.
 */
export async function* exportRows(file: string): AsyncGenerator<(ExportRow | RowProblem)[]> {
  try {
    yield* readRecords(file, csvShape(await headOf(file), file).delimiter);
  } catch (error) {
    throw readError(file, error);
  }
}

/** A whole export read into memory: its rows and the rows skipped; throws as exportRows does, having read nothing into the list. */
export async function readExport(file: string): Promise<{ rows: ExportRow[]; problems: RowProblem[] }> {
  const rows: ExportRow[] = [];
  const problems: RowProblem[] = [];
  for await (const batch of exportRows(file)) {
    for (const row of batch) {
      if ('problem' in row) problems.push(row);
      else rows.push(row);
    }
  }
  return { rows, problems };
}

/**
 * The items of `stream` as they are ready, many at a time: a promise per item, each seen by the run's async hooks
 * (cli/io.ts), was a good part of an import's time at a million rows.
 */
async function* batches<T>(stream: Readable): AsyncGenerator<T[]> {
  const end: { done: boolean; error?: unknown } = { done: false };
  let wake = () => {};
  stream.on('readable', () => wake());
  finished(stream, (error) => {
    Object.assign(end, { done: true, error });
    wake();
  });
  try {
    for (;;) {
      const batch: T[] = [];
      for (let item = stream.read(); item !== null; item = stream.read()) batch.push(item);
      if (batch.length > 0) yield batch;
      else if (end.done) {
        if (end.error) throw end.error;
        return;
      } else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.destroy();
  }
}

async function* readRecords(file: string, delimiter: Delimiter): AsyncGenerator<(ExportRow | RowProblem)[]> {
  const parser = parse({ bom: true, delimiter, skip_empty_lines: true, relax_column_count: true, raw: true });
  createReadStream(file)
    .on('error', (error) => parser.destroy(error))
    .pipe(parser);
  let columns: ExportColumns | null = null;
  const lineOf = recordLines();
  for await (const records of batches<{ record: string[]; raw: string }>(parser)) {
    const rows: (ExportRow | RowProblem)[] = [];
    for (const { record, raw } of records) {
      const line = lineOf(raw);
      // Bytes that are not UTF-8 decode as U+FFFD: names would be stored garbled.
      if (record.some((cell) => cell.includes('\uFFFD'))) {
        throw new SubscribersError(
          `${atLine(file, line)} is not UTF-8 text (Excel's plain "CSV" uses the computer's own encoding): save the sheet as "CSV UTF-8", then import that file; nothing was imported.`,
        );
      }
      if (columns === null) {
        columns = exportColumns(record, file);
        continue;
      }
      if (record.every((c) => c.trim() === '')) continue;
      rows.push(exportRow(columns, record, file, line));
    }
    if (rows.length > 0) yield rows;
  }
  if (columns === null) throw new SubscribersError(`${file} is empty: it has no header row; nothing was imported.`);
}
