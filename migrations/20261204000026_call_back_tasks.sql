-- The calendar's call-back list (patients without e-mail to phone about a change) becomes
-- tasks of the practice's call-back type. Open call-backs are copied into tasks, with their
-- patient, appointment, reason and who asked; the call_backs table is kept as it was (nothing
-- is deleted) and no longer written.

-- Types the system itself makes tasks of are found by a fixed key, whatever the practice
-- renames them to.
ALTER TABLE task_types ADD COLUMN system_key text CHECK (system_key IN ('call_back'));
CREATE UNIQUE INDEX task_types_system_key ON task_types (practice_id, system_key)
  WHERE system_key IS NOT NULL AND archived_at IS NULL;

SELECT set_config('app.all_practices', 'on', true);
UPDATE task_types SET system_key = 'call_back' WHERE name = 'Call-back' AND archived_at IS NULL;

CREATE OR REPLACE FUNCTION task_defaults(p uuid) RETURNS void LANGUAGE sql AS $$
  INSERT INTO task_queues (practice_id, name, is_default) VALUES (p, 'Front desk', true);
  INSERT INTO task_counters (practice_id) VALUES (p);
  INSERT INTO task_types (practice_id, name, default_priority, sla_minutes, checklist, errand, system_key)
  SELECT p, t.name, t.priority::task_priority, t.sla, t.checklist, t.errand, t.system_key
  FROM (VALUES
    ('Call-back', 'soon', 120, '{}'::text[], false, 'call_back'),
    ('Prescription refill', 'soon', 480, '{"Check the last visit and the medication list","Send to the clinician for approval","Send to the pharmacy","Tell the patient"}', false, NULL),
    ('Prior authorization', 'routine', 1440, '{"Collect the diagnosis and the clinical notes","Fill in the insurer''s form","Submit to the insurer","Record the reference number","Tell the patient and the clinician the decision"}', false, NULL),
    ('Lab or imaging order', 'routine', 480, '{"Confirm the test and the lab","Send the order","Tell the patient how to prepare"}', false, NULL),
    ('Dictation', 'routine', 1440, '{}', false, NULL),
    ('Insurance paperwork', 'routine', 1440, '{}', false, NULL),
    ('Records request', 'routine', 2880, '{"Check the signed release","Send the records","Log what was sent"}', false, NULL),
    ('Correspondence', 'routine', 1440, '{}', false, NULL),
    ('Personal errand', 'routine', 480, '{}', true, NULL)
  ) AS t (name, priority, sla, checklist, errand, system_key);
$$;

-- Each open call-back becomes a new task of the default queue, numbered after the practice's
-- tasks in the order the call-backs were made, due two hours after it was made (the type's
-- SLA, without the opening-hours clock: these are overdue or nearly so anyway).
CREATE TEMPORARY TABLE moved_call_backs ON COMMIT DROP AS
SELECT c.id AS call_back_id, c.practice_id, gen_random_uuid() AS task_id,
       k.last_number + row_number() OVER (PARTITION BY c.practice_id ORDER BY c.created_at, c.id) AS number,
       q.id AS queue_id, ty.id AS type_id, ty.default_priority AS priority,
       c.reason, c.patient_id, c.entry_id, COALESCE(c.created_by, e.created_by) AS creator_id, c.created_at
FROM call_backs c
JOIN entries e ON e.practice_id = c.practice_id AND e.id = c.entry_id
JOIN task_counters k ON k.practice_id = c.practice_id
JOIN task_queues q ON q.practice_id = c.practice_id AND q.is_default
JOIN task_types ty ON ty.practice_id = c.practice_id AND ty.system_key = 'call_back' AND ty.archived_at IS NULL
WHERE c.done_at IS NULL;

INSERT INTO tasks (practice_id, id, number, queue_id, type_id, title, details, priority, due_at,
                   patient_id, entry_id, creator_id, created_at, updated_at)
SELECT practice_id, task_id, number, queue_id, type_id, 'Call the patient about their appointment', reason,
       priority, created_at + interval '2 hours', patient_id, entry_id, creator_id, created_at, created_at
FROM moved_call_backs;

INSERT INTO task_events (practice_id, task_id, actor_id, at, kind)
SELECT practice_id, task_id, creator_id, created_at, 'created' FROM moved_call_backs;

UPDATE task_counters k SET last_number = m.top
FROM (SELECT practice_id, max(number) AS top FROM moved_call_backs GROUP BY practice_id) m
WHERE k.practice_id = m.practice_id;

-- Marked done here so that nothing reads them twice; done_by stays empty (moved, not called).
UPDATE call_backs SET done_at = now() WHERE id IN (SELECT call_back_id FROM moved_call_backs);
REVOKE INSERT, UPDATE ON call_backs FROM switchboard_app;
