import { categoryKey } from '../catalog/schema.ts';
import { comparisonsFor } from '../digest/issue.ts';
import type { Issue } from '../digest/schema.ts';
import type { Recipient } from '../mail.ts';
import type { RowProblem } from '../subscribers/csv.ts';
import type { SubscriberList } from '../subscribers/list.ts';
import type { SubscriberStatus } from '../subscribers/schema.ts';

export type SkipReason = 'unsubscribed' | 'bounced' | 'complained' | 'pending' | 'no matching categories' | 'invalid address';

/**
 * Who gets an issue and who doesn't, with why, as a backend works it out from its list. Readers come a page at a
 * time in address order (JavaScript's sort order, which a database gives with COLLATE "C" for the ASCII addresses
 * the program accepts), so the same list makes the same batches on every backend.
 */
export interface Audience {
  skipped: Map<SkipReason, number>;
  /** The list's rows that cannot be read, one sentence each (the editor's CSV). */
  problems: string[];
  /** The issue's readers, sorted by address, page after page. */
  readers(): AsyncIterable<Recipient[]>;
  /** Every skipped reader as `address,reason`, sorted by address, then each unreadable row; for `send --dry-run --verbose`. */
  skippedLines(): AsyncIterable<string>;
}

/** The reason the issue skips an address of the list, or null for a reader: comparisonsFor's rule. */
function readerSkipReason(issue: Issue, subscriber: { status: SubscriberStatus; categories: readonly string[] }): SkipReason | null {
  if (subscriber.status !== 'active') return subscriber.status;
  return comparisonsFor(issue, subscriber.categories).length === 0 ? 'no matching categories' : null;
}

/** The keys (categoryKey) of the categories a reader can choose this issue by. */
export function issueCategoryKeys(issue: Issue): Set<string> {
  return new Set(issue.comparisons.flatMap((c) => [c.left, c.right]).flatMap((side) => (side ? [categoryKey(side.category)] : [])));
}

/** Readers handed out at a time from a list held in memory. */
const PAGE = 1000;

/** The audience of a list held in memory (the files backend): its readers are kept as the list's slots sorted by address, so a large list is not copied. */
export function audienceOf(issue: Issue, list: SubscriberList, problems: readonly RowProblem[]): Audience {
  // The list shares one frozen array per category mix, so each mix is matched against the issue once.
  const matches = new Map<readonly string[], boolean>();
  const skipReason = (status: SubscriberStatus, categories: readonly string[]): SkipReason | null => {
    if (status !== 'active') return status;
    let match = matches.get(categories);
    if (match === undefined) {
      match = readerSkipReason(issue, { status, categories }) === null;
      if (Object.isFrozen(categories)) matches.set(categories, match);
    }
    return match ? null : 'no matching categories';
  };
  const skipped = new Map<SkipReason, number>();
  const skip = (reason: SkipReason) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  for (const _ of problems) skip('invalid address');
  const readers = new Int32Array(list.size);
  let count = 0;
  for (let slot = 0; slot < list.size; slot++) {
    const reason = skipReason(list.statusAt(slot), list.categoriesAt(slot));
    if (reason) skip(reason);
    else readers[count++] = slot;
  }
  const slots = sortByAddress(list, readers.subarray(0, count));
  return {
    skipped,
    problems: problems.map((p) => p.problem),
    async *readers() {
      for (let i = 0; i < slots.length; i += PAGE) {
        const page: Recipient[] = [];
        const end = Math.min(i + PAGE, slots.length);
        for (let j = i; j < end; j++) page.push(list.atSlot(slots[j] as number));
        yield page;
      }
    },
    async *skippedLines() {
      const lines: string[] = [];
      for (const s of list.values()) {
        const reason = skipReason(s.status, s.categories);
        if (reason) lines.push(`${s.email},${reason}`);
      }
      yield* lines.sort();
      // An invalid row has no address to name; its line in the list stands in for it.
      for (const p of problems) yield `line ${p.line},invalid address`;
    },
  };
}

/** How many characters of each address the radix sort orders by; addresses alike that far are then compared. */
const RADIX_CHARS = 24;

/**
 * Character `i` of `text` as a byte that orders as it does: 0 past the end, its code unit plus one, 255 from 254 up.
 * A 255 stands for many characters, so the radix reads nothing after it.
 */
function byteAt(text: string, i: number): number {
  return i < text.length ? Math.min(text.charCodeAt(i) + 1, 255) : 0;
}

/**
 * `slots` in the order of their addresses (JavaScript's sort order). A comparison sort called its comparator some
 * 20 million times for a million readers, each reading two addresses scattered over the heap. This reads each address
 * once, for the bytes of its first RADIX_CHARS characters, and radix sorts numbers on them, two characters a pass from
 * the last; then each run of addresses alike that far is sorted by comparison.
 */
export function sortByAddress(list: SubscriberList, slots: Int32Array): Int32Array {
  const n = slots.length;
  // Column by column, two characters a column: a pass reads one.
  const columns = RADIX_CHARS / 2;
  const digits = new Uint16Array(columns * n);
  // A hash of the bytes each address is sorted by: sorted neighbours with different hashes differ in those bytes.
  const hashes = new Int32Array(n);
  let used = 0;
  for (let i = 0; i < n; i++) {
    const email = list.emailAt(slots[i] as number);
    const end = Math.min(email.length, RADIX_CHARS);
    let hash = 0;
    for (let at = 0, cell = i; at < end; at += 2, cell += n) {
      const high = byteAt(email, at);
      const low = high === 255 ? 0 : byteAt(email, at + 1);
      digits[cell] = (high << 8) | low;
      hash = Math.imul(hash ^ ((high << 8) | low), 0x01000193);
      if (high === 255 || low === 255) break;
    }
    hashes[i] = hash;
    used = Math.max(used, Math.ceil(end / 2));
  }
  const counts = new Int32Array(0x10001);
  let order = new Int32Array(n);
  let next = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let column = used - 1; column >= 0; column--) {
    const base = column * n;
    // Counting sort on the column: counts[d] becomes where the positions with digit d go, and moves on as they do.
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const d = (digits[base + i] as number) + 1;
      counts[d] = (counts[d] as number) + 1;
    }
    for (let d = 1; d < counts.length; d++) counts[d] = (counts[d] as number) + (counts[d - 1] as number);
    for (let j = 0; j < n; j++) {
      const i = order[j] as number;
      const d = digits[base + i] as number;
      const to = counts[d] as number;
      next[to] = i;
      counts[d] = to + 1;
    }
    [order, next] = [next, order];
  }
  const sorted = new Int32Array(n);
  for (let j = 0; j < n; j++) sorted[j] = slots[order[j] as number] as number;
  // Two slots never hold one address.
  const compare = (a: number, b: number) => (list.emailAt(a) < list.emailAt(b) ? -1 : 1);
  // Each run of equal hashes holds the addresses alike as far as the radix read (and, by chance, a few more): sorted
  // by comparison, it is in order, and in order with those around it, which the radix put apart.
  for (let start = 0, end = 1; end <= n; end++) {
    if (end < n && hashes[order[end - 1] as number] === hashes[order[end] as number]) continue;
    if (end - start > 1) sorted.subarray(start, end).sort(compare);
    start = end;
  }
  return sorted;
}
