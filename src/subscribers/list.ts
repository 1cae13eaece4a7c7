import { SubscriberStatus, type Subscriber, type SubscriberEvent } from './schema.ts';
import { at } from '../invariant.ts';

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
function mergeRow(known: Subscriber | undefined, row: Omit<ListRow, 'line'>): Subscriber {
  if (!known) return { email: row.email, name: row.name, categories: row.categories, status: row.status };
  if (
    known.status === row.status &&
    row.categories.length === 0 &&
    known.categories.length === 0 &&
    (known.name !== null || row.name === null)
  )
    return known;
  return {
    email: known.email,
    name: known.name ?? row.name,
    // An empty list means every category, so it absorbs any narrower one.
    categories: known.categories.length === 0 || row.categories.length === 0 ? [] : union(known.categories, row.categories),
    status: STATUS_RANK[row.status] > STATUS_RANK[known.status] ? row.status : known.status,
  };
}

/** The statuses of a reader who left: no mail until they opt in again and confirm. */
export const STOPPED: ReadonlySet<SubscriberStatus> = new Set(['unsubscribed', 'bounced', 'complained']);

/**
 * Applies one recorded event to what is known of its address (undefined: nothing), the rule every backend folds
 * events by. A stop (unsubscribe, bounce, complaint) holds until the reader opts in again and confirms.
 */
export function applyEvent(known: Subscriber | undefined, event: SubscriberEvent): Subscriber | undefined {
  switch (event.type) {
    case 'add':
      return mergeRow(known, event);
    case 'subscribe':
      if (known?.status === 'active') return known;
      return { email: event.email, name: event.name ?? known?.name ?? null, categories: event.categories, status: 'pending' };
    case 'confirm':
      return known?.status === 'pending' ? { ...known, status: 'active' } : known;
    case 'opt-in':
      return { email: event.email, name: known?.name ?? null, categories: known?.categories ?? [], status: 'active' };
    case 'preferences':
      return known ? { ...known, categories: event.categories } : known;
    case 'update':
      if (!known) return known;
      return { ...known, name: event.name === undefined ? known.name : event.name, categories: event.categories ?? known.categories };
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
/** Set on the status byte of a reader the editor's file marks stopped: no recorded event makes them active again. */
const HELD_BY_FILE = 0x80;

/** What the list is folded from: a row of the editor's file, or an event the program recorded. */
export type ListEntry = Omit<ListRow, 'line'> | SubscriberEvent;

/**
 * The merged list, read like a Map from address to Subscriber. It is built by `fold`, the one place the
 * rules live: the editor's rows first, then every recorded event in order. Kept compact, so a million
 * readers take little memory: per address a slot holding the name, a status byte and the index of its
 * category list, each distinct list stored once. `get` and `values` hand out fresh Subscriber objects
 * whose category arrays are shared and frozen.
 */
export class SubscriberList {
  private readonly slots = new Map<string, number>();
  /** The address of each slot, so a reader can be handed out by slot without a lookup. */
  private readonly emails: string[] = [];
  private readonly names: (string | null)[] = [];
  private statuses = new Uint8Array(64);
  private categoryIds = new Uint32Array(64);
  private readonly categoryLists: string[][] = [];
  private readonly categoryIndex = new Map<string, number>();
  private readonly singleIndex = new Map<string, number>();
  private readonly emptyIndex = new Map<string, number>();
  /** The id of each frozen category list seen, by the array itself: rows share one per mix (csv.ts). */
  private readonly frozenIds = new WeakMap<readonly string[], number>();

  /** A list of readers already resolved (the last of an address wins), as a send is planned from. */
  static from(subscribers: Iterable<Subscriber>): SubscriberList {
    const list = new SubscriberList();
    list.load(subscribers);
    return list;
  }

  /** Adds readers already resolved (the last of an address wins), as a database keeps them. */
  load(subscribers: Iterable<Subscriber>): void {
    for (const s of subscribers) this.set(s.email, s, false);
  }

  /**
   * Folds one row of the editor's file or one recorded event into the list. Rows for one address merge
   * (any row that is not active wins; categories add up), and a reader a row marks stopped stays stopped
   * whatever the events say. Events apply in order; a stop holds until the reader opts in again and confirms.
   */
  fold(entry: ListEntry): void {
    const slot = this.slots.get(entry.email);
    if (!('type' in entry) && slot === undefined) {
      // Most rows are a new address: stored as they are, without an object for the merged reader.
      this.put(entry.email, slot, entry.name, entry.categories, entry.status, STOPPED.has(entry.status));
      return;
    }
    const known = slot === undefined ? undefined : this.at(entry.email, slot);
    if (!('type' in entry)) {
      const next = mergeRow(known, entry);
      this.set(entry.email, next, STOPPED.has(next.status));
      return;
    }
    const next = applyEvent(known, entry);
    if (!next || next === known) return;
    // A reader's own completed double opt-in releases the file's hold: it re-activates them whatever said otherwise before.
    const held = slot !== undefined && (at(this.statuses, slot) & HELD_BY_FILE) !== 0 && entry.type !== 'opt-in';
    this.set(entry.email, held && known && !STOPPED.has(next.status) ? { ...next, status: known.status } : next, held);
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

  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  *values(): Generator<Subscriber> {
    for (const [email, slot] of this.slots) yield this.at(email, slot);
  }

  /**
   * The reader in `slot`, a number from 0 to size - 1 that stays the address's for the list's life: an audience
   * keeps its readers as slots sorted by address and hands each out without looking its address up.
   */
  atSlot(slot: number): Subscriber {
    return this.at(this.emails[slot] as string, slot);
  }

  /** The address in `slot` (see atSlot). */
  emailAt(slot: number): string {
    return this.emails[slot] as string;
  }

  private set(email: string, subscriber: Subscriber, heldByFile: boolean): void {
    this.put(email, this.slots.get(email), subscriber.name, subscriber.categories, subscriber.status, heldByFile);
  }

  private put(
    email: string,
    slot: number | undefined,
    name: string | null,
    categories: readonly string[],
    status: SubscriberStatus,
    heldByFile: boolean,
  ): void {
    if (slot === undefined) {
      slot = this.names.length;
      this.slots.set(email, slot);
      this.emails.push(email);
      this.names.push(name);
      if (slot === this.statuses.length) this.grow();
    } else {
      this.names[slot] = name;
    }
    this.statuses[slot] = STATUSES.indexOf(status) | (heldByFile ? HELD_BY_FILE : 0);
    this.categoryIds[slot] = this.categoryId(categories);
  }

  // Indexed directly, not through invariant's at(): called for every reader by a send, where at() taking four kinds
  // of array made each access the slowest kind. A slot comes from the map, so each index is in range.
  private at(email: string, slot: number): Subscriber {
    return {
      email,
      name: this.names[slot] as string | null,
      categories: this.categoryLists[this.categoryIds[slot] as number] as string[],
      status: STATUSES[(this.statuses[slot] as number) & ~HELD_BY_FILE] as SubscriberStatus,
    };
  }

  /** The id of a category list: the empty list and single categories without building a key, longer lists by their JSON. */
  private categoryId(categories: readonly string[]): number {
    if (categories.length === 0) return this.listId(this.emptyIndex, '', categories);
    if (categories.length === 1) return this.listId(this.singleIndex, categories[0] as string, categories);
    let id = this.frozenIds.get(categories);
    if (id === undefined) {
      id = this.listId(this.categoryIndex, JSON.stringify(categories), categories);
      if (Object.isFrozen(categories)) this.frozenIds.set(categories, id);
    }
    return id;
  }

  private listId(index: Map<string, number>, key: string, categories: readonly string[]): number {
    let id = index.get(key);
    if (id === undefined) {
      id = this.categoryLists.length;
      this.categoryLists.push(Object.freeze([...categories]) as string[]);
      index.set(key, id);
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
