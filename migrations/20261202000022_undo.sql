-- A change made on the calendar (a booking, a move, a status) can be undone for a short
-- while by the person who made it, if nobody changed the entry since: what it replaced is
-- kept here, with the patient's notice it queued (held in the outbox that long, and
-- withdrawn by undo). The entry's history records both the change and its undoing.
CREATE TABLE entry_undos (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  made_by uuid NOT NULL REFERENCES users (id),
  made_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('booked', 'moved', 'status')),
  -- The entry's version the change left: any later change and undo is refused.
  version integer NOT NULL,
  -- What undo puts back (a booking's undo: the same place, cancelled).
  starts_at timestamptz NOT NULL,
  provider_id uuid REFERENCES users (id),
  room_id uuid,
  outside_availability boolean NOT NULL,
  status entry_status NOT NULL,
  -- The outbox row of the patient's notice (gone once withdrawn); no foreign key, as a
  -- withdrawn message leaves nothing behind.
  mail_id uuid,
  undone_at timestamptz,
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id)
);
CREATE INDEX entry_undos_entry_idx ON entry_undos (entry_id);

ALTER TABLE entry_undos ENABLE ROW LEVEL SECURITY;
ALTER TABLE entry_undos FORCE ROW LEVEL SECURITY;
-- Only its maker sees a kept change, and only in the practices of the transaction's scope.
CREATE POLICY entry_undos_scope ON entry_undos
  USING (app_in_scope(practice_id) AND made_by = (SELECT app_user_id()))
  WITH CHECK (app_in_scope(practice_id) AND made_by = (SELECT app_user_id()));
GRANT SELECT, INSERT, UPDATE (undone_at) ON entry_undos TO switchboard_app;
