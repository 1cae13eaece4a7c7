import { randomBytes } from 'node:crypto';
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
/**
 * Addresses and names are kept in pages of 2^PAGE_BITS slots: one array of a million, grown by copying, left its
 * outgrown copies behind (some 25 MB) until the next full collection.
 */
const PAGE_BITS = 13;
const PAGE_MASK = (1 << PAGE_BITS) - 1;
/** Set on the status byte of a reader the editor's file marks stopped: no recorded event makes them active again. */
const HELD_BY_FILE = 0x80;

/** What the list is folded from: a row of the editor's file, or an event the program recorded. */
export type ListEntry = Omit<ListRow, 'line'> | SubscriberEvent;

/**
 * Where this process's hashes start: signups add addresses a stranger chooses, who could otherwise pick many with one
 * hash and make each look-up walk them all (V8 seeds its Map's hashes for the same reason).
 */
const SEED = randomBytes(4).readInt32LE();

/** A 32-bit FNV-1a hash of `text`'s code units from this process's seed, for SubscriberList's index. */
export function hashOf(text: string): number {
  let hash = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  // As an Int32Array keeps it, for the empty text too.
  return hash | 0;
}

/**
 * The merged list, read like a Map from address to Subscriber. It is built by `fold`, the one place the
 * rules live: the editor's rows first, then every recorded event in order. Kept compact, so a million
 * readers take little memory: per address a slot holding the name, a status byte and the index of its
 * category list, each distinct list stored once. `get` and `values` hand out fresh Subscriber objects
 * whose category arrays are shared and frozen.
 */
export class SubscriberList {
  /**
   * Slot + 1 of each address (0: free) at its hash, the next free place on a collision: a Map of a million
   * addresses took twice the time to fill and three times the memory. Never more than half full.
   */
  private index = new Int32Array(128);
  /** The hash of each slot's address, so a probe compares addresses only when their hashes agree. */
  private hashes = new Int32Array(64);
  /** The address of each slot, so a reader can be handed out by slot without a lookup. */
  private readonly emails: string[][] = [];
  private readonly names: (string | null)[][] = [];
  private count = 0;
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
    if (!('type' in entry)) {
      this.foldRow(entry);
      return;
    }
    const slot = this.slotOf(entry.email);
    const known = slot === undefined ? undefined : this.at(entry.email, slot);
    const next = applyEvent(known, entry);
    if (!next || next === known) return;
    // A reader's own completed double opt-in releases the file's hold: it re-activates them whatever said otherwise before.
    const held = slot !== undefined && (at(this.statuses, slot) & HELD_BY_FILE) !== 0 && entry.type !== 'opt-in';
    this.set(entry.email, held && known && !STOPPED.has(next.status) ? { ...next, status: known.status } : next, held);
  }

  /** fold for a row of the editor's file, as a million of them are folded: one look-up, and no object for a new address. */
  foldRow(row: Omit<ListRow, 'line'>): void {
    const hash = hashOf(row.email);
    const place = this.place(row.email, hash);
    const slot = (this.index[place] as number) - 1;
    if (slot === -1) {
      this.write(this.add(row.email, hash, place, row.name), row.categories, row.status, STOPPED.has(row.status));
      return;
    }
    const next = mergeRow(this.at(row.email, slot), row);
    this.setName(slot, next.name);
    this.write(slot, next.categories, next.status, STOPPED.has(next.status));
  }

  get size(): number {
    return this.count;
  }

  has(email: string): boolean {
    return this.slotOf(email) !== undefined;
  }

  get(email: string): Subscriber | undefined {
    const slot = this.slotOf(email);
    return slot === undefined ? undefined : this.at(email, slot);
  }

  *keys(): Generator<string> {
    for (let slot = 0; slot < this.count; slot++) yield this.emailAt(slot);
  }

  *values(): Generator<Subscriber> {
    for (let slot = 0; slot < this.count; slot++) yield this.atSlot(slot);
  }

  /**
   * The reader in `slot`, a number from 0 to size - 1 that stays the address's for the list's life: an audience
   * keeps its readers as slots sorted by address and hands each out without looking its address up.
   */
  atSlot(slot: number): Subscriber {
    return this.at(this.emailAt(slot), slot);
  }

  /** The status of the reader in `slot` (see atSlot), without making the reader. */
  statusAt(slot: number): SubscriberStatus {
    return STATUSES[(this.statuses[slot] as number) & ~HELD_BY_FILE] as SubscriberStatus;
  }

  /** The categories of the reader in `slot`: one frozen array for each distinct list. */
  categoriesAt(slot: number): readonly string[] {
    return this.categoryLists[this.categoryIds[slot] as number] as string[];
  }

  /** The address in `slot` (see atSlot). */
  emailAt(slot: number): string {
    return (this.emails[slot >>> PAGE_BITS] as string[])[slot & PAGE_MASK] as string;
  }

  private setName(slot: number, name: string | null): void {
    (this.names[slot >>> PAGE_BITS] as (string | null)[])[slot & PAGE_MASK] = name;
  }

  /** The place of `email` in the index: its slot's, or the free one it would take. */
  private place(email: string, hash: number): number {
    const mask = this.index.length - 1;
    for (let place = hash & mask; ; place = (place + 1) & mask) {
      const slot = (this.index[place] as number) - 1;
      if (slot === -1 || (this.hashes[slot] === hash && this.emailAt(slot) === email)) return place;
    }
  }

  private slotOf(email: string): number | undefined {
    const slot = (this.index[this.place(email, hashOf(email))] as number) - 1;
    return slot === -1 ? undefined : slot;
  }

  private set(email: string, subscriber: Subscriber, heldByFile: boolean): void {
    const hash = hashOf(email);
    const place = this.place(email, hash);
    let slot = (this.index[place] as number) - 1;
    if (slot === -1) slot = this.add(email, hash, place, subscriber.name);
    else this.setName(slot, subscriber.name);
    this.write(slot, subscriber.categories, subscriber.status, heldByFile);
  }

  /** A new slot for `email`, at its free `place` in the index. */
  private add(email: string, hash: number, place: number, name: string | null): number {
    const slot = this.count++;
    if ((slot & PAGE_MASK) === 0) {
      this.emails.push([]);
      this.names.push([]);
    }
    (this.emails[slot >>> PAGE_BITS] as string[]).push(email);
    (this.names[slot >>> PAGE_BITS] as (string | null)[]).push(name);
    if (slot === this.statuses.length) this.grow();
    this.hashes[slot] = hash;
    this.index[place] = slot + 1;
    if (2 * (slot + 1) > this.index.length) this.reindex();
    return slot;
  }

  private write(slot: number, categories: readonly string[], status: SubscriberStatus, heldByFile: boolean): void {
    this.statuses[slot] = STATUSES.indexOf(status) | (heldByFile ? HELD_BY_FILE : 0);
    this.categoryIds[slot] = this.categoryId(categories);
  }

  // Indexed directly, not through invariant's at(): called for every reader by a send, where at() taking four kinds
  // of array made each access the slowest kind. A slot comes from the index, so each index is in range.
  private at(email: string, slot: number): Subscriber {
    return {
      email,
      name: (this.names[slot >>> PAGE_BITS] as (string | null)[])[slot & PAGE_MASK] as string | null,
      categories: this.categoriesAt(slot) as string[],
      status: this.statusAt(slot),
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

  private reindex(): void {
    const index = new Int32Array(this.index.length * 2);
    const mask = index.length - 1;
    for (let slot = 0; slot < this.count; slot++) {
      let place = (this.hashes[slot] as number) & mask;
      while (index[place] !== 0) place = (place + 1) & mask;
      index[place] = slot + 1;
    }
    this.index = index;
  }

  private grow(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const statuses = new Uint8Array(this.statuses.length * 2);
    statuses.set(this.statuses);
    this.statuses = statuses;
    const categoryIds = new Uint32Array(this.categoryIds.length * 2);
    categoryIds.set(this.categoryIds);
    this.categoryIds = categoryIds;
  }
}
