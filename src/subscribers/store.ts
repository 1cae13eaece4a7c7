import { access } from 'node:fs/promises';
import path from 'node:path';
import { appendLinesDurably, readJsonLines } from '../files.ts';
import { isProblem, readSubscriberCsv, type RowProblem } from './csv.ts';
import { addRow, applyEvents, SubscriberList } from './list.ts';
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

  async events(): Promise<SubscriberEvent[]> {
    return (await readJsonLines(this.file)).flatMap((line) => {
      const parsed = SubscriberEvent.safeParse(line);
      return parsed.success ? [parsed.data] : [];
    });
  }
}

/**
 * The effective list: the editor's CSV and every recorded event. A missing CSV counts as empty
 * when the store has readers or `allowMissingCsv` is set (commands that build the list up).
 */
export async function loadSubscribers(csvFile: string, store: SubscriberStore, options: { allowMissingCsv?: boolean } = {}): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
  const list = new SubscriberList();
  const problems: RowProblem[] = [];
  const events = await store.events();
  const csvExists = await access(csvFile).then(() => true, () => false);
  if (csvExists || (events.length === 0 && !options.allowMissingCsv)) {
    // Folded row by row as the file streams in, so a large list is never held twice.
    for await (const item of readSubscriberCsv(csvFile)) {
      if (isProblem(item)) problems.push(item);
      else addRow(list, item);
    }
  }
  applyEvents(list, events);
  return { list, problems };
}
