import type { SubscriberEvent, SubscriberStatus } from '../subscribers/schema.ts';
import type { EventFeed, SubscriberEvents } from '../subscribers/store.ts';

const STOPS: ReadonlySet<SubscriberStatus> = new Set(['unsubscribed', 'bounced', 'complained']);

/** When `event` stops mail to its address (unsubscribe, bounce, complaint, an import or add that stops it), in ms; else null. */
export function optOutTime(event: SubscriberEvent): number | null {
  switch (event.type) {
    case 'unsubscribe':
    case 'bounce':
    case 'complaint':
      return Date.parse(event.at);
    case 'add':
      return STOPS.has(event.status) ? Date.parse(event.at) : null;
    default:
      return null;
  }
}

/** When each address last opted out by a recorded event, kept current by reading only what was appended since. */
export class OptOuts {
  private readonly latest = new Map<string, number>();
  private readonly feed: EventFeed;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(store: SubscriberEvents) {
    // A damaged line stops the list (LiveSubscribers says where); here it is just not an opt-out.
    this.feed = store.follow('lenient');
  }

  /** The time of the address's latest recorded opt-out, in ms, or null when it never opted out by an event. */
  latestFor(email: string): Promise<number | null> {
    const next = this.turn.then(() => this.refresh()).then(() => this.latest.get(email) ?? null);
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async refresh(): Promise<void> {
    const { restarted, events } = await this.feed.next();
    if (restarted) this.latest.clear();
    for await (const event of events) {
      const at = optOutTime(event);
      if (at !== null && at >= (this.latest.get(event.email) ?? -Infinity)) this.latest.set(event.email, at);
    }
  }
}
