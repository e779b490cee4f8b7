-- Patients to phone about a change to their appointment (they have no e-mail address on
-- file): the front desk's list to work through until the task system (issue #4) takes over.

CREATE TABLE call_backs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  created_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  done_by uuid REFERENCES users (id),
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id),
  FOREIGN KEY (practice_id, patient_id) REFERENCES patients (practice_id, id)
);
CREATE INDEX call_backs_open_idx ON call_backs (practice_id, created_at) WHERE done_at IS NULL;

ALTER TABLE call_backs ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_backs FORCE ROW LEVEL SECURITY;
CREATE POLICY call_backs_scope ON call_backs
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
GRANT SELECT, INSERT, UPDATE ON call_backs TO switchboard_app;
