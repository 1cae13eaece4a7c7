import { appendLinesDurably, readLines } from '../files.ts';
import { SubscribersError } from '../errors.ts';

/**
 * An append-only JSON-lines file written by one process at a high rate: appends that arrive while a write
 * is on its way to disk wait and go together in the next one (group commit), so a thousand events a second
 * cost a few dozen fsyncs instead of a thousand. Each `append` resolves once its lines are on disk.
 */
export class Journal {
  private queue: { lines: readonly string[]; done: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(readonly file: string) {}

  append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        await appendLinesDurably(this.file, group.flatMap((g) => g.lines));
        for (const g of group) g.done();
      } catch (error) {
        for (const g of group) g.done(error ?? new Error('append failed'));
      }
    }
    this.writing = false;
  }
}

// A crash mid-append leaves the start of a JSON object with no end; the next append starts a fresh line after it.
const isTorn = (line: string) => line.startsWith('{') && !line.trimEnd().endsWith('}');

/**
 * The records of a JSON-lines file from byte `from` on, each with the offset after it. A torn line (a crash
 * mid-append) is skipped; any other line that `parse` refuses stops with a sentence naming the file and line.
 */
export async function* readRecords<T>(file: string, parse: (value: unknown) => T | null, from = 0, firstLine = 1): AsyncGenerator<{ record: T; end: number; line: number }> {
  let lineNo = firstLine - 1;
  for await (const { line, end } of readLines(file, from)) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isTorn(line)) continue;
      value = undefined;
    }
    const record = value === undefined ? null : parse(value);
    if (record === null) {
      throw new SubscribersError(`${file}, line ${lineNo}, cannot be read; restore the file from a backup, or delete that line if you know what it held.`);
    }
    yield { record, end, line: lineNo };
  }
}
