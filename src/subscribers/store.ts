import path from 'node:path';
import { LineError } from '../errors.ts';
import { appendLinesDurably, parseJsonLineStrictly, readLines } from '../files.ts';
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

/** One line of the event store as an event; undefined for a blank or torn line; any other line it can't read stops everything. */
export function eventOf(file: string, line: string, number: number): SubscriberEvent | undefined {
  const parsed = parseJsonLineStrictly(line);
  if (parsed === undefined) return undefined;
  const event = 'value' in parsed ? SubscriberEvent.safeParse(parsed.value) : null;
  if (event?.success) return event.data;
  // A skipped line could be an unsubscribe: mail to someone who left. Nothing goes until a person looks.
  const why = event ? 'is not a subscriber event' : 'is not JSON';
  throw new LineError(file, number, why, `fix or delete line ${number} (each line is one JSON event), then run again`);
}
