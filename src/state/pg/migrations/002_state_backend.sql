-- What the State interface (src/state/stores.ts) needs beyond 001 (issue #22, the pg backend).

-- A ledger, as the files backend's, may be planned before its issue is frozen here and may outlive it (a week rebuilt
-- or removed), and a ledger written without a start record is still a ledger: its rows stand on their own.
ALTER TABLE send_starts DROP CONSTRAINT send_starts_week_fkey;
ALTER TABLE ledger_batches DROP CONSTRAINT ledger_batches_week_fkey;
-- The start record carries the issue it sends (json: byte for byte) so a damaged frozen issue can be put back.
ALTER TABLE send_starts ADD COLUMN issue json;
ALTER TABLE send_starts ALTER COLUMN settings_fingerprint DROP NOT NULL;
-- Each step written to a batch, so the ledger's length grows with every record as the file's does.
ALTER TABLE ledger_batches ADD COLUMN steps integer NOT NULL DEFAULT 0;

-- The delivery as acted on (WebhookEntry in src/state/webhook-log.ts): recipients, Resend's email id, its own time.
ALTER TABLE webhook_events ADD COLUMN body jsonb;
