import { SubscribersError } from '../errors.ts';

/**
 * What a file given as a CSV really is, from its first bytes: a CSV and its delimiter (Excel writes `;` in
 * many locales and tab for "Unicode Text"), or one sentence saying what it is instead and what to do.
 * Pure: knows file formats, nothing of the newsletter.
 */

/** How much of the file's start `csvShape` looks at. */
export const HEAD_BYTES = 64 * 1024;

export type Delimiter = ',' | ';' | '\t';

const startsWith = (head: Uint8Array, magic: readonly number[]) => magic.every((byte, i) => head[i] === byte);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const GZIP = [0x1f, 0x8b];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const SAVE_AS_CSV = 'open it and save the sheet as "CSV UTF-8", then import that file';

/** Workbooks are zip archives too; the names of their first entries give them away. */
const ZIPPED_WORKBOOKS: readonly [RegExp, string][] = [
  [/\[Content_Types\]\.xml|xl\//, 'an Excel workbook'],
  [/opendocument\.spreadsheet/, 'an OpenDocument spreadsheet'],
  [/Index\/Document\.iwa/, 'a Numbers spreadsheet'],
];

/** The delimiter of a CSV whose start is `head`; throws naming what the file is when it is no CSV. */
export function csvShape(head: Buffer, file: string): { delimiter: Delimiter } {
  const refuse = (what: string, todo: string) => new SubscribersError(`${file} is ${what}, not a CSV file: ${todo}; nothing was imported.`);
  if (startsWith(head, ZIP)) {
    const names = head.toString('latin1');
    for (const [pattern, what] of ZIPPED_WORKBOOKS) if (pattern.test(names)) throw refuse(what, SAVE_AS_CSV);
    if (names.includes('members_export'))
      throw refuse(
        'a Mailchimp export (a zip archive)',
        'unzip it and import subscribed_members_export_*.csv, then the unsubscribed and cleaned files',
      );
    throw refuse('a zip archive', 'unzip it and import the CSV files inside, one at a time');
  }
  if (startsWith(head, OLE2)) throw refuse('an Excel 97-2003 workbook', SAVE_AS_CSV);
  if (startsWith(head, GZIP)) throw refuse('gzip-compressed', 'decompress it and import the CSV inside');
  if (startsWith(head, UTF16BE_BOM)) throw refuse('UTF-16 big-endian text', SAVE_AS_CSV);
  // csv-parse reads UTF-16 little-endian with its BOM (Excel's "Unicode Text") by itself.
  const text = startsWith(head, UTF16LE_BOM) ? head.subarray(2).toString('utf16le') : head.toString('utf8');
  if (text.includes('\u0000')) throw refuse('binary data', 'export the list as CSV and import that file');
  return { delimiter: delimiterOf(text) };
}

/** The delimiter the header row (the text up to its first line break outside quotes) uses most; a comma when it has none. */
export function delimiterOf(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  for (const c of text) {
    if (c === '"') inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (c === '\n' || c === '\r') break;
    else if (c === ',' || c === ';' || c === '\t') counts[c]++;
  }
  return counts[';'] > counts[','] && counts[';'] >= counts['\t'] ? ';' : counts['\t'] > counts[','] ? '\t' : ',';
}
