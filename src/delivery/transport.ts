import type { OutgoingEmail } from '../mail.ts';

/** How one batch ended: sent (some recipients may have been refused one by one), or failed as a whole. */
export type BatchOutcome =
  | { kind: 'sent'; rejected: { index: number; reason: string }[] }
  | {
      kind: 'failed';
      reason: string;
      /** The rest of the run cannot succeed either (revoked key, quota). */
      stopRun: boolean;
      /** Resend answered with a refusal, so nothing of the batch went out; false when its fate is unknown (network, 5xx). */
      nothingSent: boolean;
      /** No answer at all, again and again: the service is out of reach, and the run stops rather than retry every batch. */
      unreachable?: boolean;
    };

/** What goes instead when `beforeSend` narrowed a batch (readers who left were dropped): the messages to these addresses, another key. */
export interface NarrowedBatch {
  to: ReadonlySet<string>;
  idempotencyKey: string;
}

/** Where messages go: Resend, or the local outbox. */
export interface Transport {
  /** Shown to the operator, e.g. "Resend" or the outbox folder. */
  readonly description: string;
  /** How many batches may be in flight at once. */
  readonly parallelism: number;
  /**
   * Delivers up to 100 messages at most once per `idempotencyKey`, when the rate limit's pace allows. `beforeSend`
   * runs right before the first attempt goes (to record the batch as submitting); when it throws, nothing is sent
   * and the error propagates; when it gives a narrowed batch, that batch goes instead.
   */
  sendBatch(
    emails: readonly OutgoingEmail[],
    idempotencyKey: string,
    options?: { beforeSend?: () => Promise<NarrowedBatch | undefined> },
  ): Promise<BatchOutcome>;
}

export const MAX_BATCH = 100;

/** The Resend tag naming the issue a digest belongs to; its value is the week, such as `2026-W46`. */
export const ISSUE_TAG = 'week';
