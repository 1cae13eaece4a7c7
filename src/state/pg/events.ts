import { SubscribersError } from '../../errors.ts';
import { applyEvent, STOPPED } from '../../subscribers/list.ts';
import { type Subscriber, SubscriberEvent } from '../../subscribers/schema.ts';
import type { EventFeed, SubscriberEvents } from '../../subscribers/store.ts';
import type { Vote } from '../../subscribers/tokens.ts';
import type { Votes } from '../stores.ts';
import { type CastOutcome, RecordedVote, VOTE_CHANGES, VoteTally } from '../votes.ts';
import type { Executor } from './connect.ts';
import type { Query } from './queries.ts';

/** Rows read per round trip when streaming a table: a long history never sits in memory whole. */
export const CURSOR_ROWS = 1000;

/** An event that says the reader left: the time of the latest is kept for the consent rule (subscribers.opted_out_at). */
const stops = (event: SubscriberEvent) =>
  event.type === 'unsubscribe' ||
  event.type === 'bounce' ||
  event.type === 'complaint' ||
  (event.type === 'add' && STOPPED.has(event.status));

/**
 * The subscriber events in the table subscriber_events, append-only; a feed remembers the last id it gave. The table
 * subscribers is their fold, kept current by the transaction that appends them.
 */
export class PgSubscriberEvents implements SubscriberEvents {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
    readonly place: string,
  ) {}

  /** Appends the events and folds each into its reader's row, in one transaction that holds those rows locked. */
  async record(...events: SubscriberEvent[]): Promise<void> {
    await this.sql.begin((tx) => this.recordIn(tx, events));
  }

  /** Appends `events` in the transaction `tx`, so they commit or not with what else it writes (a webhook's record). */
  async recordIn(tx: Pick<Executor, 'unsafe'>, events: readonly SubscriberEvent[]): Promise<void> {
    const parsed = events.map((event) => SubscriberEvent.parse(event));
    await tx.unsafe(this.query('subscriber-events-lock'));
    await tx.unsafe(this.query('subscriber-events-append'), [
      parsed.map((event) => event.email),
      parsed.map((event) => event.type),
      parsed.map((event) => JSON.stringify(event)),
    ]);
    const emails = [...new Set(parsed.map((event) => event.email))];
    const rows = await tx.unsafe<Subscriber[]>(this.query('subscribers-lock'), [emails]);
    const known = new Map(rows.map((row) => [row.email, row]));
    const changed = new Map<string, { reader: Subscriber; stopped: boolean }>();
    for (const event of parsed) {
      const before = known.get(event.email);
      const after = applyEvent(before, event);
      if (!after || (after === before && !stops(event))) continue;
      known.set(event.email, after);
      changed.set(event.email, { reader: after, stopped: stops(event) || (changed.get(event.email)?.stopped ?? false) });
    }
    for (const { reader, stopped } of changed.values()) {
      await tx.unsafe(this.query('subscriber-write'), [reader.email, reader.name, reader.categories, reader.status, stopped]);
    }
  }

  async *events(): AsyncGenerator<SubscriberEvent> {
    for await (const { event } of this.since(0, 'strict')) if (event) yield event;
  }

  async hasEvents(): Promise<boolean> {
    const [row] = await this.sql.unsafe<{ any: boolean }[]>(this.query('subscriber-events-any'));
    return row?.any ?? false;
  }

  follow(damaged: 'strict' | 'lenient'): EventFeed {
    let last = 0;
    return {
      next: async (options) => {
        if (options?.fromStart) last = 0;
        const rows = this.since(last, damaged);
        async function* events(): AsyncGenerator<SubscriberEvent> {
          for await (const { id, event } of rows) {
            last = id;
            if (event) yield event;
          }
        }
        // The table is never replaced or cut shorter, so nothing built from it needs dropping.
        return { restarted: false, events: events() };
      },
    };
  }

  /** The rows after `after`; one that is not an event (written by hand) stops a strict reader, naming its id. */
  async *since(after: number, damaged: 'strict' | 'lenient'): AsyncGenerator<{ id: number; event: SubscriberEvent | undefined }> {
    const cursor = this.sql.unsafe<{ id: string; body: unknown }[]>(this.query('subscriber-events-since'), [after]).cursor(CURSOR_ROWS);
    for await (const rows of cursor) {
      for (const row of rows) {
        const event = SubscriberEvent.safeParse(row.body).data;
        if (!event && damaged === 'strict') {
          throw new SubscribersError(
            `${this.place}: the subscriber event with id ${row.id} is not a subscriber event; fix or delete that row, then run again.`,
          );
        }
        yield { id: Number(row.id), event };
      }
    }
  }
}

/** Reader votes: the standing one per reader, tool and issue in votes, every cast in vote_history. */
export class PgVotes implements Votes {
  constructor(
    private readonly sql: Executor,
    private readonly query: Query,
  ) {}

  async record(vote: Vote, at: Date): Promise<void> {
    const recorded = RecordedVote.parse({ type: 'vote', ...vote, at: at.toISOString() });
    await this.sql.unsafe(this.query('vote-cast'), [recorded.email, recorded.week, recorded.slug, recorded.choice, at]);
  }

  /**
   * As the files backend's: one transaction, serialised per reader, tool and issue, reads the standing vote and the
   * changes the limit looks at and records the vote, so two hosts casting at once cannot both pass the limit.
   */
  cast(vote: Vote, at: Date): Promise<CastOutcome> {
    const recorded = RecordedVote.parse({ type: 'vote', ...vote, at: at.toISOString() });
    const key = [recorded.email, recorded.week, recorded.slug];
    return this.sql.begin(async (tx): Promise<CastOutcome> => {
      await tx.unsafe(this.query('vote-serialize'), key);
      const [standing] = await tx.unsafe<{ choice: Vote['choice'] }[]>(this.query('vote-standing'), key);
      if (standing?.choice === recorded.choice) return { kind: 'unchanged' };
      if (standing) {
        const [change] = await tx.unsafe<{ at: Date }[]>(this.query('vote-change-at'), [...key, VOTE_CHANGES.changes]);
        const next = change ? change.at.getTime() + VOTE_CHANGES.windowMs : 0;
        if (next > at.getTime()) {
          return { kind: 'too-often', standing: standing.choice, retryAfterSeconds: Math.ceil((next - at.getTime()) / 1000) };
        }
      }
      await tx.unsafe(this.query('vote-cast'), [...key, recorded.choice, at]);
      return { kind: 'recorded' };
    });
  }

  /** The tally of every vote recorded before the call, folded in the order they were recorded. */
  async current(): Promise<VoteTally> {
    const tally = new VoteTally();
    for await (const vote of this.history()) tally.apply(vote);
    return tally;
  }

  async *history(): AsyncGenerator<RecordedVote> {
    const cursor = this.sql.unsafe<(Omit<RecordedVote, 'type' | 'at'> & { at: Date })[]>(this.query('votes-history')).cursor(CURSOR_ROWS);
    for await (const rows of cursor) for (const row of rows) yield { type: 'vote', ...row, at: row.at.toISOString() };
  }
}
