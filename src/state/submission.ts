import { z } from 'zod';
import type { Recipient } from '../mail.ts';
import type { SubscriberStatus } from '../subscribers/schema.ts';

// What a send checks as it resumes and as each batch goes, whatever the backend of its ledger.

/**
 * Per setting that shapes a message (DIGEST_FROM, DIGEST_PUBLIC_URL, DIGEST_SECRET, DIGEST_POSTAL_ADDRESS), a hash of
 * its value, never the value; `secret` is null when the run made its key up (no DIGEST_SECRET, the local outbox).
 */
export const SettingsFingerprint = z.object({
  from: z.string(),
  publicUrl: z.string(),
  secret: z.string().nullable(),
  postalAddress: z.string(),
});
export type SettingsFingerprint = z.infer<typeof SettingsFingerprint>;

/** The lock a week's send holds while it writes the ledger. */
export const sendLock = (week: string) => `send-${week}`;

/** How long ago a batch may have first gone and still be sent again safely: Resend keeps an Idempotency-Key 24 hours. */
export const KEY_REMEMBERED_MS = 23 * 3_600_000;

export interface SubmitOptions {
  /**
   * Look again at a pending batch's readers: those the list no longer has as active are dropped and the batch is
   * re-keyed by `rekey`. `recipients` are the batch's as the caller has them (the files ledger does not read its plan back).
   */
  recheck?: { recipients: readonly Recipient[]; rekey: (kept: Recipient[]) => string };
  /** Send a batch that first went more than KEY_REMEMBERED_MS ago anyway. */
  resendUnknown?: boolean;
}

/** What became of a batch about to go. */
export type Submission =
  /** Marked submitting: send it, as `replanned` when readers were dropped (with no readers left it is recorded sent). */
  | {
      kind: 'send';
      stopped: { email: string; status: SubscriberStatus }[];
      replanned: { key: string; recipients: Recipient[] } | null;
    }
  /** It first went more than KEY_REMEMBERED_MS ago and its fate is unknown: left as it is, sent again only when asked. */
  | { kind: 'fate-unknown' };
