import { SubscriberStatus, type Subscriber, type SubscriberEvent } from './schema.ts';

/** One valid row of a subscriber CSV. */
export interface ListRow {
  line: number;
  email: string;
  name: string | null;
  categories: string[];
  status: SubscriberStatus;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const seen = new Set(a.map((c) => c.toLowerCase()));
  return [...a, ...b.filter((c) => !seen.has(c.toLowerCase()) && seen.add(c.toLowerCase()))];
}

/** When rows disagree, the one furthest from active wins, whatever their order. */
const STATUS_RANK: Record<SubscriberStatus, number> = { active: 0, pending: 1, unsubscribed: 2, bounced: 3, complained: 4 };

/** Folds one more row for an address into what is known of it: any row that is not active wins; categories add up. */
export function mergeRow(known: Subscriber | undefined, row: Omit<ListRow, 'line'>): Subscriber {
  if (!known) return { email: row.email, name: row.name, categories: row.categories, status: row.status };
  if (known.status === row.status && row.categories.length === 0 && known.categories.length === 0 && (known.name !== null || row.name === null)) return known;
  return {
    email: known.email,
    name: known.name ?? row.name,
    // An empty list means every category, so it absorbs any narrower one.
    categories: known.categories.length === 0 || row.categories.length === 0 ? [] : union(known.categories, row.categories),
    status: STATUS_RANK[row.status] > STATUS_RANK[known.status] ? row.status : known.status,
  };
}

const STOPPED: ReadonlySet<SubscriberStatus> = new Set(['unsubscribed', 'bounced', 'complained']);

/** Applies one recorded event. A stop (unsubscribe, bounce, complaint) holds until the reader opts in again and confirms. */
export function applyEvent(known: Subscriber | undefined, event: SubscriberEvent): Subscriber | undefined {
  switch (event.type) {
    case 'add':
      return mergeRow(known, event);
    case 'subscribe':
      if (known?.status === 'active') return known;
      return { email: event.email, name: event.name ?? known?.name ?? null, categories: event.categories, status: 'pending' };
    case 'confirm':
      return known?.status === 'pending' ? { ...known, status: 'active' } : known;
    case 'preferences':
      return known ? { ...known, categories: event.categories } : known;
    case 'unsubscribe':
      return known ? { ...known, status: 'unsubscribed' } : { email: event.email, name: null, categories: [], status: 'unsubscribed' };
    case 'bounce':
    case 'complaint': {
      const status = event.type === 'bounce' ? 'bounced' : 'complained';
      return known ? { ...known, status } : { email: event.email, name: null, categories: [], status };
    }
  }
}

const STATUSES = SubscriberStatus.options;

/**
 * The merged list, read like a Map from address to Subscriber but kept compact, so a million readers
 * take little memory: per address a slot holding the name, a status byte and the index of its category
 * list, each distinct list stored once. `get` and `values` hand out fresh Subscriber objects whose
 * category arrays are shared and frozen.
 */
export class SubscriberList {
  private readonly slots = new Map<string, number>();
  private readonly names: (string | null)[] = [];
  private statuses = new Uint8Array(64);
  private categoryIds = new Uint32Array(64);
  private readonly categoryLists: string[][] = [];
  private readonly categoryIndex = new Map<string, number>();

  static from(subscribers: Iterable<Subscriber>): SubscriberList {
    const list = new SubscriberList();
    for (const s of subscribers) list.set(s.email, s);
    return list;
  }

  get size(): number {
    return this.slots.size;
  }

  has(email: string): boolean {
    return this.slots.has(email);
  }

  get(email: string): Subscriber | undefined {
    const slot = this.slots.get(email);
    return slot === undefined ? undefined : this.at(email, slot);
  }

  set(email: string, subscriber: Subscriber): void {
    let slot = this.slots.get(email);
    if (slot === undefined) {
      slot = this.names.length;
      this.slots.set(email, slot);
      this.names.push(subscriber.name);
      if (slot === this.statuses.length) this.grow();
    } else {
      this.names[slot] = subscriber.name;
    }
    this.statuses[slot] = STATUSES.indexOf(subscriber.status);
    this.categoryIds[slot] = this.categoryId(subscriber.categories);
  }

  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  *values(): Generator<Subscriber> {
    for (const [email, slot] of this.slots) yield this.at(email, slot);
  }

  private at(email: string, slot: number): Subscriber {
    return { email, name: this.names[slot]!, categories: this.categoryLists[this.categoryIds[slot]!]!, status: STATUSES[this.statuses[slot]!]! };
  }

  private categoryId(categories: readonly string[]): number {
    const key = JSON.stringify(categories);
    let id = this.categoryIndex.get(key);
    if (id === undefined) {
      id = this.categoryLists.length;
      this.categoryLists.push(Object.freeze([...categories]) as string[]);
      this.categoryIndex.set(key, id);
    }
    return id;
  }

  private grow(): void {
    const statuses = new Uint8Array(this.statuses.length * 2);
    statuses.set(this.statuses);
    this.statuses = statuses;
    const categoryIds = new Uint32Array(this.categoryIds.length * 2);
    categoryIds.set(this.categoryIds);
    this.categoryIds = categoryIds;
  }
}

/** Folds one row of the editor's file into the list. */
export function addRow(list: SubscriberList, row: Omit<ListRow, 'line'>): void {
  list.set(row.email, mergeRow(list.get(row.email), row));
}

/** The addresses the editor's file itself marks stopped: no recorded event makes them active again. */
export function stoppedInFile(list: SubscriberList): Set<string> {
  const stopped = new Set<string>();
  for (const s of list.values()) if (STOPPED.has(s.status)) stopped.add(s.email);
  return stopped;
}

/** Applies one recorded event to a list folded from the file's rows; a reader stopped in the file stays stopped. */
export function applyRecorded(list: SubscriberList, event: SubscriberEvent, stopped: ReadonlySet<string>): void {
  const next = applyEvent(list.get(event.email), event);
  if (!next) return;
  list.set(event.email, stopped.has(event.email) && !STOPPED.has(next.status) ? { ...next, status: list.get(event.email)!.status } : next);
}

/** Applies recorded events in order to a list folded from the file's rows only; readers stopped in the file stay stopped. */
export function applyEvents(list: SubscriberList, events: Iterable<SubscriberEvent>): void {
  const stopped = stoppedInFile(list);
  for (const event of events) applyRecorded(list, event, stopped);
}

/** The list as the next send sees it: the editor's rows, then every recorded event in order. Rows marked stopped in the file stay stopped. */
export function resolveList(rows: Iterable<Omit<ListRow, 'line'>>, events: Iterable<SubscriberEvent>): SubscriberList {
  const list = new SubscriberList();
  for (const row of rows) addRow(list, row);
  applyEvents(list, events);
  return list;
}

export function isStopped(status: SubscriberStatus): boolean {
  return STOPPED.has(status);
}
