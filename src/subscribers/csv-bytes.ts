// The plain rows of a UTF-8 list, read straight from its bytes (see csvRecords in csv.ts).

/** Where csvRecords puts each record read, with the line it ends on. */
export interface Sink {
  records: string[][];
  lines: number[];
  linesBefore: number;
  failed: boolean;
  /** Short ASCII fields read lately (see fieldText). */
  recent: (string | undefined)[];
  /** The fields of the record being read; each record gets a copy of its own size, not an array grown by pushing. */
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
/** What ends a field: 1 for a quote and a line break, which end a quoted one too; 2 for a comma. */
const ENDS_FIELD = new Uint8Array(256);
ENDS_FIELD[QUOTE] = ENDS_FIELD[LF] = ENDS_FIELD[CR] = 1;
ENDS_FIELD[COMMA] = 2;
/** readPlainRecord's answers other than where the next record starts. */
const MORE = -1;
const NOT_PLAIN = -2;

/**
 * The text of bytes `from` to `to`, decoded as UTF-8; a short ASCII text read lately is handed out again without
 * decoding it, by a hash of its length and three of its bytes: a list repeats its statuses and categories a million
 * times, and each decoding is a call into Node. A text is handed out again only if each of its characters is the
 * byte in its place, so only ASCII is.
 */
function fieldText(bytes: Buffer, from: number, to: number, recent: (string | undefined)[]): string {
  const length = to - from;
  if (length === 0) return '';
  if (length > 40) return bytes.toString('utf8', from, to);
  const key = (length * 31 + (bytes[from] as number) * 7 + (bytes[to - 1] as number) * 3 + (bytes[(from + to) >> 1] as number)) & 1023;
  const seen = recent[key];
  if (seen !== undefined && seen.length === length) {
    let k = 0;
    while (k < length && seen.charCodeAt(k) === bytes[from + k]) k++;
    if (k === length) return seen;
  }
  const text = bytes.toString('utf8', from, to);
  recent[key] = text;
  return text;
}

/**
 * Reads the record at `start` of `bytes` into `sink` if it has the plain shape nearly every row has, straight from
 * the bytes: on one line ending in the file's line break, each field either without quotes, or wholly quoted with
 * no quote, line break or space at its edges inside. Gives back where the next record starts; MORE if the bytes end
 * before the record (unless `final`), NOT_PLAIN for a record papaparse must read. It reads what papaparseReader would.
 */
function readPlainRecord(bytes: Buffer, start: number, crlf: boolean, final: boolean, sink: Sink): number {
  const n = bytes.length;
  const row = sink.fields;
  let count = 0;
  let quoted = false;
  let i = start;
  let c = -1;
  for (;;) {
    let from = i;
    if (i < n && bytes[i] === QUOTE) {
      quoted = true;
      from = ++i;
      while (i < n && ENDS_FIELD[bytes[i] as number] !== 1) i++;
      if (i === n) return final ? NOT_PLAIN : MORE;
      if (bytes[i] !== QUOTE) return NOT_PLAIN;
      row[count++] = fieldText(bytes, from, i++, sink.recent);
      c = i < n ? (bytes[i] as number) : -1;
      if (c !== COMMA && c !== LF && c !== CR && c !== -1) return NOT_PLAIN;
    } else {
      while (i < n && ENDS_FIELD[bytes[i] as number] === 0) i++;
      c = i < n ? (bytes[i] as number) : -1;
      if (c === QUOTE) return NOT_PLAIN;
      row[count++] = fieldText(bytes, from, i, sink.recent);
    }
    if (c === COMMA) i++;
    else break;
  }
  let terminated = true;
  if (c === -1) {
    if (!final) return MORE;
    terminated = false;
  } else if (c === LF) {
    if (crlf) return NOT_PLAIN;
    i++;
  } else if (!crlf || i + 1 === n) {
    return crlf && !final ? MORE : NOT_PLAIN;
  } else if (bytes[i + 1] === LF) i += 2;
  else return NOT_PLAIN;
  for (let k = 0; k < count; k++) {
    const field = row[k] as string;
    if (quoted && field !== field.trim()) return NOT_PLAIN;
    row[k] = field.trim();
  }
  const line = sink.linesBefore + 1;
  if (terminated) sink.linesBefore++;
  if (quoted || count > 1 || row[0] !== '') {
    sink.records.push(row.slice(0, count));
    sink.lines.push(line);
  }
  return i;
}

/**
 * Reads the records from `bytes` (UTF-8 from a record's start) into `sink`: plain ones by readPlainRecord, the others
 * with papaparse up to the last line break. Gives back the bytes it left for later.
 */
export function readBytes(
  bytes: Buffer,
  crlf: boolean,
  final: boolean,
  sink: Sink,
  papaparse: (text: string, final: boolean) => string,
): Buffer {
  let at = 0;
  while (at < bytes.length && !sink.failed) {
    const next = readPlainRecord(bytes, at, crlf, final, sink);
    if (next >= 0) {
      at = next;
      continue;
    }
    if (next === MORE) break;
    // Cut at a line break, so no character is cut in two; the rest of a record papaparse leaves waits for more.
    const cut = final ? bytes.length : bytes.lastIndexOf(LF) + 1;
    if (cut <= at) break;
    const rest = papaparse(bytes.toString('utf8', at, cut), final);
    if (rest.length > 0 || cut < bytes.length) return Buffer.concat([Buffer.from(rest), bytes.subarray(cut)]);
    at = cut;
  }
  return bytes.subarray(at);
}
