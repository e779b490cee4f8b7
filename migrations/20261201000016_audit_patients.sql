-- The access log answers "who saw this patient?": every event names the patients it showed
-- or touched (a read of the calendar names everyone on it), found again by patient.
ALTER TABLE audit_events ADD COLUMN patient_ids uuid[] NOT NULL DEFAULT '{}';
-- The trigger that keeps the log append-only refuses updates: older events keep what they had.
CREATE INDEX audit_events_patients_idx ON audit_events USING gin (patient_ids);
CREATE INDEX audit_events_practice_action_idx ON audit_events (practice_id, action, at DESC);
