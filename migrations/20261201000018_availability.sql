-- Availability: each person's state for each practice they serve (available, busy, away,
-- off), read by the top bar, the presence list and, later, routing of tasks and calls.
-- `chosen` is what the person set; `state` is what holds now: the choice, or `away` while
-- none of their pages is open, or `off` once they signed out (`automatic`). Opening the
-- app again, or signing in, brings the choice back.
CREATE TYPE availability_state AS ENUM ('available', 'busy', 'away', 'off');
CREATE TABLE availability (
  practice_id uuid NOT NULL REFERENCES practices (id),
  user_id uuid NOT NULL REFERENCES users (id),
  chosen availability_state NOT NULL DEFAULT 'available',
  state availability_state NOT NULL DEFAULT 'available',
  automatic boolean NOT NULL DEFAULT false,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (practice_id, user_id)
);
CREATE INDEX availability_user_idx ON availability (user_id);

ALTER TABLE availability ENABLE ROW LEVEL SECURITY;
ALTER TABLE availability FORCE ROW LEVEL SECURITY;
-- Everyone of the practice reads it; a person writes only their own (workers: any).
CREATE POLICY availability_read ON availability FOR SELECT
  USING ((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]));
CREATE POLICY availability_insert ON availability FOR INSERT
  WITH CHECK (((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
    AND ((SELECT app_all_practices()) OR user_id = (SELECT app_user_id())));
CREATE POLICY availability_update ON availability FOR UPDATE
  USING (((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
    AND ((SELECT app_all_practices()) OR user_id = (SELECT app_user_id())))
  WITH CHECK (((SELECT app_all_practices()) OR practice_id = ANY ((SELECT app_practice_ids())::uuid[]))
    AND ((SELECT app_all_practices()) OR user_id = (SELECT app_user_id())));
GRANT SELECT, INSERT, UPDATE ON availability TO switchboard_app;
