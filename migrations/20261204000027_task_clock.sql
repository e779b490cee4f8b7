-- The tasks' clock: waiting tasks come back when their follow-up time comes, and a task past
-- its due time is escalated once (a notification and an e-mail to the practice's chosen
-- person, or its practice admins), each recorded in the task's history by the system.

-- Who overdue tasks are escalated to (none chosen: the practice's admins).
ALTER TABLE practices ADD COLUMN task_escalation_user uuid REFERENCES users (id);

-- When the task was escalated for being late (once per due time).
ALTER TABLE tasks ADD COLUMN escalated_at timestamptz;
-- The clock's sweep: open tasks by due time, and waiting ones by follow-up.
CREATE INDEX tasks_due_idx ON tasks (due_at) WHERE status IN ('new', 'in_progress') AND escalated_at IS NULL;
CREATE INDEX tasks_follow_up_idx ON tasks (follow_up_at) WHERE status = 'waiting' AND follow_up_at IS NOT NULL;

-- The system's own changes have no person behind them.
ALTER TABLE task_events ALTER COLUMN actor_id DROP NOT NULL;
ALTER TABLE task_events DROP CONSTRAINT task_events_kind_check;
ALTER TABLE task_events ADD CONSTRAINT task_events_kind_check
  CHECK (kind IN ('created', 'taken', 'assigned', 'status', 'comment', 'step', 'priority', 'follow_up', 'escalated'));
ALTER TABLE task_events ADD CONSTRAINT task_events_actor_check
  CHECK (actor_id IS NOT NULL OR kind IN ('follow_up', 'escalated'));
