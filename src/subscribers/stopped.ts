import { SubscriberList } from './list.ts';
import type { SubscriberStatus } from './schema.ts';
import type { EventFeed, SubscriberEvents } from './store.ts';

/**
 * Which of a send's readers the recorded events no longer have as active, for a send that looks again before each
 * batch goes. Only the events are folded, each address starting out active: every reader of a batch was active when it
 * was planned, and from an active reader the events lead where the whole list's fold leads (list.ts). So the editor's
 * file is never read again and only addresses with events are kept; the first look reads every event, each later one
 * only those recorded since.
 */
export class StoppedReaders {
  private readonly feed: EventFeed;
  private statuses = new SubscriberList();

  constructor(events: SubscriberEvents) {
    // Lenient: a damaged event must not stop a send halfway; the next send's strict read of the list names it.
    this.feed = events.follow('lenient');
  }

  /** The readers of `emails` not active now, with their status. */
  async among(emails: Iterable<string>): Promise<{ email: string; status: SubscriberStatus }[]> {
    const { restarted, events } = await this.feed.next();
    if (restarted) this.statuses = new SubscriberList();
    for await (const event of events) {
      if (!this.statuses.has(event.email)) this.statuses.fold({ email: event.email, name: null, categories: [], status: 'active' });
      this.statuses.fold(event);
    }
    const stopped: { email: string; status: SubscriberStatus }[] = [];
    for (const email of emails) {
      const status = this.statuses.get(email)?.status ?? 'active';
      if (status !== 'active') stopped.push({ email, status });
    }
    return stopped;
  }
}
