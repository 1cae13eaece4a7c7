import { SubscribersError } from '../../errors.ts';
import { quoted } from '../../plain-text.ts';
import type { RowProblem } from '../../subscribers/csv.ts';
import type { ListReader } from '../../subscribers/live.ts';
import { SubscriberList } from '../../subscribers/list.ts';
import { Subscriber } from '../../subscribers/schema.ts';
import type { Database } from './connect.ts';
import { CURSOR_ROWS, type PgSubscriberEvents } from './events.ts';
import type { Query } from './queries.ts';

/**
 * The list as the table subscribers keeps it, read whole (a cursor, page by page) at the first call. After that, as
 * the table is the fold of the events, each call folds in only the events recorded since: a server that asks at every
 * page reads what changed, not a million rows.
 */
export class PgList implements ListReader {
  private folded: { list: SubscriberList; after: number } | null = null;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sql: Database,
    private readonly query: Query,
    private readonly events: PgSubscriberEvents,
    private readonly place: string,
  ) {}

  /** The list as it stands now, including every event recorded before the call; a database skips no rows. */
  current(): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
    const refreshed = this.turn.then(() => this.refresh());
    this.turn = refreshed.catch(() => undefined);
    return refreshed;
  }

  private async refresh(): Promise<{ list: SubscriberList; problems: RowProblem[] }> {
    if (!this.folded) {
      this.folded = await this.read();
    } else {
      for await (const { id, event } of this.events.since(this.folded.after, 'strict')) {
        if (event) this.folded.list.fold(event);
        this.folded.after = id;
      }
    }
    return { list: this.folded.list, problems: [] };
  }

  /** The table in one snapshot, with the latest event it is the fold of. */
  private read(): Promise<{ list: SubscriberList; after: number }> {
    return this.sql.begin('isolation level repeatable read read only', async (tx) => {
      const [last] = await tx.unsafe<{ id: string }[]>(this.query('subscriber-events-last'));
      const list = new SubscriberList();
      for await (const rows of tx.unsafe<Subscriber[]>(this.query('subscribers-stream')).cursor(CURSOR_ROWS)) {
        list.load(rows.map((row) => tableReader(row, this.place)));
      }
      return { list, after: Number(last?.id ?? 0) };
    });
  }
}

/** A row of the table subscribers in `place` as a reader; one that is not (written by hand) stops the reading, naming it. */
export function tableReader(row: Subscriber, place: string): Subscriber {
  const parsed = Subscriber.safeParse(row);
  if (parsed.success) return parsed.data;
  throw new SubscribersError(
    `${place}: the subscribers row of ${quoted(String(row.email))} is not a reader; fix or delete that row, then run again.`,
  );
}
