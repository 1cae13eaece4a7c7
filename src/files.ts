import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';

// State holds readers' addresses and the tokens of their personal links: only its owner may read it.
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` and any missing parents, private to the owner. Node's own recursive mkdir retries forever where
 * a parent exists but cannot hold a folder (under /proc the child is never found and its parent always exists);
 * here a folder still not found once its parent exists is final.
 */
export async function makeFolder(dir: string): Promise<void> {
  const make = () =>
    mkdir(dir, { mode: PRIVATE_DIR }).then(
      () => undefined,
      async (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST' && (await stat(dir).catch(() => null))?.isDirectory()) return;
        throw error;
      },
    );
  try {
    await make();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(dir) === dir) throw error;
    await makeFolder(path.dirname(dir));
    await make();
  }
}

/** Writes `content` to a private file and flushes it to disk, to be renamed or linked into place; `wx` fails if the file exists. */
export async function writeSynced(file: string, content: string | Uint8Array, flags: 'w' | 'wx' = 'w'): Promise<void> {
  const handle = await open(file, flags, PRIVATE_FILE);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` so that a crash at any instant leaves either the old or the new content, never a mix. */
export async function writeFileDurably(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await makeFolder(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  await writeSynced(temp, content);
  await rename(temp, file);
  await syncDirectory(dir);
}

/**
 * Ends a line a crash tore (an append cut short, never acknowledged) once a later append closes it, so that
 * readers can tell it from a damaged line and skip it. JSON text never ends this way.
 */
export const TORN_MARK = ' <- torn by a crash, ignored';

/** Opens `file` to append and says what must lead the next write: after a torn append, the mark that closes the torn fragment. */
async function openToAppend(file: string): Promise<{ handle: FileHandle; lead: string; dev: number; ino: number; size: number }> {
  await makeFolder(path.dirname(file));
  const handle = await open(file, 'a+', PRIVATE_FILE);
  try {
    // After a torn append, close the torn fragment as a line of its own, marked, and start on a fresh line.
    const { size, dev, ino } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    return { handle, lead: size > 0 && last[0] !== 0x0a ? `${TORN_MARK}\n` : '', dev, ino, size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Appends whole lines and waits until they are on disk. A crash can tear only the last, unacknowledged line. */
export async function appendLinesDurably(file: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const { handle, lead } = await openToAppend(file);
  try {
    await handle.write(lead + lines.map((line) => `${line}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `appendLinesDurably` for one writer appending often: the file stays open between appends, so an append is a
 * `stat`, a write and an fsync. When the file on disk is no longer the one open, or has another size than this
 * writer left it (replaced, removed, cut or appended to by someone else), it is opened again as a first append
 * would, torn line included.
 */
export class LineAppender {
  private opened: { handle: FileHandle; dev: number; ino: number; size: number } | null = null;

  constructor(readonly file: string) {}

  async append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    let lead = '';
    if (this.opened) {
      const { dev, ino, size } = this.opened;
      const found = await stat(this.file).catch(() => null);
      if (found?.dev !== dev || found.ino !== ino || found.size !== size) await this.close();
    }
    if (!this.opened) {
      const { handle, dev, ino, size, lead: torn } = await openToAppend(this.file);
      this.opened = { handle, dev, ino, size };
      lead = torn;
    }
    const { handle } = this.opened;
    try {
      const text = Buffer.from(lead + lines.map((line) => `${line}\n`).join(''));
      const { bytesWritten } = await handle.write(text);
      if (bytesWritten !== text.length) throw new Error(`${this.file}: only ${bytesWritten} of ${text.length} bytes were written`);
      await handle.sync();
      this.opened.size += bytesWritten;
    } catch (error) {
      // What reached the file is unknown: the next append looks at it afresh.
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const handle = this.opened?.handle;
    this.opened = null;
    await handle?.close().catch(() => undefined);
  }
}

/**
 * The complete lines of `file` from byte `from` on, as it streams in, each with the byte offset just past
 * its newline, where a later read can go on, and its line number (`linesBefore` lines precede `from`).
 * A last line without its newline (an append cut short) is left out until a later append completes it.
 * A missing file has none.
 */
export async function* readLines(file: string, from = 0, linesBefore = 0): AsyncGenerator<{ line: string; end: number; number: number }> {
  const stream = createReadStream(file, { start: from });
  let carry: Buffer = Buffer.alloc(0);
  let offset = from;
  let number = linesBefore;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
        offset += newline + 1 - start;
        yield { line: data.toString('utf8', start, newline), end: offset, number: ++number };
        start = newline + 1;
      }
      carry = data.subarray(start);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  } finally {
    stream.destroy();
  }
}

/**
 * An append-only file of lines, read in turns by a long-running reader: each turn reads only what was
 * appended since the last. When the file was replaced or cut shorter since, the turn starts over from
 * the top and says so, and what was built from the old content must be dropped.
 */
export class AppendedLines {
  /** Where the next turn goes on: the byte offset, the lines before it, and the file (device and inode) they were read from. */
  private read = { offset: 0, lines: 0, identity: '' };

  constructor(readonly file: string) {}

  /**
   * The complete lines appended since the last turn (`fromStart`: every line), each with its line number.
   * `restarted` when the file was replaced or cut shorter after something was read. A turn goes on from
   * the last line its consumer took, so a consumer that stops at a line sees it again next turn.
   */
  async next(
    options: { fromStart?: boolean } = {},
  ): Promise<{ restarted: boolean; lines: AsyncGenerator<{ line: string; number: number }> }> {
    const found = await stat(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    const identity = found ? `${found.dev}:${found.ino}` : '';
    const restarted = this.read.offset > 0 && (identity !== this.read.identity || (found?.size ?? 0) < this.read.offset);
    if (restarted || options.fromStart) this.read = { offset: 0, lines: 0, identity };
    this.read.identity = identity;
    return { restarted, lines: this.lines() };
  }

  private async *lines(): AsyncGenerator<{ line: string; number: number }> {
    for await (const { line, end, number } of readLines(this.file, this.read.offset, this.read.lines)) {
      yield { line, number };
      this.read.offset = end;
      this.read.lines = number;
    }
  }
}

/** One line of a JSON-lines file, parsed; undefined for a blank or torn line (a crash mid-append, never acknowledged). */
export function parseJsonLine(line: string): unknown {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One line of a JSON-lines file whose every line counts: undefined for a blank line or one a crash tore
 * (closed by a later append, see TORN_MARK); the reason it is no JSON for any other line that does not parse.
 */
export function parseJsonLineStrictly(line: string): { value: unknown } | { damaged: string } | undefined {
  if (line.trim() === '' || line.endsWith(TORN_MARK)) return undefined;
  try {
    return { value: JSON.parse(line) as unknown };
  } catch (error) {
    return { damaged: (error as Error).message };
  }
}

export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
