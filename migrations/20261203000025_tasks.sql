-- Tasks: the work clinicians hand to the practice's assistants. Each belongs to one practice
-- and one of its queues, has a type (with a default priority, an SLA and the practice's
-- checklist for it), a priority, a status and, while someone works it, an assignee. Nothing is
-- deleted: a task is done or cancelled, and every change is a row of `task_events`.
CREATE TYPE task_priority AS ENUM ('routine', 'soon', 'urgent', 'emergency');
CREATE TYPE task_status AS ENUM ('new', 'in_progress', 'waiting', 'done', 'cancelled');
CREATE TYPE task_waiting_on AS ENUM ('patient', 'insurer', 'clinician', 'lab');

CREATE TABLE task_queues (
  practice_id uuid NOT NULL REFERENCES practices (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
  is_default boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  PRIMARY KEY (practice_id, id)
);
CREATE UNIQUE INDEX task_queues_name_key ON task_queues (practice_id, lower(name)) WHERE archived_at IS NULL;
CREATE UNIQUE INDEX task_queues_default_key ON task_queues (practice_id) WHERE is_default;

CREATE TABLE task_types (
  practice_id uuid NOT NULL REFERENCES practices (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
  default_priority task_priority NOT NULL DEFAULT 'routine',
  -- Business minutes from creation to due (emergencies: wall-clock minutes).
  sla_minutes integer NOT NULL CHECK (sla_minutes BETWEEN 5 AND 60 * 24 * 30),
  -- The practice's procedure: the steps a task of this type starts with.
  checklist text[] NOT NULL DEFAULT '{}',
  -- Errands (the clinician's own: dinner, transport) are seen only by who asked and the
  -- practice's assistants.
  errand boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz,
  PRIMARY KEY (practice_id, id)
);
CREATE UNIQUE INDEX task_types_name_key ON task_types (practice_id, lower(name)) WHERE archived_at IS NULL;

-- The next task number of each practice ("#12"): one row per practice, taken under its lock.
CREATE TABLE task_counters (
  practice_id uuid PRIMARY KEY REFERENCES practices (id),
  last_number bigint NOT NULL DEFAULT 0
);

CREATE TABLE tasks (
  practice_id uuid NOT NULL REFERENCES practices (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  number bigint NOT NULL,
  queue_id uuid NOT NULL,
  type_id uuid NOT NULL,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  details text NOT NULL DEFAULT '' CHECK (length(details) <= 10000),
  priority task_priority NOT NULL,
  status task_status NOT NULL DEFAULT 'new',
  waiting_on task_waiting_on,
  follow_up_at timestamptz,
  due_at timestamptz NOT NULL,
  patient_id uuid,
  entry_id uuid,
  assignee_id uuid REFERENCES users (id),
  creator_id uuid NOT NULL REFERENCES users (id),
  errand boolean NOT NULL DEFAULT false,
  -- Each step of the type's checklist, copied when the task is made, and whether it is done.
  checklist jsonb NOT NULL DEFAULT '[]',
  cancel_reason text CHECK (length(cancel_reason) <= 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  PRIMARY KEY (practice_id, id),
  UNIQUE (practice_id, number),
  FOREIGN KEY (practice_id, queue_id) REFERENCES task_queues (practice_id, id),
  FOREIGN KEY (practice_id, type_id) REFERENCES task_types (practice_id, id),
  FOREIGN KEY (practice_id, patient_id) REFERENCES patients (practice_id, id),
  FOREIGN KEY (practice_id, entry_id) REFERENCES entries (practice_id, id),
  CHECK ((status = 'waiting') = (waiting_on IS NOT NULL)),
  CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
  -- Someone works a task in progress; a new one is the queue's.
  CHECK (status <> 'in_progress' OR assignee_id IS NOT NULL)
);
-- The open work of a practice, most urgent first; "Take next" reads it.
CREATE INDEX tasks_open_idx ON tasks (practice_id, priority DESC, due_at)
  WHERE status IN ('new', 'in_progress', 'waiting');
CREATE INDEX tasks_assignee_idx ON tasks (assignee_id) WHERE status IN ('new', 'in_progress', 'waiting');

-- What happened to a task, in order: made, taken, handed on, status changes, comments,
-- checklist steps. `detail` holds the change's own fields (ids and fixed words).
CREATE TABLE task_events (
  practice_id uuid NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  task_id uuid NOT NULL,
  actor_id uuid NOT NULL REFERENCES users (id),
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('created', 'taken', 'assigned', 'status', 'comment', 'step', 'priority')),
  detail jsonb NOT NULL DEFAULT '{}',
  comment text CHECK (length(comment) BETWEEN 1 AND 5000),
  PRIMARY KEY (practice_id, id),
  FOREIGN KEY (practice_id, task_id) REFERENCES tasks (practice_id, id)
);
CREATE INDEX task_events_task_idx ON task_events (practice_id, task_id, id);

-- Whether the transaction's person may see task rows of `practice` marked as errands made by
-- `creator`: the one who asked, the practice's assistants, and system work.
CREATE FUNCTION task_visible(practice uuid, errand boolean, creator uuid) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT app_in_scope(practice) AND (
    NOT errand OR app_all_practices() OR creator = app_user_id()
    OR EXISTS (SELECT 1 FROM memberships m
               WHERE m.practice_id = practice AND m.user_id = app_user_id() AND m.role = 'assistant'))
$$;

ALTER TABLE task_queues ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_queues FORCE ROW LEVEL SECURITY;
CREATE POLICY task_queues_scope ON task_queues
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
GRANT SELECT, INSERT, UPDATE ON task_queues TO switchboard_app;

ALTER TABLE task_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_types FORCE ROW LEVEL SECURITY;
CREATE POLICY task_types_scope ON task_types
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
GRANT SELECT, INSERT, UPDATE ON task_types TO switchboard_app;

ALTER TABLE task_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY task_counters_scope ON task_counters
  USING (app_in_scope(practice_id)) WITH CHECK (app_in_scope(practice_id));
GRANT SELECT, INSERT, UPDATE ON task_counters TO switchboard_app;

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_scope ON tasks
  USING (task_visible(practice_id, errand, creator_id))
  WITH CHECK (task_visible(practice_id, errand, creator_id));
GRANT SELECT, INSERT, UPDATE ON tasks TO switchboard_app;

ALTER TABLE task_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_events FORCE ROW LEVEL SECURITY;
-- A task's history is seen by whoever sees the task; it is only ever added to.
CREATE POLICY task_events_read ON task_events FOR SELECT
  USING (EXISTS (SELECT 1 FROM tasks t WHERE t.practice_id = task_events.practice_id AND t.id = task_events.task_id));
CREATE POLICY task_events_insert ON task_events FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM tasks t WHERE t.practice_id = task_events.practice_id AND t.id = task_events.task_id));
GRANT SELECT, INSERT ON task_events TO switchboard_app;

-- Every practice starts with a default queue and the usual types (the practice changes them
-- later): the existing ones now, a new one as it is made, whoever makes it.
CREATE FUNCTION task_defaults(p uuid) RETURNS void LANGUAGE sql AS $$
  INSERT INTO task_queues (practice_id, name, is_default) VALUES (p, 'Front desk', true);
  INSERT INTO task_counters (practice_id) VALUES (p);
  INSERT INTO task_types (practice_id, name, default_priority, sla_minutes, checklist, errand)
  SELECT p, t.name, t.priority::task_priority, t.sla, t.checklist, t.errand
  FROM (VALUES
    ('Call-back', 'soon', 120, '{}'::text[], false),
    ('Prescription refill', 'soon', 480, '{"Check the last visit and the medication list","Send to the clinician for approval","Send to the pharmacy","Tell the patient"}', false),
    ('Prior authorization', 'routine', 1440, '{"Collect the diagnosis and the clinical notes","Fill in the insurer''s form","Submit to the insurer","Record the reference number","Tell the patient and the clinician the decision"}', false),
    ('Lab or imaging order', 'routine', 480, '{"Confirm the test and the lab","Send the order","Tell the patient how to prepare"}', false),
    ('Dictation', 'routine', 1440, '{}', false),
    ('Insurance paperwork', 'routine', 1440, '{}', false),
    ('Records request', 'routine', 2880, '{"Check the signed release","Send the records","Log what was sent"}', false),
    ('Correspondence', 'routine', 1440, '{}', false),
    ('Personal errand', 'routine', 480, '{}', true)
  ) AS t (name, priority, sla, checklist, errand);
$$;
CREATE FUNCTION practices_task_defaults() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM task_defaults(NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER practices_task_defaults AFTER INSERT ON practices
  FOR EACH ROW EXECUTE FUNCTION practices_task_defaults();
-- (The owner is held to row-level security too: this migration's work is the system's.)
SELECT set_config('app.all_practices', 'on', true);
SELECT task_defaults(id) FROM practices;
