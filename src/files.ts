import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` so that a crash at any instant leaves either the old or the new content, never a mix. */
export async function writeFileDurably(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await syncDirectory(dir);
}

/** Appends whole lines and waits until they are on disk. A crash can tear only the last, unacknowledged line. */
export async function appendLinesDurably(file: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a+');
  try {
    // After a torn append, start on a fresh line so the torn fragment stays a line of its own.
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    const lead = size > 0 && last[0] !== 0x0a ? '\n' : '';
    await handle.write(lead + lines.map((line) => `${line}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The complete lines of `file` from byte `from` on, as it streams in, each with the byte offset just past
 * its newline, where a later read can go on. A last line without its newline (an append cut short) is
 * left out until a later append completes it. A missing file has none.
 */
export async function* readLines(file: string, from = 0): AsyncGenerator<{ line: string; end: number }> {
  const stream = createReadStream(file, { start: from });
  let carry: Buffer = Buffer.alloc(0);
  let offset = from;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
        offset += newline + 1 - start;
        yield { line: data.toString('utf8', start, newline), end: offset };
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

/** One line of a JSON-lines file, parsed; undefined for a blank or torn line (a crash mid-append, never acknowledged). */
export function parseJsonLine(line: string): unknown {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
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
