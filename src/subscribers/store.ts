import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LineError, SubscribersError } from '../errors.ts';
import { AppendedLines, appendLinesDurably, parseJsonLine, parseJsonLineStrictly, readLines } from '../files.ts';
import { SubscriberEvent } from './schema.ts';

/** A long-running reader's turns over the events: each turn gives only what was recorded since the last. */
export interface EventFeed {
  /** The events since the last turn (`fromStart`: all); `restarted` when the store was replaced since, and what was built from it must be dropped. */
  next(options?: { fromStart?: boolean }): Promise<{ restarted: boolean; events: AsyncIterable<SubscriberEvent> }>;
}

/** The program's own record of subscriber changes, append-only; a backend of the state (see state/stores.ts) keeps it. */
export interface SubscriberEvents {
  /** Where the events are kept, for sentences. */
  readonly place: string;
  record(...events: SubscriberEvent[]): Promise<void>;
  /** Every recorded event, oldest first; a record it can't read stops with where it is. */
  events(): AsyncIterable<SubscriberEvent>;
  /** Whether any event was ever recorded. */
  hasEvents(): Promise<boolean>;
  /** A feed that stops at a record it can't read (`strict`), or passes over it (`lenient`, for a reader that only looks for some events). */
  follow(damaged: 'strict' | 'lenient'): EventFeed;
}

/** A file that is there but can't be read (EACCES, a folder, an I/O error): one sentence naming it. */
export function unreadable(file: string, error: unknown): unknown {
  if (error instanceof SubscribersError || !(error as NodeJS.ErrnoException).code) return error;
  return new SubscribersError(`${file} cannot be read (${(error as Error).message.replace(/, \w+ '.*'$/, '')}).`);
}

/** The events in `<state>/subscribers/events.jsonl`, append-only and fsynced. */
export class SubscriberStore implements SubscriberEvents {
  readonly file: string;

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.file = path.join(folder, 'subscribers', 'events.jsonl');
  }

  get place(): string {
    return this.file;
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

  async hasEvents(): Promise<boolean> {
    try {
      return (await stat(this.file)).size > 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw unreadable(this.file, error);
    }
  }

  follow(damaged: 'strict' | 'lenient'): EventFeed {
    const lines = new AppendedLines(this.file);
    const file = this.file;
    return {
      async next(options) {
        const turn = await lines.next(options).catch((error: unknown) => {
          throw unreadable(file, error);
        });
        async function* events(): AsyncGenerator<SubscriberEvent> {
          try {
            for await (const { line, number } of turn.lines) {
              // Lenient: a damaged line is for a strict reader to report; here it is just no event.
              const event = damaged === 'strict' ? eventOf(file, line, number) : SubscriberEvent.safeParse(parseJsonLine(line)).data;
              if (event) yield event;
            }
          } catch (error) {
            throw unreadable(file, error);
          }
        }
        return { restarted: turn.restarted, events: events() };
      },
    };
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
