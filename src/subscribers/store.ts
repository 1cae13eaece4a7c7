import { stat } from 'node:fs/promises';
import path from 'node:path';
import { appendLinesDurably, parseJsonLine, readLines } from '../files.ts';
import { isProblem, readSubscriberCsv, type RowProblem } from './csv.ts';
import { addRow, applyRecorded, stoppedInFile, SubscriberList } from './list.ts';
import { SubscriberEvent } from './schema.ts';

/** The program's own record of subscriber changes: `<state>/subscribers/events.jsonl`, append-only and fsynced. */
export class SubscriberStore {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'subscribers', 'events.jsonl');
  }

  async record(...events: SubscriberEvent[]): Promise<void> {
    await appendLinesDurably(this.file, events.map((event) => JSON.stringify(SubscriberEvent.parse(event))));
  }

  /** The events recorded from byte `from` on, as they stream in, each with the offset a later read goes on from; null for a line that is no event. */
  async *read(from = 0): AsyncGenerator<{ event: SubscriberEvent | null; end: number }> {
    for await (const { line, end } of readLines(this.file, from)) {
      const parsed = SubscriberEvent.safeParse(parseJsonLine(line));
      yield { event: parsed.success ? parsed.data : null, end };
    }
  }

  async events(): Promise<SubscriberEvent[]> {
    const events: SubscriberEvent[] = [];
    for await (const { event } of this.read()) if (event) events.push(event);
    return events;
  }
}

/** Which file is there (it changes when the file is replaced) and which content (when it is written); null when there is none. */
async function versionOf(file: string): Promise<{ file: string; content: string; size: number } | null> {
  const found = await stat(file).catch(() => null);
  return found && { file: `${found.dev}:${found.ino}`, content: `${found.mtimeMs}:${found.size}`, size: found.size };
}

interface Folded {
  list: SubscriberList;
  problems: RowProblem[];
  /** Readers the CSV itself marks stopped, which no event reactivates. */
  stopped: Set<string>;
  /** Where the next read of the event store goes on. */
  eventsRead: number;
}

/** The CSV folded row by row as it streams in, so a large list is never held twice, then every recorded event. */
async function fold(csvFile: string, store: SubscriberStore, options: { allowMissingCsv?: boolean }): Promise<Folded> {
  const list = new SubscriberList();
  const problems: RowProblem[] = [];
  const csvExists = (await versionOf(csvFile)) !== null;
  const storeHasReaders = ((await versionOf(store.file))?.size ?? 0) > 0;
  if (csvExists || (!storeHasReaders && !options.allowMissingCsv)) {
    for await (const item of readSubscriberCsv(csvFile)) {
      if (isProblem(item)) problems.push(item);
      else addRow(list, item);
    }
  }
  const folded: Folded = { list, problems, stopped: stoppedInFile(list), eventsRead: 0 };
  await applyNewEvents(folded, store);
  return folded;
}

async function applyNewEvents(folded: Folded, store: SubscriberStore): Promise<void> {
  for await (const { event, end } of store.read(folded.eventsRead)) {
    if (event) applyRecorded(folded.list, event, folded.stopped);
    folded.eventsRead = end;
  }
}

/**
 * The effective list: the editor's CSV and every recorded event. A missing CSV counts as empty
 * when the store has readers or `allowMissingCsv` is set (commands that build the list up).
 */
export async function loadSubscribers(csvFile: string, store: SubscriberStore, options: { allowMissingCsv?: boolean } = {}): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
  const { list, problems } = await fold(csvFile, store, options);
  return { list, problems };
}

/**
 * The effective list for a long-running server: folded once, then kept current by reading only the
 * events appended since (the store is append-only), so a page does not read a million-row file again.
 * A CSV or event store that was replaced or rewritten is folded again from the start.
 */
export class LiveSubscribers {
  /** With the CSV's version and the event store's file it was folded from. */
  private folded: (Folded & { csv: string | null; eventsFile: string | null }) | null = null;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly csvFile: string,
    private readonly store: SubscriberStore,
    private readonly options: { allowMissingCsv?: boolean } = {},
  ) {}

  /** The list as it stands now, including every event recorded before the call. */
  current(): Promise<SubscriberList> {
    // One refresh at a time, each looking at the files only once its turn comes.
    const refreshed = this.turn.then(() => this.refresh());
    this.turn = refreshed.catch(() => undefined);
    return refreshed;
  }

  private async refresh(): Promise<SubscriberList> {
    const [csv, events] = await Promise.all([versionOf(this.csvFile), versionOf(this.store.file)]);
    const csvVersion = csv && `${csv.file}:${csv.content}`;
    const known = this.folded;
    // A store created since is read from its start; one replaced or cut shorter means folding again.
    const sameStore = known?.eventsFile === null || known?.eventsFile === events?.file;
    if (known && known.csv === csvVersion && sameStore && (events?.size ?? 0) >= known.eventsRead) {
      known.eventsFile = events?.file ?? null;
      await applyNewEvents(known, this.store);
      return known.list;
    }
    this.folded = { ...(await fold(this.csvFile, this.store, this.options)), csv: csvVersion, eventsFile: events?.file ?? null };
    return this.folded.list;
  }
}
