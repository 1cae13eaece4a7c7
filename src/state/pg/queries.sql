-- Every query the PostgreSQL state runs, by name (listmonk's queries.sql): the whole database surface in one file.
-- Read by queries.ts; each query runs with its parameters as $1, $2 ... Sections follow the stores.

-- subscribers ------------------------------------------------------------------------------------------------------

-- name: subscriber-get
SELECT email, name, categories, status, opted_out_at, updated_at FROM subscribers WHERE lower(email) = lower($1);

-- name: subscribers-stream
-- The whole list in address order, for a send's cursor.
SELECT email, name, categories, status FROM subscribers ORDER BY lower(email);

-- name: subscribers-count-by-status
SELECT status, count(*)::int AS count FROM subscribers GROUP BY status ORDER BY status;

-- name: subscriber-upsert
-- Adds a reader, or replaces what the list says of one; an opt-out keeps its time for the consent rule.
INSERT INTO subscribers (email, name, categories, status, opted_out_at)
VALUES (lower(btrim($1)), $2, $3, $4, CASE WHEN $4 IN ('unsubscribed', 'bounced', 'complained') THEN now() END)
ON CONFLICT (lower(email)) DO UPDATE SET
  name = EXCLUDED.name,
  categories = EXCLUDED.categories,
  status = EXCLUDED.status,
  opted_out_at = CASE WHEN EXCLUDED.status IN ('unsubscribed', 'bounced', 'complained') THEN now() ELSE subscribers.opted_out_at END,
  updated_at = now()
RETURNING email;

-- name: subscriber-update
-- `subscribers add` on a reader already listed: only what is given (not null) changes.
UPDATE subscribers SET name = coalesce($2, name), categories = coalesce($3, categories), updated_at = now()
WHERE lower(email) = lower($1)
RETURNING email;

-- name: subscriber-set-categories
UPDATE subscribers SET categories = $2, updated_at = now() WHERE lower(email) = lower($1) RETURNING email;

-- name: subscriber-opt-out
-- Unsubscribe, bounce or complaint ($2): stops all further mail until a new double opt-in.
UPDATE subscribers SET status = $2, opted_out_at = now(), updated_at = now()
WHERE lower(email) = lower($1) AND $2 IN ('unsubscribed', 'bounced', 'complained')
RETURNING email;

-- name: subscriber-opt-in
-- A completed double opt-in through a link issued at $2: activates the address, unless it opted out after the link was issued.
UPDATE subscribers SET status = 'active', updated_at = now()
WHERE lower(email) = lower($1) AND (opted_out_at IS NULL OR opted_out_at < $2)
RETURNING email;

-- name: subscriber-event-append
INSERT INTO subscriber_events (email, type, body) VALUES (lower(btrim($1)), $2, $3) RETURNING id, at;

-- name: subscriber-events-since
-- The events after id $1, oldest first.
SELECT id, body, at FROM subscriber_events WHERE id > $1 ORDER BY id;

-- signups ----------------------------------------------------------------------------------------------------------

-- name: signup-add
-- The same signup id twice (a retried form) is kept once.
INSERT INTO signups (id, email, name, categories) VALUES ($1, lower(btrim($2)), $3, $4)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: signup-claim
-- The oldest open signup no other worker holds, locked until the caller's transaction ends.
SELECT id, email, name, categories, state, attempts, at FROM signups
WHERE state <> 'done'
ORDER BY at, id
LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: signup-recorded
UPDATE signups SET state = 'recorded', attempts = attempts + 1 WHERE id = $1 AND state = 'pending' RETURNING id;

-- name: signup-attempted
UPDATE signups SET attempts = attempts + 1 WHERE id = $1 AND state <> 'done' RETURNING attempts;

-- name: signup-done
UPDATE signups SET state = 'done', outcome = $2, done_at = now() WHERE id = $1 AND state <> 'done' RETURNING id;

-- name: signups-open-count
SELECT count(*)::int AS count FROM signups WHERE state <> 'done';

-- votes ------------------------------------------------------------------------------------------------------------

-- name: vote-standing
SELECT choice, at FROM votes WHERE email = $1 AND week = $2 AND slug = $3;

-- name: vote-changes-since
-- How often the reader's vote on this tool of this issue changed since $4, and the oldest of those times.
SELECT count(*)::int AS count, min(at) AS oldest FROM vote_history
WHERE email = $1 AND week = $2 AND slug = $3 AND changed AND at > $4;

-- name: vote-cast
-- Records a vote as the standing one and in the history; the caller checks the change limit in the same transaction.
WITH before AS (SELECT choice FROM votes WHERE email = $1 AND week = $2 AND slug = $3 FOR UPDATE),
standing AS (
  INSERT INTO votes (email, week, slug, choice) VALUES ($1, $2, $3, $4)
  ON CONFLICT (email, week, slug) DO UPDATE SET choice = EXCLUDED.choice, at = now()
  RETURNING choice
)
INSERT INTO vote_history (email, week, slug, choice, changed)
SELECT $1, $2, $3, $4, coalesce((SELECT choice FROM before) <> $4, false) FROM standing
RETURNING changed, at;

-- name: votes-of-issue
SELECT slug, count(*) FILTER (WHERE choice = 'ship')::int AS ship, count(*) FILTER (WHERE choice = 'skip')::int AS skip
FROM votes WHERE week = $1 GROUP BY slug ORDER BY slug;

-- name: votes-community
-- Every reader's latest vote on each tool, across issues.
SELECT slug, count(*) FILTER (WHERE choice = 'ship')::int AS ship, count(*) FILTER (WHERE choice = 'skip')::int AS skip
FROM (SELECT DISTINCT ON (slug, email) slug, email, choice FROM votes ORDER BY slug, email, at DESC) AS latest
GROUP BY slug ORDER BY slug;

-- webhook events ---------------------------------------------------------------------------------------------------

-- name: webhook-record
-- Returns a row only for the first delivery of a Svix id: a second, even at the same moment, records nothing.
INSERT INTO webhook_events (svix_id, type, week, email) VALUES ($1, $2, $3, $4)
ON CONFLICT (svix_id) DO NOTHING
RETURNING svix_id;

-- name: webhook-counts-of-week
-- Distinct readers per event type for one issue.
SELECT type, count(DISTINCT email)::int AS readers FROM webhook_events WHERE week = $1 GROUP BY type ORDER BY type;

-- issues -----------------------------------------------------------------------------------------------------------

-- name: issue-freeze
-- Freezes a week's issue once; a second build of the same week gets the one already frozen.
INSERT INTO issues (week, body, sha256) VALUES ($1, $2::text::json, encode(sha256(convert_to($2, 'UTF8')), 'hex'))
ON CONFLICT (week) DO NOTHING
RETURNING week;

-- name: issue-get
SELECT week, body::text AS text, sha256, frozen_at FROM issues WHERE week = $1;

-- name: issue-replace
-- A rebuild of a week whose send has not started.
UPDATE issues SET body = $2::text::json, sha256 = encode(sha256(convert_to($2, 'UTF8')), 'hex'), frozen_at = now()
WHERE week = $1 AND NOT EXISTS (SELECT 1 FROM send_starts WHERE send_starts.week = $1)
RETURNING week;

-- name: issue-weeks
SELECT week FROM issues ORDER BY week;

-- send ledger ------------------------------------------------------------------------------------------------------

-- name: send-start
-- Records a week's send as started, once; a resumed send finds the start already there.
INSERT INTO send_starts (week, sha256, settings_fingerprint) VALUES ($1, $2, $3)
ON CONFLICT (week) DO NOTHING
RETURNING week;

-- name: send-start-get
SELECT week, sha256, settings_fingerprint, at FROM send_starts WHERE week = $1;

-- name: ledger-batch-add
INSERT INTO ledger_batches (week, batch, key, recipients) VALUES ($1, $2, $3, $4) RETURNING batch;

-- name: ledger-batch-submitting
UPDATE ledger_batches SET state = 'submitting', updated_at = now()
WHERE week = $1 AND batch = $2 AND state IN ('pending', 'submitting', 'failed')
RETURNING batch;

-- name: ledger-batch-sent
UPDATE ledger_batches SET state = 'sent', rejected = $3, reason = NULL, nothing_sent = NULL, updated_at = now()
WHERE week = $1 AND batch = $2 AND state <> 'sent'
RETURNING batch;

-- name: ledger-batch-failed
UPDATE ledger_batches SET state = 'failed', reason = $3, nothing_sent = $4, updated_at = now()
WHERE week = $1 AND batch = $2 AND state <> 'sent'
RETURNING batch;

-- name: ledger-batches-of-week
SELECT batch, key, recipients, state, rejected, reason, nothing_sent, created_at, updated_at FROM ledger_batches
WHERE week = $1 ORDER BY batch;

-- name: ledger-weeks
-- Every week a send started, with its batches counted by state, for status.
SELECT s.week, s.at,
  count(b.batch) FILTER (WHERE b.state = 'sent')::int AS sent,
  count(b.batch) FILTER (WHERE b.state = 'failed')::int AS failed,
  count(b.batch) FILTER (WHERE b.state IN ('pending', 'submitting'))::int AS open
FROM send_starts s LEFT JOIN ledger_batches b USING (week)
GROUP BY s.week, s.at ORDER BY s.week;

-- schedule ---------------------------------------------------------------------------------------------------------

-- name: schedule-get
SELECT handled_until FROM schedule;

-- name: schedule-handled
-- Moves the scheduler's mark forward, never back.
INSERT INTO schedule (handled_until) VALUES ($1)
ON CONFLICT (only_row) DO UPDATE SET handled_until = greatest(schedule.handled_until, EXCLUDED.handled_until)
RETURNING handled_until;

-- locks ------------------------------------------------------------------------------------------------------------

-- name: lock-try
-- A session advisory lock (one send of a week across all hosts): it dies with its holder's connection.
SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked;

-- name: lock-release
SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS released;
