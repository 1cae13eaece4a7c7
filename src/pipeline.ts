import { checkEdition, editionFile, loadEdition, type Edition } from './catalog/edition.ts';
import { loadCatalog } from './catalog/load.ts';
import type { Config } from './config.ts';
import { UserError } from './errors.ts';
import { countedVotes, withReaderVotes } from './digest/community.ts';
import { buildIssue, sentPairsOf } from './digest/issue.ts';
import { Issue, WeekId, type Strategy } from './digest/schema.ts';
import { selectWeek } from './digest/select.ts';
import { lastEndedWeek, localTime, weekRange, type WeekRange } from './digest/week.ts';
import { GMAIL_CLIP_BYTES, kilobytes, largestHtmlBytes, MAX_NEW_TOOLS } from './render/size.ts';
import { frozenDigest, frozenText } from './state/issues.ts';
import type { Issues, LedgerStore, State } from './state/stores.ts';

export interface IssueRequest {
  /** Absent: the most recent week that has ended at `now`. */
  week?: string;
  /** Pairing flags; absent, the ones the issue was last built with are kept. */
  strategy?: Strategy;
  spotlight?: string;
  now: Date;
}

export interface PreparedIssue {
  issue: Issue;
  range: WeekRange;
  /** True when the issue's send has started, so it was read back frozen instead of rebuilt. */
  locked: boolean;
  /** True when its frozen file had gone and was put back from the ledger, as sent. */
  restored: boolean;
  /** The editor's edition file for the week, read afresh every time (a hold applies at once). */
  edition: Edition | null;
  editionFile: string;
  /** Where the issue is frozen. */
  frozenAt: string;
  /** Bytes of the largest HTML message of the issue (the every-category reader's), under Gmail's clip. */
  htmlBytes: number;
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
 * The issue a started send goes on with: its frozen file, unchanged since the ledger recorded it as the send started,
 * or put back from that record when the file is gone. Never built anew: the rest of the readers would get another issue.
 */
async function issueAsSent(config: Config, store: Issues, ledger: LedgerStore, week: string): Promise<{ issue: Issue; restored: boolean }> {
  const file = store.placeOf(week);
  const start = await ledger.started();
  if (start === null) {
    // A ledger written before the start was recorded: the frozen file is the only copy of the issue.
    const at = await ledger.startedAt();
    const since = `the send of ${week} started${at ? ` on ${localTime(at, config.timezone)}` : ''}, so put it back from a backup (an issue built anew could differ from the one its first readers got)`;
    const text = await store.text(week, since);
    if (text === null) throw new UserError(`${file} is missing, but ${since}.`);
    return { issue: store.parse(week, text, since), restored: false };
  }
  const putBack = `delete it and run the command again: the issue as sent is put back from ${ledger.place}`;
  const text = await store.text(week, putBack);
  if (text === null) {
    // Checked, so the file put back is byte for byte the one the send started with.
    if (frozenDigest(frozenText(start.issue)) !== start.sha256)
      throw new UserError(
        `${file} is missing, and the copy of it in ${ledger.place} is not the one the send started with; put it back from a backup.`,
      );
    await store.write(start.issue);
    return { issue: start.issue, restored: true };
  }
  if (frozenDigest(text) !== start.sha256) {
    throw new UserError(
      `${file} changed after the send of ${week} started on ${localTime(start.at, config.timezone)}, so the rest of the readers would get another issue; ${putBack}.`,
    );
  }
  return { issue: start.issue, restored: false };
}

/**
 * The week's issue, built from the catalog, the edition file and the earlier issues, and frozen under
 * `<state>/issues/`. Pairing flags given to `build` are kept for later builds of the week, so `preview`
 * and `send` show and send what `build` showed. Once the send has started, the issue never changes again,
 * so a resumed send and the archive stay true to it.
 */
export async function prepareIssue(config: Config, state: State, request: IssueRequest): Promise<PreparedIssue> {
  const range = resolveWeek(config, request.week, request.now);
  const store = state.issues;
  const file = editionFile(config.dataDir, range.week);
  const edition = await loadEdition(config.dataDir, range.week);
  const ledger = state.ledger(range.week);
  const frozenAt = store.placeOf(range.week);
  const settings = { from: config.from, publicUrl: config.publicUrl, secret: config.secret, postalAddress: config.postalAddress };
  if (await ledger.exists()) {
    const { issue, restored } = await issueAsSent(config, store, ledger, range.week);
    const htmlBytes = await largestHtmlBytes(issue, settings);
    return { issue, range, locked: true, restored, edition, editionFile: file, frozenAt, htmlBytes };
  }
  const frozen = await store.read(range.week);

  // Readers' votes count on top of the catalog's own community numbers (the files are never written).
  const votes = (await state.votes.current()).community();
  const catalog = withReaderVotes(await loadCatalog(config.dataDir), votes);
  const { newTools, earlierTools } = selectWeek(catalog, range, config.timezone);
  const newSlugs = new Set(newTools.map((t) => t.slug));
  const earlierSlugs = new Set(earlierTools.map((t) => t.slug));
  if (edition) {
    const defects = checkEdition(file, edition, newSlugs, earlierSlugs);
    if (defects.length > 0) throw new UserError(defects.join('\n'));
  }
  const kept = newTools.filter((t) => !edition?.exclude?.includes(t.slug)).length;
  if (kept > MAX_NEW_TOOLS) {
    throw new UserError(
      `${range.week} has ${kept} new tools, more than one email can carry (at most ${MAX_NEW_TOOLS}); leave some out with "exclude" in ${file}, such as {"exclude": ["a-slug", "another-slug"]}, then build again.`,
    );
  }
  const asked = request.strategy !== undefined || request.spotlight !== undefined;
  const flags = asked
    ? { strategy: request.strategy ?? (request.spotlight !== undefined ? 'spotlight' : 'best-match'), spotlight: request.spotlight ?? null }
    : (frozen?.pairingFlags ?? null);
  if (flags?.spotlight && !newSlugs.has(flags.spotlight) && !earlierSlugs.has(flags.spotlight)) {
    throw new UserError(`--spotlight "${flags.spotlight}" is not a tool of ${config.dataDir}/tools added by the end of ${range.week}.`);
  }
  const built = buildIssue(catalog, range, config.timezone, {
    strategy: flags?.strategy ?? 'best-match',
    spotlight: flags?.spotlight ?? undefined,
    sentPairs: sentPairsOf(await store.before(range.week)),
    edition,
  });
  // Parsed back as the store will read it, so keys derived from it are the same in every run.
  const issue = Issue.parse({ ...built, pairingFlags: flags, ...countedVotes(built, votes) });
  if (issue.comparisons.length === 0) {
    // A week with nothing to send is no issue: none is frozen, and one frozen before its tools were left out goes (its send never started).
    await store.remove(range.week);
    return { issue, range, locked: false, restored: false, edition, editionFile: file, frozenAt, htmlBytes: 0 };
  }
  // Refused before it is frozen or planned: a message over the clip hides the unsubscribe link, and a huge one cannot be sent at all.
  const htmlBytes = await largestHtmlBytes(issue, settings);
  if (htmlBytes > GMAIL_CLIP_BYTES) {
    throw new UserError(
      `${range.week} is too big to mail: its email would be ${kilobytes(htmlBytes)}, over Gmail's ${kilobytes(GMAIL_CLIP_BYTES)} clip (${issue.comparisons.length} comparisons); leave some tools out with "exclude" in ${file}, such as {"exclude": ["a-slug", "another-slug"]}, then build again.`,
    );
  }
  await store.write(issue);
  return { issue, range, locked: false, restored: false, edition, editionFile: file, frozenAt, htmlBytes };
}
