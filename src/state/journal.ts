import { LineAppender, parseJsonLineStrictly, readLines } from '../files.ts';
import { LineError, type UserError } from '../errors.ts';

/**
 * An append-only JSON-lines file written by one process at a high rate: appends that arrive while a write
 * is on its way to disk wait and go together in the next one (group commit), so a thousand events a second
 * cost a few dozen fsyncs instead of a thousand. Each `append` resolves once its lines are on disk.
 */
export class Journal {
  private queue: { lines: readonly string[]; done: (error?: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;
  private readonly appender: LineAppender;

  constructor(readonly file: string) {
    this.appender = new LineAppender(file);
  }

  /** Waits for the appends under way, then lets go of the file (a later append opens it again). */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    await this.appender.close();
  }

  append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        await this.appender.append(group.flatMap((g) => g.lines));
        for (const g of group) g.done();
      } catch (error) {
        for (const g of group) g.done(error ?? new Error('append failed'));
      }
    }
    this.writing = null;
  }
}

/**
 * The records of a JSON-lines file from byte `from` on (`linesBefore` lines precede it), each with the offset
 * after it and its line number. A line a crash tore is skipped; any other line that `parse` refuses stops
 * with a sentence naming the file and line (`damaged`'s, when given).
 */
export async function* readRecords<T>(
  file: string,
  parse: (value: unknown) => T | null,
  from = 0,
  linesBefore = 0,
  damaged?: (line: number) => UserError,
): AsyncGenerator<{ record: T; end: number; line: number }> {
  for await (const { line, end, number } of readLines(file, from, linesBefore)) {
    const parsed = parseJsonLineStrictly(line);
    if (parsed === undefined) continue;
    const record = 'value' in parsed ? parse(parsed.value) : null;
    if (record === null) {
      if (damaged) throw damaged(number);
      throw new LineError(file, number, 'cannot be read', `fix or delete line ${number} (each line is one JSON record), then run again`);
    }
    yield { record, end, line: number };
  }
}
