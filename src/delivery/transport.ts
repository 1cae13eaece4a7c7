/** A message ready to hand to Resend or the outbox. */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

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
  };

/** Where messages go: Resend, or the local outbox. */
export interface Transport {
  /** Shown to the operator, e.g. "Resend" or the outbox folder. */
  readonly description: string;
  /** How many batches may be in flight at once. */
  readonly parallelism: number;
  /** Resolves when the next batch may go (the rate limit's pace); a send checks for a stop after it. */
  ready(): Promise<void>;
  /** Delivers up to 100 messages at most once per `idempotencyKey`. `afterReady`: the caller already waited for `ready()`. */
  sendBatch(emails: readonly OutgoingEmail[], idempotencyKey: string, options?: { afterReady?: boolean }): Promise<BatchOutcome>;
}

export const MAX_BATCH = 100;
