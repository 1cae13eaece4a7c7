import { loadCatalog } from '../catalog/load.ts';
import type { Config } from '../config.ts';
import type { State } from '../state/stores.ts';
import { localTime } from '../digest/week.ts';
import type { PreparedIssue } from '../pipeline.ts';

/**
 * Said once, at the top, when the week's send has started: the issue is frozen, so edits to the catalog or the
 * edition file change nothing that is previewed or sent. Null for a week still open to edits.
 */
export async function frozenNotice(config: Config, state: State, prepared: PreparedIssue): Promise<string | null> {
  if (!prepared.locked) return null;
  const week = prepared.issue.week;
  const started = await state.ledger(week).startedAt();
  const when = started ? ` on ${localTime(started, config.timezone)}` : '';
  return `${week} was sent${when}; it is frozen; your edits apply to no issue. To rehearse edits, use --state with a scratch folder (e.g. --state /tmp/rehearsal).`;
}

/** When a week picked without --week has no new tools: which week does (the latest with any), once; null otherwise. */
export async function latestWeekHint(config: Config, prepared: PreparedIssue, weekGiven: boolean): Promise<string | null> {
  if (weekGiven || prepared.issue.comparisons.length > 0) return null;
  // sample.ts brings the confirmation email's React with it: loaded only for this hint.
  const { latestWeek } = await import('../sample.ts');
  const latest = latestWeek(await loadCatalog(config.dataDir), config.timezone);
  if (!latest || latest === prepared.issue.week) return null;
  return `The latest week with new tools in ${config.dataDir}/tools is ${latest}: pass --week ${latest}.`;
}
