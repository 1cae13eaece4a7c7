-- Every store of the files backend as tables (issue #22). Times a row gets on its own come from the database's clock
-- (now()), so hosts whose clocks disagree still agree on the order of things.

-- The list as the next send sees it: each reader once, whatever the case of the address as first given.
CREATE TABLE subscribers (
  email text NOT NULL CHECK (email = lower(btrim(email)) AND email <> ''),
  name text,
  -- Empty means every category.
  categories text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('active', 'pending', 'unsubscribed', 'bounced', 'complained')),
  -- The latest unsubscribe, bounce or complaint: a confirmation link issued before it never re-activates the address.
  opted_out_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX subscribers_email_key ON subscribers (lower(email));
CREATE INDEX subscribers_status ON subscribers (status);

-- Every change the program recorded, as the files backend's event store keeps them: appended, never changed.
CREATE TABLE subscriber_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  type text NOT NULL CHECK (type IN ('add', 'subscribe', 'confirm', 'opt-in', 'preferences', 'update', 'unsubscribe', 'bounce', 'complaint')),
  -- The event as the files backend writes it (SubscriberEvent in src/subscribers/schema.ts).
  body jsonb NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriber_events_email ON subscriber_events (lower(email), id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: its rows are never updated or deleted', TG_TABLE_NAME;
END $$;
CREATE TRIGGER subscriber_events_append_only BEFORE UPDATE OR DELETE ON subscriber_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER subscriber_events_no_truncate BEFORE TRUNCATE ON subscriber_events
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The durable queue of signups: written before the form is answered, claimed by one worker at a time
-- (FOR UPDATE SKIP LOCKED) until its confirmation email is out.
CREATE TABLE signups (
  id text PRIMARY KEY,
  email text NOT NULL,
  name text,
  categories text[] NOT NULL DEFAULT '{}',
  -- pending: only the signup is kept; recorded: its subscribe event is in subscriber_events; done: the email went (or never will).
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'recorded', 'done')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  outcome text,
  at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  CHECK ((state = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX signups_open ON signups (at) WHERE state <> 'done';

-- Each reader's standing vote on a tool of an issue: the one that counts.
CREATE TABLE votes (
  email text NOT NULL,
  week text NOT NULL,
  slug text NOT NULL,
  choice text NOT NULL CHECK (choice IN ('ship', 'skip')),
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (email, week, slug)
);
CREATE INDEX votes_week ON votes (week, slug);
CREATE INDEX votes_slug ON votes (slug);

-- Every vote cast, so a reader's changes in the last day can be counted against the limit.
CREATE TABLE vote_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  week text NOT NULL,
  slug text NOT NULL,
  choice text NOT NULL CHECK (choice IN ('ship', 'skip')),
  -- Whether this vote changed the standing one (a first vote and a repeat do not count against the limit).
  changed boolean NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vote_history_changes ON vote_history (email, week, slug, at) WHERE changed;
CREATE TRIGGER vote_history_append_only BEFORE UPDATE OR DELETE ON vote_history
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Resend webhook deliveries acted on, once each by their Svix id, even when two instances get the same one at once.
CREATE TABLE webhook_events (
  svix_id text PRIMARY KEY,
  type text,
  -- The issue the message was (its week tag), for stats.
  week text,
  email text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_week ON webhook_events (week, type);

-- Frozen issues: what was built is what is previewed, sent and archived. json, not jsonb: jsonb reorders keys
-- (readerVotes is keyed by slug), and the frozen text must come back byte for byte to match its sha256.
CREATE TABLE issues (
  week text PRIMARY KEY CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
  body json NOT NULL,
  sha256 text NOT NULL,
  frozen_at timestamptz NOT NULL DEFAULT now(),
  CHECK (sha256 = encode(sha256(convert_to(body::text, 'UTF8')), 'hex'))
);

-- A send's first record: the issue it sends (by the sha256 of its frozen text) and the settings it renders with.
CREATE TABLE send_starts (
  week text PRIMARY KEY REFERENCES issues (week),
  sha256 text NOT NULL,
  settings_fingerprint text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

-- One batch of up to 100 messages of a send, its Idempotency-Key and where it stands.
CREATE TABLE ledger_batches (
  week text NOT NULL REFERENCES send_starts (week),
  batch integer NOT NULL CHECK (batch >= 0),
  key text NOT NULL,
  recipients jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'submitting', 'sent', 'failed')),
  -- sent: the addresses Resend refused, each with why; failed: why, and whether nothing of it can have gone.
  rejected jsonb,
  reason text,
  nothing_sent boolean,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (week, batch)
);

-- The scheduler's one row: every tick up to handled_until has been dealt with.
CREATE TABLE schedule (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  handled_until timestamptz NOT NULL
);
