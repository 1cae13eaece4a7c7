import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LineError, SubscribersError } from '../errors.ts';
import { AppendedLines, appendLinesDurably, parseJsonLineStrictly, readLines } from '../files.ts';
import { isProblem, readSubscriberCsv, type RowProblem } from './csv.ts';
import { SubscriberList } from './list.ts';
import { SubscriberEvent } from './schema.ts';

/** The program's own record of subscriber changes: `<state>/subscribers/events.jsonl`, append-only and fsynced. */
export class SubscriberStore {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'subscribers', 'events.jsonl');
  }

  async record(...events: SubscriberEvent[]): Promise<void> {
    await appendLinesDurably(
      this.file,
      events.map((event) => JSON.stringify(SubscriberEvent.parse(event))),
    );
  }

  /** Every recorded event, oldest first, as it streams in; a line it can't read stops with the file and line. */
  async *events(): AsyncGenerator<SubscriberEvent> {
    for await (const { line, number } of readLines(this.file)) {
      const event = eventOf(this.file, line, number);
      if (event) yield event;
    }
  }
}

/** A file that is there but can't be read (EACCES, a folder, an I/O error): one sentence naming it. */
function unreadable(file: string, error: unknown): unknown {
  if (error instanceof SubscribersError || !(error as NodeJS.ErrnoException).code) return error;
  return new SubscribersError(`${file} cannot be read (${(error as Error).message.replace(/, \w+ '.*'$/, '')}).`);
}

/** Which file is there (it changes when the file is replaced) and which content (when it is written); null when there is none. */
async function versionOf(file: string): Promise<{ file: string; content: string; size: number } | null> {
  try {
    const found = await stat(file);
    return { file: `${found.dev}:${found.ino}`, content: `${found.mtimeMs}:${found.size}`, size: found.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadable(file, error);
  }
}

/** One line of the event store as an event; undefined for a blank or torn line; any other line it can't read stops everything. */
function eventOf(file: string, line: string, number: number): SubscriberEvent | undefined {
  const parsed = parseJsonLineStrictly(line);
  if (parsed === undefined) return undefined;
  const event = 'value' in parsed ? SubscriberEvent.safeParse(parsed.value) : null;
  if (event?.success) return event.data;
  // A skipped line could be an unsubscribe: mail to someone who left. Nothing goes until a person looks.
  const why = event ? 'is not a subscriber event' : 'is not JSON';
  throw new LineError(file, number, why, `fix or delete line ${number} (each line is one JSON event), then run again`);
}

/**
 * The effective list (the editor's CSV folded row by row as it streams, so a large list is never held
 * twice, then every recorded event), and the rows it skipped. A missing CSV counts as empty when the
 * store has readers or `allowMissingCsv` is set (commands that build the list up). Read once by a
 * command, or kept by a long-running server: then each `current()` reads only the events appended since
 * (the store is append-only), so a page does not read a million-row file again; a CSV or event store
 * that was replaced or rewritten is folded again from the start.
 */
export class LiveSubscribers {
  private readonly events: AppendedLines;
  /** The list as last folded, with the CSV's version it was folded from. */
  private folded: { list: SubscriberList; problems: RowProblem[]; csv: string | null } | null = null;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly csvFile: string,
    store: SubscriberStore,
    private readonly options: { allowMissingCsv?: boolean } = {},
  ) {
    this.events = new AppendedLines(store.file);
  }

  /** The list as it stands now, including every event recorded before the call, and the CSV rows it skipped. */
  current(): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
    // One refresh at a time, each looking at the files only once its turn comes.
    const refreshed = this.turn.then(() => this.refresh());
    this.turn = refreshed.catch(() => undefined);
    return refreshed;
  }

  private async refresh(): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
    const csv = await versionOf(this.csvFile);
    const csvVersion = csv && `${csv.file}:${csv.content}`;
    const csvChanged = this.folded?.csv !== csvVersion;
    const events = await this.events.next({ fromStart: csvChanged }).catch((error: unknown) => {
      throw unreadable(this.events.file, error);
    });
    if (!this.folded || csvChanged || events.restarted) {
      this.folded = null;
      const { list, problems } = await this.foldCsv(csv !== null);
      this.folded = { list, problems, csv: csvVersion };
    }
    const { list } = this.folded;
    try {
      for await (const { line, number } of events.lines) {
        const event = eventOf(this.events.file, line, number);
        if (event) list.fold(event);
      }
    } catch (error) {
      throw unreadable(this.events.file, error);
    }
    return this.folded;
  }

  private async foldCsv(csvExists: boolean): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
    const list = new SubscriberList();
    const problems: RowProblem[] = [];
    const storeHasReaders = ((await versionOf(this.events.file))?.size ?? 0) > 0;
    if (csvExists || (!storeHasReaders && !this.options.allowMissingCsv)) {
      for await (const item of readSubscriberCsv(this.csvFile)) {
        if (isProblem(item)) problems.push(item);
        else list.fold(item);
      }
    }
    return { list, problems };
  }
}
