import type { VoteCounts } from './digest/community.ts';
import { weekRange } from './digest/week.ts';
import { LedgerError } from './errors.ts';
import type { State } from './state/stores.ts';
import { got } from './invariant.ts';

/** What happened to one issue after it went, each a count of distinct readers (`stats --json`). */
export interface IssueStats {
  week: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
  /** Per tool slug, readers' latest votes from this issue's links. */
  votes: Record<string, VoteCounts>;
}

export const COUNTED = ['delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;
type Counted = (typeof COUNTED)[number];
const EVENT_TYPES: Record<string, Counted> = {
  'email.delivered': 'delivered',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
};

/**
 * The stats of every issue whose send started, oldest first. Webhook events count for the issue named by the
 * message's `week` tag and only for its readers. An unsubscribe counts for the last issue the reader was sent
 * whose week had ended when they left (an issue goes out after its week).
 */
export async function issueStats(state: State, timezone: string): Promise<IssueStats[]> {
  const weeks = await state.ledgerWeeks();
  const readers = new Map<string, Set<string>>();
  for (const week of weeks) {
    // Without one issue's readers, an unsubscribe could be counted for the wrong issue: no table is better than a wrong one.
    const sent = await state
      .ledger(week)
      .sentReaders()
      .catch((error: unknown) => {
        throw error instanceof LedgerError ? error.for(`stats cannot tell who was sent the issue of ${week}`) : error;
      });
    readers.set(week, sent);
  }

  const seen = new Map(
    weeks.map((week) => [week, Object.fromEntries(COUNTED.map((c) => [c, new Set<string>()])) as Record<Counted, Set<string>>]),
  );
  for await (const entry of state.webhooks.entries()) {
    const counted = entry.type === undefined ? undefined : EVENT_TYPES[entry.type];
    const sets = entry.week ? seen.get(entry.week) : undefined;
    const sent = entry.week ? readers.get(entry.week) : undefined;
    if (!counted || !sets || !sent) continue;
    for (const email of entry.to ?? []) if (sent.has(email)) sets[counted].add(email);
  }

  // Each reader's issues with the instant its week ended, latest first, to find the one an unsubscribe follows.
  const ends = new Map(weeks.map((week) => [week, weekRange(week, timezone).end.getTime()]));
  const received = new Map<string, string[]>();
  for (const [week, sent] of readers) for (const email of sent) received.set(email, [week, ...(received.get(email) ?? [])]);
  const unsubscribed = new Map(weeks.map((week) => [week, new Set<string>()]));
  for await (const event of state.subscribers.events()) {
    if (event.type !== 'unsubscribe') continue;
    const at = Date.parse(event.at);
    const week = received.get(event.email)?.find((w) => got(ends, w) <= at);
    if (week) got(unsubscribed, week).add(event.email);
  }

  const tally = await state.votes.current();
  return weeks.map((week) => {
    const sets = got(seen, week);
    const votes = [...tally.ofIssue(week)].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      week,
      sent: got(readers, week).size,
      delivered: sets.delivered.size,
      opened: sets.opened.size,
      clicked: sets.clicked.size,
      bounced: sets.bounced.size,
      complained: sets.complained.size,
      unsubscribed: got(unsubscribed, week).size,
      votes: Object.fromEntries(votes),
    };
  });
}
