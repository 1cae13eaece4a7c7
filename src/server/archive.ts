import { comparisonTitle } from '../digest/wording.ts';
import type { Issue } from '../digest/schema.ts';
import { weekLabel, weekRange } from '../digest/week.ts';
import { LedgerError, UserError } from '../errors.ts';
import { terminalSafe } from '../plain-text.ts';
import type { State } from '../state/stores.ts';
import type { IssueSummary } from './pages.ts';

/** "Week 46 · Nov 9–15, 2026" */
export function issueLabel(issue: Issue): string {
  return `Week ${Number(issue.week.slice(6))} · ${weekLabel(weekRange(issue.week, issue.timezone), issue.timezone)}`;
}

const summaries = new WeakMap<Issue, IssueSummary>();

/** Kept per issue read: the home page lists every issue on each visit, and the label's time-zone arithmetic costs milliseconds. */
export function issueSummary(issue: Issue): IssueSummary {
  let summary = summaries.get(issue);
  if (!summary) {
    summary = { week: issue.week, label: issueLabel(issue), titles: issue.comparisons.map(comparisonTitle) };
    summaries.set(issue, summary);
  }
  return summary;
}

/**
 * The public archive: the frozen issues whose send has delivered at least one batch, and only those (a built
 * issue nobody has been sent stays private). Kept between requests: an issue is read again only when its file
 * changes, and a week known to be sent is never checked again (the ledger only grows).
 */
export class Archive {
  private readonly sent = new Set<string>();
  private readonly checkedAt = new Map<string, number>();
  private readonly issues = new Map<string, { version: string; issue: Promise<Issue | null> }>();

  constructor(private readonly state: State) {}

  private async isSent(week: string): Promise<boolean> {
    if (this.sent.has(week)) return true;
    const ledger = this.state.ledger(week);
    const size = await ledger.length();
    if (size === 0 || this.checkedAt.get(week) === size) return false;
    this.checkedAt.set(week, size);
    // A damaged ledger is named in the log once (until the file changes) and its issue left out, like a damaged issue.
    const summary = await ledger
      .summarize(() => undefined)
      .catch((error: unknown) => {
        if (!(error instanceof LedgerError)) {
          // Not read at all (a database down): read again at the next request.
          this.checkedAt.delete(week);
          throw error;
        }
        console.error(
          terminalSafe(error.for(`serve cannot tell whether the issue of ${week} went out, and leaves it out of the archive`).message),
        );
        return null;
      });
    if (summary && summary.sentBatches > 0) this.sent.add(week);
    return this.sent.has(week);
  }

  private async read(week: string): Promise<Issue | null> {
    const version = await this.state.issues.version(week);
    if (version === null) return null;
    let cached = this.issues.get(week);
    if (cached?.version !== version) {
      // A damaged issue is named in the log and left out, so one bad file does not take the site down.
      cached = {
        version,
        issue: this.state.issues.read(week).catch((error: unknown) => {
          if (!(error instanceof UserError)) {
            this.issues.delete(week);
            throw error;
          }
          console.error(terminalSafe(error.message));
          return null;
        }),
      };
      this.issues.set(week, cached);
    }
    return cached.issue;
  }

  /** A sent issue with at least one comparison, or null. */
  async issue(week: string): Promise<Issue | null> {
    if (!(await this.isSent(week))) return null;
    const issue = await this.read(week);
    return issue && issue.comparisons.length > 0 ? issue : null;
  }

  /** Every public issue, newest first. */
  async all(): Promise<Issue[]> {
    const issues = await Promise.all((await this.state.ledgerWeeks()).reverse().map((week) => this.issue(week)));
    return issues.filter((i): i is Issue => i !== null);
  }

  async summaries(): Promise<IssueSummary[]> {
    return (await this.all()).map(issueSummary);
  }
}
