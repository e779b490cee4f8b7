-- E-mail to patients about their appointments: when booked, when moved, and reminders at
-- the practice's lead times. Each notice carries a secret link (only its SHA-256 is kept)
-- with which the patient confirms or cancels.

ALTER TABLE practices
  -- Hours before an appointment at which its patient is reminded (at most three).
  ADD COLUMN reminder_hours integer[] NOT NULL DEFAULT '{48}'
    CHECK (cardinality(reminder_hours) <= 3 AND 1 <= ALL (reminder_hours) AND 336 >= ALL (reminder_hours));

CREATE TABLE appointment_notices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  -- 'booked', 'moved' or 'reminder'; lead_hours is 0 but for reminders.
  kind text NOT NULL CHECK (kind IN ('booked', 'moved', 'reminder')),
  lead_hours integer NOT NULL DEFAULT 0,
  -- The start the notice announced: a moved appointment is reminded anew.
  starts_at timestamptz NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz,
  answer text CHECK (answer IN ('confirmed', 'cancelled')),
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id)
);
-- A reminder goes once per lead time and start, however many nodes look; booking and
-- moving notices go every time (moved there, away and back again: told each time).
CREATE UNIQUE INDEX appointment_notices_reminder_key ON appointment_notices (entry_id, lead_hours, starts_at)
  WHERE kind = 'reminder';

ALTER TABLE appointment_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE appointment_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY appointment_notices_scope ON appointment_notices
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
GRANT SELECT, INSERT, UPDATE ON appointment_notices TO switchboard_app;
