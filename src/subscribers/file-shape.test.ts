import { describe, expect, it } from 'vitest';
import { SubscribersError } from '../errors.ts';
import { csvShape, delimiterOf } from './file-shape.ts';

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
/** The start of a zip archive whose first entry is `name`, as a local file header has it. */
const zipEntry = (name: string) => bytes([0x50, 0x4b, 0x03, 0x04], new Array(22).fill(0), [name.length, 0, 0, 0], name);

describe('delimiterOf', () => {
  it.each([
    ['email,name,categories\na;b;c;d;e\n', ','],
    ['email;name;categories\r\na,b,c,d\r\n', ';'],
    ['email\tname\tcategories\n', '\t'],
    ['"Name, as written";email;categories\n', ';'],
    ['"E-mail;address",Name\n', ','],
    ['email\n', ','],
    ['', ','],
  ])('%j is separated by %j', (text, delimiter) => {
    expect(delimiterOf(text)).toBe(delimiter);
  });
});

describe('csvShape', () => {
  it.each([
    [zipEntry('[Content_Types].xml'), 'an Excel workbook'],
    [zipEntry('mimetypeapplication/vnd.oasis.opendocument.spreadsheet'), 'an OpenDocument spreadsheet'],
    [zipEntry('Index/Document.iwa'), 'a Numbers spreadsheet'],
    [zipEntry('subscribed_members_export_4f1a.csv'), 'a Mailchimp export (a zip archive)'],
    [zipEntry('list.csv'), 'a zip archive'],
    [bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'x'), 'an Excel 97-2003 workbook'],
    [bytes([0x1f, 0x8b, 8, 0]), 'gzip-compressed'],
    [bytes([0xfe, 0xff, 0, 0x65]), 'UTF-16 big-endian text'],
    [bytes('%PDF-1.7\n', [0, 1, 2]), 'binary data'],
  ])('refuses what is no CSV, saying what it is: %#', (head, what) => {
    const refuse = () => csvShape(head, 'list.csv');
    expect(refuse).toThrow(SubscribersError);
    expect(refuse).toThrow(new RegExp(`^list\\.csv is ${what.replace(/[()]/g, '\\$&')}, not a CSV file: .+; nothing was imported\\.$`));
  });

  it('reads UTF-8 with or without a BOM, and UTF-16 little-endian with its BOM', () => {
    expect(csvShape(Buffer.from('email,name\n'), 'f')).toEqual({ delimiter: ',' });
    expect(csvShape(Buffer.from('\ufeffemail;name\n'), 'f')).toEqual({ delimiter: ';' });
    expect(csvShape(Buffer.concat([bytes([0xff, 0xfe]), Buffer.from('email\tname\r\n', 'utf16le')]), 'f')).toEqual({ delimiter: '\t' });
  });
});
