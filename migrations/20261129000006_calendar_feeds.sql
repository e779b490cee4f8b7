-- Private calendar subscription feeds (ICS): one per provider or for the whole practice,
-- reached by a secret token (only its SHA-256 is kept), revocable.

ALTER TABLE practices
  -- Whether feeds name the patient of an appointment (off: type only).
  ADD COLUMN feed_patient_names boolean NOT NULL DEFAULT false;

CREATE TABLE calendar_feeds (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  -- Whose entries the feed carries; NULL: every entry of the practice.
  provider_id uuid REFERENCES users (id),
  token_hash bytea NOT NULL UNIQUE,
  label text NOT NULL DEFAULT '' CHECK (length(label) <= 80),
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_read_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX calendar_feeds_practice_idx ON calendar_feeds (practice_id, created_at);

ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_feeds_scope ON calendar_feeds
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
GRANT SELECT, INSERT, UPDATE ON calendar_feeds TO switchboard_app;
