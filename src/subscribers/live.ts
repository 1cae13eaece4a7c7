import { stat } from 'node:fs/promises';
import { assertListNotEmpty } from './list-file.ts';
import { isProblem, readSubscriberRows, type RowProblem } from './csv.ts';
import type { ExportRow } from './import.ts';
import type { ImportOutcome } from './import-plan.ts';
import { SubscriberList } from './list.ts';
import { type EventFeed, type SubscriberEvents, unreadable } from './store.ts';

/** Which file is there (it changes when the file is replaced) and which content (when it is written); null when there is none. */
async function versionOf(file: string): Promise<{ file: string; content: string } | null> {
  try {
    const found = await stat(file);
    return { file: `${found.dev}:${found.ino}`, content: `${found.mtimeMs}:${found.size}` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadable(file, error);
  }
}

/** The list as the next send sees it, read again at each call: a long-running server asks often and sees every change. */
export interface ListReader {
  /** The list, and the rows of the editor's file it skipped (files only). */
  current(): Promise<{ list: SubscriberList; problems: RowProblem[] }>;
}

/** What the commands that change the list need of the state (state/stores.ts). */
export interface ListState {
  readonly subscribers: SubscriberEvents;
  list(options?: { allowMissingCsv?: boolean }): ListReader;
  /**
   * Imports the checked rows of an export as planImport judges them against the list, all at once (a database's
   * COPY); returns how many rows had each outcome. Without it, the rows are planned against the list and recorded.
   */
  importRows?: ImportRows;
}

/** Imports the checked rows of `file` at `at` (ISO); how many rows had each outcome. */
export type ImportRows = (rows: readonly ExportRow[], at: string, file: string) => Promise<Record<ImportOutcome, number>>;

/**
 * The effective list (the editor's CSV folded row by row as it streams, so a large list is never held
 * twice, then every recorded event), and the rows it skipped. A missing CSV counts as empty when the
 * store has readers or `allowMissingCsv` is set (commands that build the list up). Read once by a
 * command, or kept by a long-running server: then each `current()` reads only the events appended since
 * (the store is append-only), so a page does not read a million-row file again; a CSV or event store
 * that was replaced or rewritten is folded again from the start.
 */
export class LiveSubscribers implements ListReader {
  private readonly events: EventFeed;
  /** The list as last folded, with the CSV's version it was folded from. */
  private folded: { list: SubscriberList; problems: RowProblem[]; csv: string | null } | null = null;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly csvFile: string,
    private readonly store: SubscriberEvents,
    private readonly options: { allowMissingCsv?: boolean } = {},
  ) {
    this.events = store.follow('strict');
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
    const events = await this.events.next({ fromStart: csvChanged });
    if (!this.folded || csvChanged || events.restarted) {
      this.folded = null;
      const { list, problems } = await this.foldCsv(csv !== null);
      this.folded = { list, problems, csv: csvVersion };
    }
    const { list } = this.folded;
    for await (const event of events.events) list.fold(event);
    return this.folded;
  }

  private async foldCsv(csvExists: boolean): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
    const list = new SubscriberList();
    const problems: RowProblem[] = [];
    const storeHasReaders = await this.store.hasEvents();
    if (csvExists || (!storeHasReaders && !this.options.allowMissingCsv)) {
      if (csvExists) await assertListNotEmpty(this.csvFile);
      for await (const items of readSubscriberRows(this.csvFile))
        for (const item of items) {
          if (isProblem(item)) problems.push(item);
          else list.foldRow(item);
        }
    }
    return { list, problems };
  }
}
