-- Every query the PostgreSQL state runs, by name (listmonk's queries.sql): the whole database surface in one file.
-- Read by queries.ts; each query runs with its parameters as $1, $2 ... Sections follow the stores.

-- subscribers ------------------------------------------------------------------------------------------------------

-- name: subscriber-get
SELECT email, name, categories, status, opted_out_at, updated_at FROM subscribers WHERE lower(email) = lower($1);

-- name: subscribers-stream
-- The whole list in address order, for a cursor: a send's, or the list's first read.
SELECT email, name, categories, status FROM subscribers ORDER BY lower(email);

-- name: subscribers-count-by-status
SELECT status, count(*)::int AS count FROM subscribers GROUP BY status ORDER BY status;

-- name: subscribers-lock
-- The readers $1 (addresses as compared), locked until the caller's transaction ends: what its events fold into.
SELECT email, name, categories, status FROM subscribers WHERE lower(email) = ANY($1::text[]) ORDER BY lower(email) FOR UPDATE;

-- name: subscriber-write
-- A reader as the fold of their events (src/subscribers/list.ts) has them; $5: an unsubscribe, bounce or complaint was
-- recorded now, for the consent rule.
INSERT INTO subscribers (email, name, categories, status, opted_out_at) VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END)
ON CONFLICT (lower(email)) DO UPDATE SET
  name = EXCLUDED.name,
  categories = EXCLUDED.categories,
  status = EXCLUDED.status,
  opted_out_at = coalesce(EXCLUDED.opted_out_at, subscribers.opted_out_at),
  updated_at = now();

-- name: subscriber-events-last
-- The id of the latest event: the table subscribers read in the same snapshot is the fold of the events up to it.
SELECT coalesce(max(id), 0) AS id FROM subscriber_events;

-- An issue's audience ($1: the category names of the list that match one of the issue's, as written; $2: whether the
-- issue has a comparison, which a reader of every category gets). Addresses go in byte order (COLLATE "C"), which is
-- JavaScript's sort: the files backend's batches.

-- name: audience-category-names
-- Each category name an active reader chose, once: the program keys them as comparisonsFor does.
SELECT DISTINCT category FROM subscribers, unnest(categories) AS category WHERE status = 'active';

-- name: audience-skipped
-- How many the issue skips, by reason: the status when not active, or no category of the issue.
SELECT reason, count(*)::int AS count FROM (
  SELECT CASE
    WHEN status <> 'active' THEN status
    WHEN (cardinality(categories) = 0 AND $2) OR categories && $1::text[] THEN NULL
    ELSE 'no matching categories'
  END AS reason
  FROM subscribers
) AS judged
WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason;

-- name: audience-readers-page
-- The issue's readers after the address $3, at most $4 (a page: keyset, a short query of its own).
SELECT email, name, categories, status FROM subscribers
WHERE email COLLATE "C" > $3 AND status = 'active' AND ((cardinality(categories) = 0 AND $2) OR categories && $1::text[])
ORDER BY email COLLATE "C" LIMIT $4;

-- name: audience-skipped-page
-- The addresses the issue skips after $3, at most $4, each with why.
SELECT email, CASE WHEN status <> 'active' THEN status ELSE 'no matching categories' END AS reason FROM subscribers
WHERE email COLLATE "C" > $3 AND NOT (status = 'active' AND ((cardinality(categories) = 0 AND $2) OR categories && $1::text[]))
ORDER BY email COLLATE "C" LIMIT $4;

-- name: subscriber-events-append
-- Events in one statement, ids in the order given: $1 the addresses, $2 the types, $3 the events (each as JSON text).
INSERT INTO subscriber_events (email, type, body)
SELECT lower(btrim(email)), type, body::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS event (email, type, body, n)
ORDER BY n;

-- name: subscriber-events-since
-- The events after id $1, oldest first.
SELECT id, body, at FROM subscriber_events WHERE id > $1 ORDER BY id;

-- name: subscriber-events-lock
-- Taken by each transaction that appends events, so ids commit in order and a feed reading past id n misses none.
SELECT pg_advisory_xact_lock(hashtextextended('digest subscriber events', 0));

-- name: subscriber-events-any
SELECT EXISTS (SELECT 1 FROM subscriber_events) AS any;

-- subscriber imports -----------------------------------------------------------------------------------------------
-- The checked rows of an export are COPYed into a staging table and judged against the list set-based.

-- name: subscribers-analyze
ANALYZE subscribers;

-- name: import-staging
CREATE TEMPORARY TABLE import_rows (
  line integer NOT NULL,
  email text NOT NULL,
  name text,
  categories text[] NOT NULL,
  status text NOT NULL,
  unconsented boolean NOT NULL,
  -- 2 for the second row of an address in the file, and so on: each is judged in a round of its own, after the ones before.
  occurrence integer NOT NULL DEFAULT 1,
  PRIMARY KEY (occurrence, line)
) ON COMMIT DROP;

-- name: import-copy
COPY import_rows (line, email, name, categories, status, unconsented) FROM STDIN;

-- name: import-repeats
-- Numbers the rows of each address the file gives more than once, in the order of their lines, and says how many rounds
-- the import takes.
WITH numbered AS (
  SELECT line, row_number() OVER (PARTITION BY email ORDER BY line) AS occurrence FROM import_rows
  WHERE email IN (SELECT email FROM import_rows GROUP BY email HAVING count(*) > 1)
), renumbered AS (
  UPDATE import_rows SET occurrence = numbered.occurrence FROM numbered
  WHERE import_rows.line = numbered.line AND numbered.occurrence > 1
  RETURNING import_rows.occurrence
)
SELECT coalesce(max(occurrence), 1)::int AS rounds FROM renumbered;

-- name: import-round
-- The rows of round $1 from line $4 up to line $5, each judged against the list as it stands, as planImport
-- (src/subscribers/import-plan.ts) judges a row; for each row that changes its reader, an `add` event (at $2, source
-- `import $3:<line>`) as the files backend records it and the reader's row written; how many rows had each outcome.
WITH staged AS (
  SELECT r.line, r.email, r.name, r.categories, r.status, r.unconsented,
    k.email IS NOT NULL AS known, k.name AS was_name, k.categories AS was_categories, k.status AS was_status
  FROM import_rows r LEFT JOIN subscribers k ON lower(k.email) = r.email
  WHERE r.occurrence = $1 AND r.line >= $4 AND r.line < $5
),
-- mergeRow (src/subscribers/list.ts): a name once known stays, categories add up (empty, every category, absorbs the
-- others) and the status furthest from active wins. A pending row leaves a reader on the list as they are.
merged AS MATERIALIZED (
  SELECT staged.*,
    CASE WHEN NOT known THEN name WHEN status = 'pending' THEN was_name ELSE coalesce(was_name, name) END AS next_name,
    CASE
      WHEN NOT known THEN categories
      WHEN status = 'pending' THEN was_categories
      WHEN cardinality(was_categories) = 0 OR cardinality(categories) = 0 THEN '{}'::text[]
      WHEN categories <@ was_categories THEN was_categories
      ELSE was_categories || ARRAY(
        SELECT c FROM unnest(categories) WITH ORDINALITY AS added (c, i)
        WHERE NOT EXISTS (SELECT 1 FROM unnest(was_categories) AS had (h) WHERE lower(h) = lower(c))
          AND NOT EXISTS (SELECT 1 FROM unnest(categories) WITH ORDINALITY AS earlier (e, j) WHERE j < i AND lower(e) = lower(c))
        ORDER BY i
      )
    END AS next_categories,
    CASE
      WHEN NOT known THEN status
      WHEN status = 'pending' THEN was_status
      WHEN array_position(ARRAY['active', 'pending', 'unsubscribed', 'bounced', 'complained'], status)
        > array_position(ARRAY['active', 'pending', 'unsubscribed', 'bounced', 'complained'], was_status) THEN status
      ELSE was_status
    END AS next_status
  FROM staged
),
judged AS (
  SELECT merged.*,
    NOT known OR next_name IS DISTINCT FROM was_name OR next_categories <> was_categories OR next_status <> was_status AS changed
  FROM merged
),
events AS (
  INSERT INTO subscriber_events (email, type, body)
  SELECT email, 'add', jsonb_build_object('type', 'add', 'email', email, 'name', name, 'categories', to_jsonb(categories),
    'status', status, 'at', $2::text, 'source', 'import ' || $3::text || ':' || line)
  FROM judged WHERE changed
),
written AS (
  INSERT INTO subscribers (email, name, categories, status, opted_out_at)
  SELECT email, next_name, next_categories, next_status, CASE WHEN status IN ('unsubscribed', 'bounced', 'complained') THEN now() END
  FROM judged WHERE changed
  ON CONFLICT (lower(email)) DO UPDATE SET
    name = EXCLUDED.name,
    categories = EXCLUDED.categories,
    status = EXCLUDED.status,
    opted_out_at = coalesce(EXCLUDED.opted_out_at, subscribers.opted_out_at),
    updated_at = now()
)
SELECT CASE
    WHEN NOT known THEN CASE status
      WHEN 'active' THEN 'addedActive'
      WHEN 'pending' THEN CASE WHEN unconsented THEN 'addedUnconsented' ELSE 'addedPending' END
      ELSE 'optedOut'
    END
    WHEN status = 'pending' THEN 'unchanged'
    WHEN was_status IN ('unsubscribed', 'bounced', 'complained') AND status NOT IN ('unsubscribed', 'bounced', 'complained') THEN 'keptOut'
    WHEN NOT changed THEN 'unchanged'
    WHEN next_status IN ('unsubscribed', 'bounced', 'complained') AND next_status <> was_status THEN 'optedOut'
    ELSE 'updated'
  END AS outcome,
  count(*)::int AS count
FROM judged GROUP BY 1;

-- signups ----------------------------------------------------------------------------------------------------------

-- name: signup-add
-- The same signup id twice (a retried form) is kept once.
INSERT INTO signups (id, email, name, categories, at) VALUES ($1, lower(btrim($2)), $3, $4, $5)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: signup-serialize
-- Taken first by each signup, so two of one address at the same moment (on two servers) are judged one after another.
SELECT pg_advisory_xact_lock(hashtextextended('digest signup ' || lower(btrim($1)), 0));

-- name: signup-latest
-- When the address last signed up after $2 (the limit's window before this signup): then it may not again yet.
SELECT max(at) AS at FROM signups WHERE email = lower(btrim($1)) AND at > $2;

-- name: signup-claim
-- The oldest open signup nobody holds, now held for $1 milliseconds by the database's clock: SKIP LOCKED lets two
-- servers claiming at the same moment take two different ones, and a holder that died lets go when the time is up.
UPDATE signups SET held_until = now() + $1::int * interval '1 millisecond', attempts = attempts + 1
WHERE id = (
  SELECT id FROM signups
  WHERE state <> 'done' AND (held_until IS NULL OR held_until <= now())
  ORDER BY at, id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
RETURNING id, email, name, categories, state, at;

-- name: signup-recorded
UPDATE signups SET state = 'recorded' WHERE id = $1 AND state = 'pending' RETURNING id;

-- name: signup-done
UPDATE signups SET state = 'done', outcome = $2, done_at = $3 WHERE id = $1 AND state <> 'done' RETURNING id;

-- name: signups-open
-- The signups not done with, oldest first.
SELECT id, email, name, categories, state, at FROM signups WHERE state <> 'done' ORDER BY at, id;

-- name: signups-all
-- Every signup kept, done ones too, oldest first: what a copy of the queue reads.
SELECT id, email, name, categories, state, outcome, at, done_at FROM signups ORDER BY at, id;

-- name: signups-open-count
SELECT count(*)::int AS count FROM signups WHERE state <> 'done';

-- votes ------------------------------------------------------------------------------------------------------------

-- name: vote-standing
SELECT choice, at FROM votes WHERE email = $1 AND week = $2 AND slug = $3;

-- name: vote-serialize
-- Taken first by each cast, so one reader's votes on one tool of one issue are judged one after another.
SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2 || ' ' || $3, 0));

-- name: vote-change-at
-- The time of the $4th latest change of the reader's vote on this tool of this issue: with the window, when it may next change.
SELECT at FROM vote_history WHERE email = $1 AND week = $2 AND slug = $3 AND changed ORDER BY id DESC OFFSET $4 - 1 LIMIT 1;

-- name: vote-cast
-- Records a vote cast at $5 as the standing one and in the history; the caller checks the change limit in the same transaction.
-- No FOR UPDATE in `before`: it runs after `standing` updated the row, and locking a row this statement changed skips
-- it, so every vote would count as no change (vote-serialize orders the casts instead).
WITH before AS (SELECT choice FROM votes WHERE email = $1 AND week = $2 AND slug = $3),
standing AS (
  INSERT INTO votes (email, week, slug, choice, at) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (email, week, slug) DO UPDATE SET choice = EXCLUDED.choice, at = EXCLUDED.at
  RETURNING choice
)
INSERT INTO vote_history (email, week, slug, choice, changed, at)
SELECT $1, $2, $3, $4, coalesce((SELECT choice FROM before) <> $4, false), $5 FROM standing
RETURNING changed, at;

-- name: votes-history
-- Every vote cast, in the order recorded, for the tally.
SELECT email, week, slug, choice, at FROM vote_history ORDER BY id;

-- name: votes-of-issue
SELECT slug, count(*) FILTER (WHERE choice = 'ship')::int AS ship, count(*) FILTER (WHERE choice = 'skip')::int AS skip
FROM votes WHERE week = $1 GROUP BY slug ORDER BY slug;

-- name: votes-community
-- Every reader's latest vote on each tool, across issues.
SELECT slug, count(*) FILTER (WHERE choice = 'ship')::int AS ship, count(*) FILTER (WHERE choice = 'skip')::int AS skip
FROM (SELECT DISTINCT ON (slug, email) slug, email, choice FROM votes ORDER BY slug, email, at DESC) AS latest
GROUP BY slug ORDER BY slug;

-- webhook events ---------------------------------------------------------------------------------------------------

-- name: webhook-commit
-- The delivery, recorded in the transaction that acts on it: the same id inserted by another transaction not yet
-- ended makes this one wait for it, then insert nothing if it committed (no row returned: a duplicate).
INSERT INTO webhook_events (svix_id, type, week, email, body) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (svix_id) DO NOTHING
RETURNING svix_id;

-- name: webhook-entries
SELECT body FROM webhook_events WHERE body IS NOT NULL ORDER BY at, svix_id;

-- name: webhook-counts-of-week
-- Distinct readers per event type for one issue.
SELECT type, count(DISTINCT email)::int AS readers FROM webhook_events WHERE week = $1 GROUP BY type ORDER BY type;

-- issues -----------------------------------------------------------------------------------------------------------

-- name: issue-get
SELECT week, body::text AS text, sha256, frozen_at FROM issues WHERE week = $1;

-- name: issue-write
-- Freezes the week's issue, replacing the one frozen before (the caller decides whether it may).
INSERT INTO issues (week, body, sha256) VALUES ($1, $2::text::json, encode(sha256(convert_to($2, 'UTF8')), 'hex'))
ON CONFLICT (week) DO UPDATE SET body = EXCLUDED.body, sha256 = EXCLUDED.sha256, frozen_at = now()
RETURNING week;

-- name: issue-version
-- Changes with every write, even of the same text: the row's transaction id with its digest.
SELECT sha256 || ':' || xmin::text AS version FROM issues WHERE week = $1;

-- name: issue-remove
DELETE FROM issues WHERE week = $1;

-- name: issue-weeks
SELECT week FROM issues ORDER BY week;

-- send ledger ------------------------------------------------------------------------------------------------------

-- name: send-start-get
SELECT week, sha256, settings_fingerprint, issue::text AS issue, at FROM send_starts WHERE week = $1;

-- name: send-start-record
-- The start record of the first plan of a send: at $2, the issue $4 frozen with digest $3, rendered with the settings
-- whose fingerprint is $5 (JSON, one hash per setting).
INSERT INTO send_starts (week, at, sha256, issue, settings_fingerprint) VALUES ($1, $2, $3, $4::text::json, $5)
ON CONFLICT (week) DO NOTHING
RETURNING week;

-- name: ledger-batches-add
-- A plan's batches at once: $2 the numbers, $3 the keys, $4 the recipients (each a JSON array as text).
INSERT INTO ledger_batches (week, batch, key, recipients)
SELECT $1, batch, key, recipients::jsonb FROM unnest($2::int[], $3::text[], $4::text[]) AS plan (batch, key, recipients);

-- name: ledger-length
-- Grows with every record: the start, each batch planned, each step written to one.
SELECT (SELECT count(*) FROM send_starts WHERE week = $1)::int
  + coalesce((SELECT count(*) + sum(steps) FROM ledger_batches WHERE week = $1), 0)::int AS length,
  (SELECT max(updated_at) FROM ledger_batches WHERE week = $1) AS last_written;

-- name: ledger-has-reader
-- Whether $2 is among the readers of a sent batch of week $1 whom Resend did not refuse.
SELECT EXISTS (
  SELECT 1 FROM ledger_batches
  WHERE week = $1 AND state = 'sent'
    AND recipients @> jsonb_build_array(jsonb_build_object('email', $2::text))
    AND NOT coalesce(rejected, '[]') @> jsonb_build_array(jsonb_build_object('email', $2::text))
) AS has;

-- name: ledger-all-weeks
-- Every week with a ledger, oldest first: a start record or a planned batch.
SELECT week FROM send_starts UNION SELECT week FROM ledger_batches ORDER BY week;

-- name: ledger-batch-recipients
-- The readers batch $2 was planned with, asked for when it goes, so a send holds no plan's readers.
SELECT recipients FROM ledger_batches WHERE week = $1 AND batch = $2;

-- name: ledger-batch-to-send
-- The batch about to go, locked until the caller's transaction ends: where it stands, whether it first went more than
-- $3 seconds ago by the database's clock, and those of its readers the list has as no longer active, with their status.
SELECT b.state, b.key, b.recipients,
  coalesce(b.submitted_at < now() - make_interval(secs => $3), false) AS key_forgotten,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('email', r.reader->>'email', 'status', s.status) ORDER BY r.n), '[]')
   FROM jsonb_array_elements(b.recipients) WITH ORDINALITY AS r (reader, n)
   JOIN subscribers s ON lower(s.email) = lower(r.reader->>'email')
   WHERE s.status <> 'active') AS stopped
FROM ledger_batches b
WHERE b.week = $1 AND b.batch = $2
FOR UPDATE OF b;

-- name: ledger-batch-submitting
-- The batch goes, with the key $3 and readers $4 (JSON as text) instead of its plan's when they are not null; the time
-- it first went is kept.
UPDATE ledger_batches SET state = 'submitting', key = coalesce($3, key), recipients = coalesce($4::text::jsonb, recipients),
  submitted_at = coalesce(submitted_at, now()), steps = steps + 1, updated_at = now()
WHERE week = $1 AND batch = $2 AND state IN ('pending', 'submitting', 'failed')
RETURNING batch;

-- name: ledger-batch-sent
UPDATE ledger_batches SET state = 'sent', rejected = $3, reason = NULL, nothing_sent = NULL, steps = steps + 1, updated_at = now()
WHERE week = $1 AND batch = $2 AND state <> 'sent'
RETURNING batch;

-- name: ledger-batch-failed
UPDATE ledger_batches SET state = 'failed', reason = $3, nothing_sent = $4, steps = steps + 1, updated_at = now()
WHERE week = $1 AND batch = $2 AND state <> 'sent'
RETURNING batch;

-- name: ledger-batches-of-week
SELECT batch, key, recipients, state, rejected, reason, nothing_sent, created_at, updated_at FROM ledger_batches
WHERE week = $1 ORDER BY batch;

-- schedule ---------------------------------------------------------------------------------------------------------

-- name: schedule-get
SELECT handled_until FROM schedule;

-- name: schedule-handled
-- Moves the scheduler's mark forward, never back.
INSERT INTO schedule (handled_until) VALUES ($1)
ON CONFLICT (only_row) DO UPDATE SET handled_until = greatest(schedule.handled_until, EXCLUDED.handled_until)
RETURNING handled_until;

-- db import-state --------------------------------------------------------------------------------------------------

-- name: import-lock
-- Taken first by a copy, so of two started at once the second waits, then finds the first one's rows and refuses.
SELECT pg_advisory_xact_lock(hashtextextended('digest import-state', 0));

-- name: state-held
-- The stores that hold anything: a copy goes only into a database where none does.
SELECT store FROM (VALUES
  ('the list', EXISTS (SELECT 1 FROM subscribers)),
  ('subscriber events', EXISTS (SELECT 1 FROM subscriber_events)),
  ('signups', EXISTS (SELECT 1 FROM signups)),
  ('votes', EXISTS (SELECT 1 FROM votes) OR EXISTS (SELECT 1 FROM vote_history)),
  ('webhook log', EXISTS (SELECT 1 FROM webhook_events)),
  ('frozen issues', EXISTS (SELECT 1 FROM issues)),
  ('send ledgers', EXISTS (SELECT 1 FROM send_starts) OR EXISTS (SELECT 1 FROM ledger_batches)),
  ('schedule', EXISTS (SELECT 1 FROM schedule))
) AS held (store, holds)
WHERE holds;

-- locks ------------------------------------------------------------------------------------------------------------

-- name: lock-try
-- A session advisory lock (one send of a week across all hosts): it dies with its holder's connection.
SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked;

-- name: lock-held
-- Whether this very session holds the lock $1: each ledger write asks it first, in its own transaction on the lock's
-- connection, so a write never commits once the lock is gone (a connection opened again holds no lock).
SELECT EXISTS (
  SELECT 1 FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND objsubid = 1
    AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)
) AS held;

-- name: lock-release
SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS released;

-- name: lock-holder
-- The application_name (`digest <host>:<pid>`) of the session holding the lock, if any: pg_locks splits the key in two,
-- and lists the locks of every database of the server.
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  -- Advisory locks are per database: another newsletter's database on the server holds its own.
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
LIMIT 1;
