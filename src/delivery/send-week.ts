import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { senderSettings, type Config } from '../config.ts';
import { comparisonsFor } from '../digest/issue.ts';
import type { Strategy } from '../digest/schema.ts';
import { UserError } from '../errors.ts';
import { EVERY_CATEGORY_READER, recipientOf } from '../mail.ts';
import { prepareIssue, type PreparedIssue } from '../pipeline.ts';
import { renderMessage } from '../render/message.ts';
import { argumentAddress } from '../subscribers/schema.ts';
import { sendLock } from '../state/submission.ts';
import type { State } from '../state/stores.ts';
import { listedReader } from './preview.ts';
import { sendIssue, type SendOptions, type SendReport } from './batches.ts';
import { assertSameSettings, settingsFingerprint } from './fingerprint.ts';
import { outboxDir, transportFor } from './transport-for.ts';

export interface SendRequest {
  week?: string;
  /** Send nothing; report what would be sent. */
  dryRun?: boolean;
  /** With dryRun: list every skipped reader as `address,reason`. */
  verbose?: boolean;
  /** One test copy, subject marked [TEST], to this address instead of the list. */
  to?: string;
  strategy?: Strategy;
  spotlight?: string;
  now: Date;
  /** Asked between batches besides the signals: true stops the send after the batch in flight (the scheduler stopping). */
  shouldStop?: () => boolean;
  /** When another process holds the week's send lock, wait for it instead of refusing. */
  wait?: boolean;
  /** Send batches whose fate is unknown and whose key Resend may have forgotten anyway (SendOptions.resendUnknown). */
  resendUnknown?: boolean;
}

/** What the caller hears while a send runs: to print the issue, the list's problems and the progress. */
export interface SendHooks {
  /** The week's issue, before anything else happens. */
  onIssue?: (prepared: PreparedIssue) => void;
  /** A row of the subscriber list that cannot be read, one sentence. */
  onProblem?: (problem: string) => void;
  /** SIGINT or SIGTERM arrived: the send stops after the batch in flight. */
  onStopping?: () => void;
  /** With `wait`: another process holds the week's send lock (`holder`, as a sentence names it); this send waits for it. */
  onWaiting?: (holder: string) => void;
  onStart?: SendOptions['onStart'];
  onBatch?: SendOptions['onBatch'];
}

export type SendOutcome =
  | { kind: 'no-issue'; prepared: PreparedIssue }
  | { kind: 'held'; prepared: PreparedIssue }
  /** `via` is null for a dry run, which sends nothing; `listed` when the copy is that reader's own, of `shown` comparisons. */
  | { kind: 'test-copy'; prepared: PreparedIssue; to: string; subject: string; via: string | null; listed: boolean; shown: number }
  /** `send --to` a reader of the list who gets no email this week, and why. */
  | { kind: 'no-test-copy'; prepared: PreparedIssue; to: string; reason: string }
  /** `skippedLines`: with `verbose`, every skipped reader as `address,reason`, read from the list as they are printed. */
  | { kind: 'sent'; prepared: PreparedIssue; report: SendReport; via: string; dryRun: boolean; skippedLines?: AsyncIterable<string> };

/** False when readers who should get the issue don't have it yet (failed, refused, or stopped early). */
export function succeeded(outcome: SendOutcome): boolean {
  if (outcome.kind !== 'sent' || outcome.dryRun) return true;
  const { report } = outcome;
  return report.failed.size === 0 && report.notSent === 0 && report.fateUnknown === 0 && !report.stoppedEarly;
}

/**
 * One [TEST] copy to `address`: a reader of the list gets their own issue (their categories, greeting and links),
 * or nothing when they would get no email; any other address gets the every-category reader's.
 */
async function sendTestCopy(config: Config, state: State, prepared: PreparedIssue, address: string, dryRun: boolean): Promise<SendOutcome> {
  const { issue } = prepared;
  const { subscriber } = await listedReader(config, state, address);
  if (subscriber && subscriber.status !== 'active') return { kind: 'no-test-copy', prepared, to: address, reason: subscriber.status };
  const reader = subscriber ? recipientOf(subscriber) : { ...EVERY_CATEGORY_READER, email: address };
  const message = await renderMessage(issue, reader, senderSettings(config), { test: true });
  // Only a reader with categories can have nothing: the every-category reader gets every comparison of a non-empty issue.
  if (message === null)
    return { kind: 'no-test-copy', prepared, to: address, reason: "none of this week's comparisons is in their categories" };
  const shown = comparisonsFor(issue, reader.categories).length;
  const copy = { kind: 'test-copy', prepared, to: address, subject: message.subject, listed: subscriber !== undefined, shown } as const;
  if (dryRun) return { ...copy, via: null };
  const transport = await transportFor(config, path.join(outboxDir(state, issue.week), 'test'));
  const outcome = await transport.sendBatch([message], `test-${issue.week}-${randomUUID()}`);
  if (outcome.kind === 'failed') throw new UserError(`The test copy to ${address} was not sent: ${outcome.reason}.`);
  return { ...copy, via: transport.description };
}

/**
 * The send of a week: the issue to every subscriber who should get it, exactly once, or one [TEST] copy.
 * A held week sends nothing; a real send holds the week's lock and stops after the batch in flight on SIGINT or SIGTERM.
 */
export async function sendWeek(config: Config, state: State, request: SendRequest, hooks: SendHooks = {}): Promise<SendOutcome> {
  // Listening from the start, so an interrupt while the issue is prepared still ends in a report, not a killed process.
  let stop = false;
  const onSignal = () => {
    stop = true;
    hooks.onStopping?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await sendUntil(config, state, request, hooks, () => stop || (request.shouldStop?.() ?? false));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function sendUntil(
  config: Config,
  state: State,
  request: SendRequest,
  hooks: SendHooks,
  shouldStop: () => boolean,
): Promise<SendOutcome> {
  // Refused before the issue is built and frozen: a mistyped address leaves nothing behind.
  const to = request.to === undefined ? undefined : argumentAddress('--to', request.to);
  const prepared = await prepareIssue(config, state, {
    week: request.week,
    strategy: request.strategy,
    spotlight: request.spotlight,
    now: request.now,
  });
  const { issue } = prepared;
  hooks.onIssue?.(prepared);
  if (issue.comparisons.length === 0) return { kind: 'no-issue', prepared };
  if (to !== undefined) return sendTestCopy(config, state, prepared, to, request.dryRun ?? false);
  if (prepared.edition?.hold) return { kind: 'held', prepared };

  const audience = await state.audience(issue);
  for (const problem of audience.problems) hooks.onProblem?.(problem);
  const transport = await transportFor(config, outboxDir(state, issue.week));
  const ledger = state.ledger(issue.week);
  const fingerprint = settingsFingerprint(config);
  const send = async () => {
    assertSameSettings(issue.week, await ledger.started(), fingerprint);
    return sendIssue({
      issue,
      audience,
      settings: senderSettings(config),
      fingerprint,
      transport,
      ledger,
      now: request.now,
      dryRun: request.dryRun,
      shouldStop,
      resendUnknown: request.resendUnknown,
      onStart: hooks.onStart,
      onBatch: hooks.onBatch,
    });
  };
  const wait = request.wait ? { onWaiting: hooks.onWaiting, shouldStop } : undefined;
  // A dry run only reads, so it may look while a send runs.
  const report = request.dryRun ? await send() : await state.locks.hold(sendLock(issue.week), send, `send of ${issue.week}`, wait);
  const skipped = request.dryRun && request.verbose ? { skippedLines: audience.skippedLines() } : {};
  return { kind: 'sent', prepared, report, via: transport.description, dryRun: request.dryRun ?? false, ...skipped };
}
