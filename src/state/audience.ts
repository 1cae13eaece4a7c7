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
  const skipReason = (s: { status: SubscriberStatus; categories: readonly string[] }): SkipReason | null => {
    if (s.status !== 'active') return s.status;
    let match = matches.get(s.categories);
    if (match === undefined) {
      match = readerSkipReason(issue, s) === null;
      if (Object.isFrozen(s.categories)) matches.set(s.categories, match);
    }
    return match ? null : 'no matching categories';
  };
  const skipped = new Map<SkipReason, number>();
  const skip = (reason: SkipReason) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
  for (const _ of problems) skip('invalid address');
  const slots: number[] = [];
  for (let slot = 0; slot < list.size; slot++) {
    const reason = skipReason(list.atSlot(slot));
    if (reason) skip(reason);
    else slots.push(slot);
  }
  sortByAddress(list, slots);
  return {
    skipped,
    problems: problems.map((p) => p.problem),
    async *readers() {
      for (let i = 0; i < slots.length; i += PAGE) yield slots.slice(i, i + PAGE).map((slot) => list.atSlot(slot));
    },
    async *skippedLines() {
      const lines: string[] = [];
      for (const s of list.values()) {
        const reason = skipReason(s);
        if (reason) lines.push(`${s.email},${reason}`);
      }
      yield* lines.sort();
      // An invalid row has no address to name; its line in the list stands in for it.
      for (const p of problems) yield `line ${p.line},invalid address`;
    },
  };
}

/**
 * Sorts `slots` in the order of their addresses (JavaScript's sort order). Most comparisons are settled by a number
 * made of each address's first six characters, held side by side; the address strings, scattered over the heap,
 * are compared only on a tie.
 */
function sortByAddress(list: SubscriberList, slots: number[]): void {
  const prefixes = new Float64Array(list.size);
  for (const slot of slots) prefixes[slot] = prefixOf(list.emailAt(slot));
  // Two slots never hold one address.
  slots.sort((a, b) => (prefixes[a] as number) - (prefixes[b] as number) || (list.emailAt(a) < list.emailAt(b) ? -1 : 1));
}

/**
 * The first six characters of `text` as one number, ordered as the texts are: a byte each, 0 past the end and the
 * code unit plus one below 254; a code unit from 254 up counts as 255 and ends the number, so two texts that differ
 * there, or after, tie, and their comparison decides.
 */
function prefixOf(text: string): number {
  let prefix = 0;
  let ended = false;
  for (let i = 0; i < 6; i++) {
    const code = text.charCodeAt(i);
    const byte = ended || Number.isNaN(code) ? 0 : code < 254 ? code + 1 : 255;
    if (byte === 255) ended = true;
    prefix = prefix * 256 + byte;
  }
  return prefix;
}
