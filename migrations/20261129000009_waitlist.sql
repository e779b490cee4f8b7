-- Patients waiting for an earlier slot: each waits with an appointment already booked
-- (which a claimed slot replaces), for a type, some providers (none: any allowed) and a
-- window of dates. A freed slot is offered by e-mail to several at once; the first to
-- claim it gets it, the others are told it is gone.

CREATE TABLE waitlist (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  patient_id uuid NOT NULL,
  type_id uuid NOT NULL,
  provider_ids uuid[] NOT NULL DEFAULT '{}',
  earliest date NOT NULL,
  latest date NOT NULL CHECK (latest >= earliest),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- 'claimed' (moved to an offered slot) or 'removed'.
  closed text CHECK (closed IN ('claimed', 'removed')),
  closed_at timestamptz,
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id),
  FOREIGN KEY (practice_id, patient_id) REFERENCES patients (practice_id, id),
  FOREIGN KEY (practice_id, type_id) REFERENCES appointment_types (practice_id, id)
);
CREATE UNIQUE INDEX waitlist_open_entry_key ON waitlist (entry_id) WHERE closed IS NULL;
CREATE INDEX waitlist_open_idx ON waitlist (practice_id, created_at) WHERE closed IS NULL;

-- One freed slot offered to several waiting patients (`slot_group`), each by a link.
CREATE TABLE waitlist_offers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL,
  waitlist_id uuid NOT NULL REFERENCES waitlist (id),
  slot_group uuid NOT NULL,
  starts_at timestamptz NOT NULL,
  provider_id uuid NOT NULL REFERENCES users (id),
  room_id uuid,
  token_hash bytea NOT NULL UNIQUE,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- 'claimed' by this patient, or 'gone' (someone else was first, or it was withdrawn).
  outcome text CHECK (outcome IN ('claimed', 'gone')),
  answered_at timestamptz
);
CREATE INDEX waitlist_offers_group_idx ON waitlist_offers (slot_group);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['waitlist', 'waitlist_offers']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id))',
      t || '_scope', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE ON waitlist, waitlist_offers TO switchboard_app;
