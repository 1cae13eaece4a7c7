import { loadCatalog } from './catalog/load.ts';
import type { Config } from './config.ts';
import { Ledger } from './delivery/ledger.ts';
import { UserError } from './errors.ts';
import { buildIssue, sentPairsOf } from './digest/issue.ts';
import { Issue, WeekId, type Strategy } from './digest/schema.ts';
import { selectWeek } from './digest/select.ts';
import { lastEndedWeek, weekRange, type WeekRange } from './digest/week.ts';
import { IssueStore } from './state/issues.ts';

export interface IssueRequest {
  /** Absent: the most recent week that has ended at `now`. */
  week?: string;
  strategy?: Strategy;
  spotlight?: string;
  now: Date;
  /** `build` rebuilds from the catalog; `preview` and `send` take the frozen issue when there is one, unless a pairing flag asks for another. */
  rebuild: boolean;
}

export interface PreparedIssue {
  issue: Issue;
  range: WeekRange;
  /** True when the issue was already being sent, so it was read back frozen instead of rebuilt. */
  locked: boolean;
  /** True when the issue was read back as frozen, not built now. */
  frozen: boolean;
}

export function resolveWeek(config: Config, week: string | undefined, now: Date): WeekRange {
  if (week === undefined) return weekRange(lastEndedWeek(now, config.timezone), config.timezone);
  const parsed = WeekId.safeParse(week.trim().toUpperCase());
  if (!parsed.success) throw new UserError(`--week "${week}" is not an ISO week such as 2026-W46.`);
  try {
    return weekRange(parsed.data, config.timezone);
  } catch (error) {
    throw new UserError(`--week "${week}": ${(error as Error).message}`);
  }
}

/**
 * The week's issue, frozen under `<state>/issues/`: what `build` froze is what `preview` shows and `send` sends.
 * Once its send has started it never changes again, so a resumed send and the archive stay true to it.
 */
export async function prepareIssue(config: Config, request: IssueRequest): Promise<PreparedIssue> {
  const range = resolveWeek(config, request.week, request.now);
  const store = new IssueStore(config.stateDir);
  const locked = await new Ledger(config.stateDir, range.week).exists();
  const pairingAsked = request.strategy !== undefined || request.spotlight !== undefined;
  if (locked || (!request.rebuild && !pairingAsked)) {
    const frozen = await store.read(range.week);
    if (frozen) return { issue: frozen, range, locked, frozen: true };
  }
  const catalog = await loadCatalog(config.dataDir);
  const earlier = await store.before(range.week);
  if (request.spotlight !== undefined) {
    const { newTools, earlierTools } = selectWeek(catalog, range, config.timezone);
    if (![...newTools, ...earlierTools].some((tool) => tool.slug === request.spotlight)) {
      throw new UserError(`--spotlight "${request.spotlight}" is not a tool of ${config.dataDir}/tools added by the end of ${range.week}.`);
    }
  }
  // Parsed back as the store will read it, so keys derived from it are the same in every run.
  const issue = Issue.parse(buildIssue(catalog, range, config.timezone, {
    strategy: request.strategy ?? 'best-match',
    spotlight: request.spotlight,
    sentPairs: sentPairsOf(earlier),
  }));
  await store.write(issue);
  return { issue, range, locked: false, frozen: false };
}
