-- Several servers work the signup queue at once (issue #22): a signup is held by the one that claimed it until
-- held_until (the database's clock), and the limit of one signup per address per window looks up its latest.
ALTER TABLE signups ADD COLUMN held_until timestamptz;
CREATE INDEX signups_email ON signups (email, at);
