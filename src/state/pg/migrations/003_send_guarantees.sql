-- What a send on several hosts needs beyond 002 (issue #22).

-- When the batch's key first went to Resend, by the database's clock: Resend keeps an Idempotency-Key 24 hours, so a
-- batch whose fate is unknown and that first went longer ago than that is not sent again blindly.
ALTER TABLE ledger_batches ADD COLUMN submitted_at timestamptz;
