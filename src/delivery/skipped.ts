import { comparisonsFor } from '../digest/issue.ts';
import type { Issue } from '../digest/schema.ts';
import type { RowProblem } from '../subscribers/csv.ts';
import type { SubscriberList } from '../subscribers/list.ts';
import type { SkipReason } from './batches.ts';

/** Every reader the issue skips, as `address,reason` lines sorted by address, for `send --dry-run --verbose`. Same rules as audienceOf. */
export function skippedLines(issue: Issue, list: SubscriberList, problems: readonly RowProblem[]): string[] {
  const lines: string[] = [];
  for (const s of list.values()) {
    const reason: SkipReason | null =
      s.status !== 'active' ? s.status : comparisonsFor(issue, s.categories).length === 0 ? 'no matching categories' : null;
    if (reason) lines.push(`${s.email},${reason}`);
  }
  lines.sort();
  // An invalid row has no address to name; its line in the list stands in for it.
  return [...lines, ...problems.map((p) => `line ${p.line},invalid address`)];
}

/** "1 message in 1 batch", "250 messages in 3 batches". */
export function planPhrase(recipients: number, batches: number): string {
  return `${recipients} message${recipients === 1 ? '' : 's'} in ${batches} batch${batches === 1 ? '' : 'es'}`;
}
