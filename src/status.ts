import { loadEdition } from './catalog/edition.ts';
import type { Config } from './config.ts';
import { localTime } from './digest/week.ts';
import { LedgerError, LineError } from './errors.ts';
import { SubscriberStatus } from './subscribers/schema.ts';
import type { State } from './state/stores.ts';
import { sendLock } from './state/submission.ts';

/** Where a week stands: frozen but not sent, held by the editor, a send running now, stopped part way, done, or unknown (a damaged ledger). */
export type WeekState = 'built' | 'held' | 'sending' | 'partly sent' | 'sent' | 'damaged';

export interface WeekStatus {
  week: string;
  state: WeekState;
  /** Comparisons in the frozen issue; null when only a ledger is left. */
  comparisons: number | null;
  hold: string | null;
  sent: number;
  failed: number;
  notYetSent: number;
  /** When the send last wrote to its ledger; null before any send. */
  lastRun: Date | null;
  /** The sentence naming the ledger's damaged line, for a week whose state is 'damaged'. */
  damage: string | null;
}

export interface StateStatus {
  weeks: WeekStatus[];
  /** Readers by status, as the next send sees the list; null when there is no list yet. */
  list: Record<SubscriberStatus | 'invalid', number> | null;
  listError: string | null;
}

/** Null for a week whose frozen issue is empty and never sent: an older version froze weeks with no new tools. */
async function weekStatus(config: Config, store: State, week: string): Promise<WeekStatus | null> {
  const ledger = store.ledger(week);
  const [issue, batches, modified, holder, edition] = await Promise.all([
    store.issues.read(week).catch(() => null),
    // One damaged ledger leaves the other weeks to show; this one says which line.
    ledger.batchStates().catch((error: unknown) => {
      if (error instanceof LedgerError) return error.for(`status cannot tell how far the send of ${week} got`);
      throw error;
    }),
    ledger.lastWritten(),
    store.locks.holder(sendLock(week)),
    // A broken edition file is for build to report; status still shows the rest.
    loadEdition(config.dataDir, week).catch(() => null),
  ]);
  if (issue?.comparisons.length === 0 && modified === null) return null;
  const hold = edition?.hold ? (typeof edition.hold === 'string' ? edition.hold : 'held') : null;
  const comparisons = issue?.comparisons.length ?? null;
  if (batches instanceof LineError) {
    return { week, state: 'damaged', comparisons, hold, sent: 0, failed: 0, notYetSent: 0, lastRun: modified, damage: batches.message };
  }
  let sent = 0;
  let failed = 0;
  let notYetSent = 0;
  for (const [i, b] of batches.entries()) {
    if (b.state === 'sent') {
      sent += b.size - b.rejected;
      failed += b.rejected;
    } else if (b.state === 'failed') {
      // A batch refused outright is planned again by the next send; once a later batch exists, its readers are counted there.
      if (!b.nothingSent || i === batches.length - 1) failed += b.size;
    } else {
      notYetSent += b.size;
    }
  }
  const state: WeekState =
    holder !== null ? 'sending' : batches.length === 0 ? (hold ? 'held' : 'built') : failed + notYetSent > 0 ? 'partly sent' : 'sent';
  return {
    week,
    state,
    comparisons,
    hold,
    sent,
    failed,
    notYetSent,
    lastRun: batches.length > 0 ? modified : null,
    damage: null,
  };
}

/** Every week the state folder knows (a frozen issue or a send ledger), and the list's counts by status. */
export async function stateStatus(config: Config, state: State): Promise<StateStatus> {
  const weeks = [...new Set([...(await state.issues.weeks()), ...(await state.ledgerWeeks())])].sort();
  const statuses = (await Promise.all(weeks.map((w) => weekStatus(config, state, w)))).filter((w) => w !== null);
  try {
    const { list, problems } = await state.list({ allowMissingCsv: true }).current();
    const counts = Object.fromEntries([...SubscriberStatus.options, 'invalid'].map((s) => [s, 0])) as Record<
      SubscriberStatus | 'invalid',
      number
    >;
    for (const s of list.values()) counts[s.status]++;
    counts.invalid = problems.length;
    return { weeks: statuses, list: list.size + problems.length > 0 ? counts : null, listError: null };
  } catch (error) {
    return { weeks: statuses, list: null, listError: (error as Error).message };
  }
}

/** The status as an operator reads it: one line per week, then the list. */
export function statusLines(
  status: StateStatus,
  config: Pick<Config, 'timezone'>,
  state: Pick<State, 'place' | 'listPlace'> & { schemaVersion?: number },
): string[] {
  const where = state.place;
  const lines: string[] = state.schemaVersion === undefined ? [] : [`State: ${where}, schema version ${state.schemaVersion}.`];
  if (status.weeks.length === 0) lines.push(`No week built or sent yet in ${where}.`);
  for (const w of status.weeks) {
    const what = w.comparisons === null ? '' : `${w.comparisons} comparison${w.comparisons === 1 ? '' : 's'}`;
    const counts = `${w.sent} sent, ${w.failed} failed, ${w.notYetSent} not yet sent`;
    const ran = w.lastRun ? `; last ran ${localTime(w.lastRun, config.timezone)}` : '';
    const detail = {
      built: `${what || 'frozen'}, not sent`,
      held: `${what || 'frozen'}, held (${w.hold}): nothing is sent until the hold is lifted`,
      sending: `a send is running now: ${counts}${ran}`,
      'partly sent': `${counts}${ran}; run send --week ${w.week} to finish`,
      sent: `${counts}${ran}`,
      damaged: w.damage,
    }[w.state];
    lines.push(`${w.week}  ${w.state.padEnd(11)}  ${detail}`);
  }
  if (status.list) {
    const parts = Object.entries(status.list)
      .filter(([s, n]) => s !== 'invalid' || n > 0)
      .map(([s, n]) => `${n} ${s === 'invalid' ? 'invalid rows' : s}`);
    lines.push(`Subscribers (${state.listPlace}): ${parts.join(', ')}.`);
  } else {
    lines.push(status.listError ? `Subscribers: ${status.listError}` : `Subscribers: none yet (${state.listPlace}).`);
  }
  return lines;
}
