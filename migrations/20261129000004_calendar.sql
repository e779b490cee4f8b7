-- Shared calendars: patients (minimal record), rooms, appointment types, provider
-- availability, calendar entries (appointments, meetings, blocks), recurring series, the
-- busy claims that make double booking impossible, and the history of every change.

-- Equality on uuid inside a GiST exclusion constraint. A trusted extension: a database
-- owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE practices
  -- Grid of bookable start times, in minutes.
  ADD COLUMN slot_minutes integer NOT NULL DEFAULT 15 CHECK (slot_minutes IN (5, 10, 15, 20, 30, 60));

-- The minimal patient record (issue #7 extends it).
CREATE TABLE patients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  full_name text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
  date_of_birth date,
  phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
  email text NOT NULL DEFAULT '' CHECK (email = '' OR email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  UNIQUE (practice_id, id)
);
CREATE INDEX patients_name_idx ON patients (practice_id, lower(full_name));

CREATE TABLE rooms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
  archived_at timestamptz,
  UNIQUE (practice_id, id)
);
CREATE UNIQUE INDEX rooms_name_key ON rooms (practice_id, lower(name)) WHERE archived_at IS NULL;

CREATE TABLE appointment_types (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
  minutes integer NOT NULL CHECK (minutes BETWEEN 5 AND 480),
  buffer_before_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_before_minutes BETWEEN 0 AND 120),
  buffer_after_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_after_minutes BETWEEN 0 AND 120),
  color text NOT NULL DEFAULT '#3b6ea5' CHECK (color ~ '^#[0-9a-f]{6}$'),
  needs_room boolean NOT NULL DEFAULT false,
  -- Clinicians who may be booked for it; empty: every clinician of the practice.
  provider_ids uuid[] NOT NULL DEFAULT '{}',
  archived_at timestamptz,
  UNIQUE (practice_id, id)
);
CREATE UNIQUE INDEX appointment_types_name_key ON appointment_types (practice_id, lower(name)) WHERE archived_at IS NULL;

-- Weekly template: on an ISO weekday (1 = Monday), from `starts` to `ends` local time, for
-- dates in [valid_from, valid_until].
CREATE TABLE availability_ranges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  provider_id uuid NOT NULL REFERENCES users (id),
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  starts time NOT NULL,
  ends time NOT NULL CHECK (ends > starts),
  valid_from date NOT NULL,
  valid_until date CHECK (valid_until >= valid_from),
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX availability_ranges_provider_idx ON availability_ranges (practice_id, provider_id);

-- Time off ('off', also "clinician out") and extra hours ('extra').
CREATE TABLE availability_exceptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  provider_id uuid NOT NULL REFERENCES users (id),
  kind text NOT NULL CHECK (kind IN ('off', 'extra')),
  period tstzrange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz
);
CREATE INDEX availability_exceptions_idx ON availability_exceptions USING gist (practice_id, provider_id, period);

-- A recurring series: the rule and its first occurrence in the practice's local time.
CREATE TABLE series (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  rrule text NOT NULL,
  first_local timestamp NOT NULL,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (practice_id, id)
);

CREATE TYPE entry_kind AS ENUM ('appointment', 'meeting', 'block');
CREATE TYPE entry_status AS ENUM
  ('scheduled', 'confirmed', 'arrived', 'in_room', 'completed', 'no_show', 'cancelled');

-- Everything on a calendar: patient appointments, meetings/consultations with attendees,
-- and blocks (lunch, admin time). Never deleted: cancelled entries keep their row.
CREATE TABLE entries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  practice_id uuid NOT NULL REFERENCES practices (id),
  kind entry_kind NOT NULL,
  patient_id uuid,
  type_id uuid,
  -- The provider of an appointment or the person of a block; meetings list attendees.
  provider_id uuid REFERENCES users (id),
  room_id uuid,
  title text NOT NULL DEFAULT '' CHECK (length(title) <= 120),
  starts_at timestamptz NOT NULL,
  -- At most a day long: views find what overlaps a window through the start-time index.
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '1 day'),
  buffer_before_minutes integer NOT NULL DEFAULT 0,
  buffer_after_minutes integer NOT NULL DEFAULT 0,
  status entry_status NOT NULL DEFAULT 'scheduled',
  cancel_reason text CHECK (length(cancel_reason) <= 500),
  notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
  series_id uuid,
  -- The occurrence's start as the series' rule produced it (stable across edits).
  occurrence_start timestamptz,
  -- Edited on its own: later edits of the whole series leave it alone.
  detached boolean NOT NULL DEFAULT false,
  -- Booked outside the provider's availability, on purpose (recorded in the history too).
  outside_availability boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  FOREIGN KEY (practice_id, patient_id) REFERENCES patients (practice_id, id),
  FOREIGN KEY (practice_id, type_id) REFERENCES appointment_types (practice_id, id),
  FOREIGN KEY (practice_id, room_id) REFERENCES rooms (practice_id, id),
  FOREIGN KEY (practice_id, series_id) REFERENCES series (practice_id, id),
  CHECK ((kind = 'appointment') = (patient_id IS NOT NULL)),
  CHECK (kind <> 'appointment' OR (type_id IS NOT NULL AND provider_id IS NOT NULL)),
  CHECK (kind <> 'block' OR provider_id IS NOT NULL),
  CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
  UNIQUE (practice_id, id)
);
CREATE INDEX entries_time_idx ON entries (practice_id, starts_at);
CREATE INDEX entries_series_idx ON entries (series_id, occurrence_start) WHERE series_id IS NOT NULL;
CREATE INDEX entries_patient_idx ON entries (practice_id, patient_id) WHERE patient_id IS NOT NULL;

-- People attending a meeting (providers and staff).
CREATE TABLE entry_attendees (
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  PRIMARY KEY (entry_id, user_id),
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id)
);

-- What each live entry keeps busy (a provider or a room, buffers included). The exclusion
-- constraint makes two overlapping claims on one resource impossible, whatever the
-- concurrency; a cancelled entry's claims are removed (its row and history stay).
CREATE TABLE busy_claims (
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  resource_id uuid NOT NULL,
  resource_kind text NOT NULL CHECK (resource_kind IN ('provider', 'room')),
  span tstzrange NOT NULL CHECK (NOT isempty(span)),
  PRIMARY KEY (entry_id, resource_id),
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id),
  CONSTRAINT busy_claims_no_overlap EXCLUDE USING gist
    (practice_id WITH =, resource_id WITH =, span WITH &&)
);

-- Every change of an entry: who, when, what (field → [before, after]). Append-only.
CREATE TABLE entry_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  practice_id uuid NOT NULL,
  entry_id uuid NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id uuid REFERENCES users (id),
  -- 'created', 'moved', 'status', 'edited', 'cancelled', ...; changes holds the fields.
  action text NOT NULL,
  changes jsonb NOT NULL DEFAULT '{}'::jsonb,
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id)
);
CREATE INDEX entry_history_entry_idx ON entry_history (entry_id, at);
CREATE TRIGGER entry_history_no_update BEFORE UPDATE OR DELETE ON entry_history
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER entry_history_no_truncate BEFORE TRUNCATE ON entry_history
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['patients', 'rooms', 'appointment_types', 'availability_ranges',
    'availability_exceptions', 'series', 'entries', 'entry_attendees', 'busy_claims', 'entry_history']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id))',
      t || '_scope', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON patients, rooms, appointment_types, availability_ranges,
  availability_exceptions, series, entries TO switchboard_app;
GRANT SELECT, INSERT, DELETE ON entry_attendees, busy_claims TO switchboard_app;
-- A template range that has not started yet may be replaced outright.
GRANT DELETE ON availability_ranges TO switchboard_app;
GRANT SELECT, INSERT ON entry_history TO switchboard_app;
