//! Every query of tasks. Each runs in the caller's scoped transaction; row-level security
//! keeps other practices' tasks, and errands of others, out of reach whatever the query.

use crate::calendar::model::{CallBack, Person};
use crate::model::{EntryId, PatientId, PracticeId, QueueId, TaskId, TaskTypeId, UserId};
use crate::practices::rules::Hours;
use crate::tasks::model::{
    Priority, Queue, Status, Step, TaskDetail, TaskEvent, TaskRow, TaskSetup, TaskType, WaitingOn,
};
use crate::tasks::rules;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::types::Json;
use sqlx::PgConnection;

/// The practice's name, zone and opening hours (its SLA clock).
pub async fn clock(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Option<(String, String, Hours)>, sqlx::Error> {
    let row: Option<(String, String, Json<Hours>)> = sqlx::query_as(
        "SELECT name, time_zone, business_hours FROM practices WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(practice)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(n, z, h)| (n, z, h.0)))
}

/// Queues, types and members of a practice, for the new-task form.
pub async fn setup(
    conn: &mut PgConnection,
    practice: PracticeId,
    name: String,
) -> Result<TaskSetup, sqlx::Error> {
    let queues: Vec<(QueueId, String, bool)> = sqlx::query_as(
        "SELECT id, name, is_default FROM task_queues WHERE practice_id = $1 AND archived_at IS NULL
         ORDER BY NOT is_default, lower(name)",
    )
    .bind(practice)
    .fetch_all(&mut *conn)
    .await?;
    let types: Vec<(TaskTypeId, String, Priority, i32, Vec<String>, bool)> = sqlx::query_as(
        "SELECT id, name, default_priority, sla_minutes, checklist, errand FROM task_types
         WHERE practice_id = $1 AND archived_at IS NULL ORDER BY lower(name)",
    )
    .bind(practice)
    .fetch_all(&mut *conn)
    .await?;
    let people = members(conn, practice).await?;
    Ok(TaskSetup {
        practice,
        practice_name: name,
        queues: queues
            .into_iter()
            .map(|(id, name, is_default)| Queue { id, name, is_default })
            .collect(),
        types: types
            .into_iter()
            .map(
                |(id, name, default_priority, sla_minutes, checklist, errand)| TaskType {
                    id,
                    name,
                    default_priority,
                    sla_minutes,
                    checklist,
                    errand,
                },
            )
            .collect(),
        people: people.into_iter().map(|(id, name)| Person { id, name }).collect(),
    })
}

/// Whether the practice has this patient and this calendar entry (None: nothing to check).
pub async fn links_exist(
    conn: &mut PgConnection,
    practice: PracticeId,
    patient: Option<PatientId>,
    entry: Option<EntryId>,
) -> Result<bool, sqlx::Error> {
    let (ok,): (bool,) = sqlx::query_as(
        "SELECT ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM patients WHERE practice_id = $1 AND id = $2))
            AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM entries WHERE practice_id = $1 AND id = $3))",
    )
    .bind(practice)
    .bind(patient)
    .bind(entry)
    .fetch_one(conn)
    .await?;
    Ok(ok)
}

/// The patient of the practice's appointment `entry`, if it has one.
pub async fn entry_patient(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
) -> Result<Option<PatientId>, sqlx::Error> {
    let row: Option<(Option<PatientId>,)> =
        sqlx::query_as("SELECT patient_id FROM entries WHERE practice_id = $1 AND id = $2")
            .bind(practice)
            .bind(entry)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|(p,)| p))
}

/// A task ready to write: checked, with its queue, due time and checklist decided.
pub struct Insert<'a> {
    pub practice: PracticeId,
    pub type_id: TaskTypeId,
    pub queue: QueueId,
    pub title: &'a str,
    pub details: &'a str,
    pub priority: Priority,
    pub due_at: DateTime<Utc>,
    pub patient: Option<PatientId>,
    pub entry: Option<EntryId>,
    pub assignee: Option<UserId>,
    pub creator: UserId,
    pub errand: bool,
    pub checklist: &'a [String],
}

/// Writes a task with the practice's next number, and its first history entry.
pub async fn insert(conn: &mut PgConnection, t: &Insert<'_>) -> Result<(TaskId, i64), sqlx::Error> {
    // The counter row's lock orders the numbers of one practice.
    let (number,): (i64,) = sqlx::query_as(
        "UPDATE task_counters SET last_number = last_number + 1 WHERE practice_id = $1 RETURNING last_number",
    )
    .bind(t.practice)
    .fetch_one(&mut *conn)
    .await?;
    let steps: Vec<Step> = t
        .checklist
        .iter()
        .map(|s| Step {
            text: s.clone(),
            done: false,
        })
        .collect();
    let id = TaskId(uuid::Uuid::new_v4());
    sqlx::query(
        "INSERT INTO tasks (practice_id, id, number, queue_id, type_id, title, details, priority, due_at,
                            patient_id, entry_id, assignee_id, creator_id, errand, checklist)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(t.practice)
    .bind(id)
    .bind(number)
    .bind(t.queue)
    .bind(t.type_id)
    .bind(t.title)
    .bind(t.details)
    .bind(t.priority)
    .bind(t.due_at)
    .bind(t.patient)
    .bind(t.entry)
    .bind(t.assignee)
    .bind(t.creator)
    .bind(t.errand)
    .bind(Json(&steps))
    .execute(&mut *conn)
    .await?;
    event(
        conn,
        t.practice,
        id,
        t.creator,
        "created",
        serde_json::json!({}),
        None,
    )
    .await?;
    Ok((id, number))
}

/// Adds to a task's history.
pub async fn event(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
    actor: UserId,
    kind: &str,
    detail: serde_json::Value,
    comment: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO task_events (practice_id, task_id, actor_id, kind, detail, comment)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(practice)
    .bind(task)
    .bind(actor)
    .bind(kind)
    .bind(detail)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which tasks a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Every open task of the practices.
    Open,
    /// What the person asked for: open, or closed in the last two weeks.
    Asked(UserId),
}

const ROW_SELECT: &str = "SELECT t.practice_id, p.name AS practice_name, t.id, t.number, t.title,
       ty.name AS type_name, q.name AS queue_name, t.priority, t.status, t.waiting_on, t.due_at,
       (t.due_at AT TIME ZONE p.time_zone) AS due_local, t.assignee_id, a.display_name AS assignee_name,
       t.creator_id, c.display_name AS creator_name, t.errand, t.version
  FROM tasks t
  JOIN practices p ON p.id = t.practice_id
  JOIN task_types ty ON ty.practice_id = t.practice_id AND ty.id = t.type_id
  JOIN task_queues q ON q.practice_id = t.practice_id AND q.id = t.queue_id
  JOIN users c ON c.id = t.creator_id
  LEFT JOIN users a ON a.id = t.assignee_id";

#[derive(sqlx::FromRow)]
struct RowRec {
    practice_id: PracticeId,
    practice_name: String,
    id: TaskId,
    number: i64,
    title: String,
    type_name: String,
    queue_name: String,
    priority: Priority,
    status: Status,
    waiting_on: Option<WaitingOn>,
    due_at: DateTime<Utc>,
    due_local: NaiveDateTime,
    assignee_id: Option<UserId>,
    assignee_name: Option<String>,
    creator_id: UserId,
    creator_name: String,
    errand: bool,
    version: i32,
}

fn to_row(r: RowRec) -> TaskRow {
    TaskRow {
        practice: r.practice_id,
        practice_name: r.practice_name,
        id: r.id,
        number: r.number,
        title: r.title,
        type_name: r.type_name,
        queue_name: r.queue_name,
        priority: r.priority,
        status: r.status,
        waiting_on: r.waiting_on,
        due_at: r.due_at,
        due_local: r.due_local,
        assignee: r
            .assignee_id
            .zip(r.assignee_name)
            .map(|(id, name)| Person { id, name }),
        creator: Person {
            id: r.creator_id,
            name: r.creator_name,
        },
        errand: r.errand,
        version: r.version,
    }
}

/// The query of a list: `$1` the practices, `$2` the person who asked (`Asked` only).
pub fn list_sql(which: Which) -> String {
    let filter = match which {
        Which::Open => "t.status IN ('new', 'in_progress', 'waiting')",
        Which::Asked(_) => {
            "t.creator_id = $2
             AND (t.status IN ('new', 'in_progress', 'waiting') OR t.updated_at > now() - interval '14 days')"
        }
    };
    format!("{ROW_SELECT} WHERE t.practice_id = ANY($1) AND {filter} ORDER BY t.priority DESC, t.due_at, t.number LIMIT 500")
}

/// Tasks of `practices`, most urgent first: priority, then the earliest due.
pub async fn list(
    conn: &mut PgConnection,
    practices: &[PracticeId],
    which: Which,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    let sql = list_sql(which);
    let query = sqlx::query_as::<_, RowRec>(&sql).bind(practices);
    let rows = match which {
        Which::Open => query.fetch_all(conn).await?,
        Which::Asked(user) => query.bind(user).fetch_all(conn).await?,
    };
    Ok(rows.into_iter().map(to_row).collect())
}

/// The query of [`inbox`]: `$1` the practices, `$2` the person, `$3` where they work the queues.
pub fn inbox_sql() -> String {
    format!(
        "{ROW_SELECT} WHERE t.practice_id = ANY($1) AND t.status IN ('new', 'in_progress', 'waiting') AND (
            (t.assignee_id = $2 AND (t.status <> 'waiting' OR t.follow_up_at <= now()))
            OR (t.assignee_id IS NULL AND t.status = 'new' AND t.practice_id = ANY($3))
            OR (t.status = 'waiting' AND t.waiting_on = 'clinician' AND t.creator_id = $2))
         ORDER BY t.priority DESC, t.due_at, t.number LIMIT 500"
    )
}

/// What the person's inbox holds of tasks: theirs (a waiting one once its follow-up time
/// has come), the queues' new ones in the practices of `desk` (where they work the queues),
/// and what waits on them as the clinician who asked. Most urgent first, at most 500.
pub async fn inbox(
    conn: &mut PgConnection,
    practices: &[PracticeId],
    desk: &[PracticeId],
    me: UserId,
) -> Result<Vec<TaskRow>, sqlx::Error> {
    let sql = inbox_sql();
    let rows = sqlx::query_as::<_, RowRec>(&sql)
        .bind(practices)
        .bind(me)
        .bind(desk)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(to_row).collect())
}

/// The patients linked to the listed tasks (for the access log).
pub async fn patients_of(
    conn: &mut PgConnection,
    tasks: &[TaskId],
) -> Result<Vec<(PracticeId, PatientId)>, sqlx::Error> {
    let ids: Vec<uuid::Uuid> = tasks.iter().map(|t| t.0).collect();
    sqlx::query_as("SELECT practice_id, patient_id FROM tasks WHERE id = ANY($1) AND patient_id IS NOT NULL")
        .bind(ids)
        .fetch_all(conn)
        .await
}

/// One task with its history, or None when the person may not see it.
pub async fn detail(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
) -> Result<Option<TaskDetail>, sqlx::Error> {
    let sql = format!("{ROW_SELECT} WHERE t.practice_id = $1 AND t.id = $2");
    let Some(row): Option<RowRec> = sqlx::query_as(&sql)
        .bind(practice)
        .bind(task)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    type Extra = (
        String,
        Json<Vec<Step>>,
        Option<PatientId>,
        Option<String>,
        Option<EntryId>,
        Option<String>,
        Option<NaiveDateTime>,
    );
    let (details, checklist, patient, patient_name, entry, cancel_reason, follow_up): Extra = sqlx::query_as(
        "SELECT t.details, t.checklist, t.patient_id, pa.full_name, t.entry_id, t.cancel_reason,
                (t.follow_up_at AT TIME ZONE p.time_zone)
         FROM tasks t JOIN practices p ON p.id = t.practice_id
         LEFT JOIN patients pa ON pa.practice_id = t.practice_id AND pa.id = t.patient_id
         WHERE t.practice_id = $1 AND t.id = $2",
    )
    .bind(practice)
    .bind(task)
    .fetch_one(&mut *conn)
    .await?;
    let events: Vec<(NaiveDateTime, String, String, serde_json::Value, Option<String>)> = sqlx::query_as(
        "SELECT (e.at AT TIME ZONE p.time_zone), COALESCE(u.display_name, 'Switchboard'), e.kind, e.detail, e.comment
         FROM task_events e LEFT JOIN users u ON u.id = e.actor_id JOIN practices p ON p.id = e.practice_id
         WHERE e.practice_id = $1 AND e.task_id = $2 ORDER BY e.id",
    )
    .bind(practice)
    .bind(task)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(TaskDetail {
        row: to_row(row),
        details,
        checklist: checklist.0,
        patient: patient.zip(patient_name),
        entry,
        cancel_reason,
        follow_up_local: follow_up,
        events: events
            .into_iter()
            .map(|(at_local, actor, kind, detail, comment)| TaskEvent {
                at_local,
                actor,
                what: rules::describe(&kind, &detail),
                comment,
            })
            .collect(),
    }))
}

/// A task's state, locked for a change.
pub struct Current {
    pub status: Status,
    pub version: i32,
    pub assignee: Option<UserId>,
    pub creator: UserId,
    pub number: i64,
    pub checklist_len: usize,
}

pub async fn lock(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
) -> Result<Option<Current>, sqlx::Error> {
    let row: Option<(Status, i32, Option<UserId>, UserId, i64, i32)> = sqlx::query_as(
        "SELECT status, version, assignee_id, creator_id, number, jsonb_array_length(checklist)
         FROM tasks WHERE practice_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(practice)
    .bind(task)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(status, version, assignee, creator, number, steps)| Current {
            status,
            version,
            assignee,
            creator,
            number,
            checklist_len: usize::try_from(steps).unwrap_or(0),
        }),
    )
}

/// Takes a task for `me` when it is still the queue's (or already given to them): one
/// guarded update, so of several people pressing "Take" at once exactly one gets it.
/// Answers the new version, or None when someone else has it or it is closed.
pub async fn take(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
    me: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    let row: Option<(i32,)> = sqlx::query_as(
        "UPDATE tasks SET status = 'in_progress', assignee_id = $3, version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2 AND status = 'new' AND (assignee_id IS NULL OR assignee_id = $3)
         RETURNING version",
    )
    .bind(practice)
    .bind(task)
    .bind(me)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(v,)| v))
}

/// Who has a task now, if anyone, and whether it is still open.
pub async fn holder(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
) -> Result<Option<(Option<String>, Status)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.display_name, t.status FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id
         WHERE t.practice_id = $1 AND t.id = $2",
    )
    .bind(practice)
    .bind(task)
    .fetch_optional(conn)
    .await
}

/// Takes the most urgent task of `practices` that is nobody's yet (priority, then the
/// earliest due), skipping rows another "Take next" holds this instant.
pub async fn take_next(
    conn: &mut PgConnection,
    practices: &[PracticeId],
    me: UserId,
) -> Result<Option<(PracticeId, TaskId)>, sqlx::Error> {
    sqlx::query_as(
        "WITH next AS (
           SELECT practice_id, id FROM tasks
           WHERE practice_id = ANY($1) AND status = 'new' AND assignee_id IS NULL
           ORDER BY priority DESC, due_at, number LIMIT 1 FOR UPDATE SKIP LOCKED)
         UPDATE tasks t SET status = 'in_progress', assignee_id = $2, version = t.version + 1, updated_at = now()
         FROM next WHERE t.practice_id = next.practice_id AND t.id = next.id
         RETURNING t.practice_id, t.id",
    )
    .bind(practices)
    .bind(me)
    .fetch_optional(conn)
    .await
}

/// The fields a change of status writes.
pub struct Change<'a> {
    pub status: Status,
    pub waiting_on: Option<WaitingOn>,
    pub follow_up_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<&'a str>,
    pub assignee: Option<UserId>,
}

/// Writes a change of status to a locked task; answers the new version.
pub async fn set_status(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
    c: &Change<'_>,
) -> Result<i32, sqlx::Error> {
    let (version,): (i32,) = sqlx::query_as(
        "UPDATE tasks SET status = $3, waiting_on = $4, follow_up_at = $5, cancel_reason = $6, assignee_id = $7,
                          version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2 RETURNING version",
    )
    .bind(practice)
    .bind(task)
    .bind(c.status)
    .bind(c.waiting_on)
    .bind(c.follow_up_at)
    .bind(c.cancel_reason)
    .bind(c.assignee)
    .fetch_one(conn)
    .await?;
    Ok(version)
}

/// Gives a locked task to `to` (None: back to the queue, new again if it was in progress).
pub async fn assign(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
    to: Option<UserId>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks SET assignee_id = $3,
                          status = CASE WHEN $3::uuid IS NULL AND status = 'in_progress' THEN 'new'::task_status ELSE status END,
                          version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice)
    .bind(task)
    .bind(to)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ticks or unticks step `index` of a locked task's checklist; answers the step's text.
pub async fn step(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
    index: usize,
    done: bool,
) -> Result<String, sqlx::Error> {
    let (text,): (String,) = sqlx::query_as(
        "UPDATE tasks SET checklist = jsonb_set(checklist, ARRAY[$3, 'done'], to_jsonb($4::boolean)),
                          version = version + 1, updated_at = now()
         WHERE practice_id = $1 AND id = $2 RETURNING checklist -> $5 ->> 'text'",
    )
    .bind(practice)
    .bind(task)
    .bind(index.to_string())
    .bind(done)
    .bind(i32::try_from(index).unwrap_or(i32::MAX))
    .fetch_one(conn)
    .await?;
    Ok(text)
}

/// The members of a practice (whom a task may be given to, or a comment mention), by name.
pub async fn members(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.practice_id = $1 AND u.disabled_at IS NULL ORDER BY u.display_name",
    )
    .bind(practice)
    .fetch_all(conn)
    .await
}

/// The title of a call-back task (the patient's name is in the task, never in its title).
pub const CALL_BACK_TITLE: &str = "Call the patient about their appointment";

/// Makes a call-back task about appointment `entry` for the patient of it (the calendar's
/// list of patients to phone), due by the call-back type's SLA in the practice's opening
/// hours. Answers None when the practice has no call-back type or no such appointment.
pub async fn insert_call_back(
    conn: &mut PgConnection,
    practice: PracticeId,
    entry: EntryId,
    reason: &str,
    by: UserId,
) -> Result<Option<TaskId>, sqlx::Error> {
    let kind: Option<(TaskTypeId, QueueId, Priority, i32, Option<PatientId>)> = sqlx::query_as(
        "SELECT ty.id, q.id, ty.default_priority, ty.sla_minutes, e.patient_id
         FROM task_types ty
         JOIN task_queues q ON q.practice_id = ty.practice_id AND q.is_default
         JOIN entries e ON e.practice_id = ty.practice_id AND e.id = $2
         WHERE ty.practice_id = $1 AND ty.system_key = 'call_back' AND ty.archived_at IS NULL",
    )
    .bind(practice)
    .bind(entry)
    .fetch_optional(&mut *conn)
    .await?;
    let (Some((type_id, queue, priority, sla, patient)), Some((_, zone, hours))) =
        (kind, clock(conn, practice).await?)
    else {
        return Ok(None);
    };
    let tz = crate::practices::rules::zone(&zone).unwrap_or(chrono_tz::UTC);
    let due_at = rules::due_at(&tz, &rules::week_of(&hours), Utc::now(), i64::from(sla), priority);
    let (id, _) = insert(
        conn,
        &Insert {
            practice,
            type_id,
            queue,
            title: CALL_BACK_TITLE,
            details: reason,
            priority,
            due_at,
            patient,
            entry: Some(entry),
            assignee: None,
            creator: by,
            errand: false,
            checklist: &[],
        },
    )
    .await?;
    Ok(Some(id))
}

/// Open call-back tasks, oldest first, with their patient's name and phone.
pub async fn open_call_backs(
    conn: &mut PgConnection,
    practice: PracticeId,
) -> Result<Vec<CallBack>, sqlx::Error> {
    type Row = (TaskId, i64, String, String, String, DateTime<Utc>, PatientId);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.id, t.number, pt.full_name, pt.phone, t.details, t.created_at, pt.id
         FROM tasks t
         JOIN task_types ty ON ty.practice_id = t.practice_id AND ty.id = t.type_id
         JOIN patients pt ON pt.practice_id = t.practice_id AND pt.id = t.patient_id
         WHERE t.practice_id = $1 AND ty.system_key = 'call_back' AND t.status IN ('new', 'in_progress', 'waiting')
         ORDER BY t.created_at, t.number LIMIT 200",
    )
    .bind(practice)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, number, patient, phone, reason, created_at, patient_id)| CallBack {
                id,
                number,
                patient,
                patient_id,
                phone,
                reason,
                created_at,
            },
        )
        .collect())
}

/// Marks an open call-back task done (recorded in its history): its patient, or None when
/// the practice has no such open call-back.
pub async fn finish_call_back(
    conn: &mut PgConnection,
    practice: PracticeId,
    task: TaskId,
    by: UserId,
) -> Result<Option<PatientId>, sqlx::Error> {
    let patient: Option<Option<PatientId>> = sqlx::query_scalar(
        "UPDATE tasks t SET status = 'done', waiting_on = NULL, follow_up_at = NULL,
                            assignee_id = COALESCE(t.assignee_id, $3), version = t.version + 1, updated_at = now()
         FROM task_types ty
         WHERE ty.practice_id = t.practice_id AND ty.id = t.type_id AND ty.system_key = 'call_back'
           AND t.practice_id = $1 AND t.id = $2 AND t.status IN ('new', 'in_progress', 'waiting')
         RETURNING t.patient_id",
    )
    .bind(practice)
    .bind(task)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(patient) = patient else {
        return Ok(None);
    };
    event(
        conn,
        practice,
        task,
        by,
        "status",
        serde_json::json!({ "act": "done" }),
        None,
    )
    .await?;
    Ok(patient)
}

/// A task the clock moved: its practice, id, number and who has it.
pub type Moved = (PracticeId, TaskId, i64, Option<UserId>);

/// Waiting tasks whose follow-up time has come, back at work (with whoever had them, or new
/// in the queue), each recorded in its history by the system. At most `limit` a round.
pub async fn bring_back(conn: &mut PgConnection, limit: i64) -> Result<Vec<Moved>, sqlx::Error> {
    sqlx::query_as(
        "WITH due AS (
           SELECT practice_id, id FROM tasks WHERE status = 'waiting' AND follow_up_at <= now()
           ORDER BY follow_up_at LIMIT $1 FOR UPDATE SKIP LOCKED),
         moved AS (
           UPDATE tasks t SET status = CASE WHEN t.assignee_id IS NULL THEN 'new'::task_status ELSE 'in_progress'::task_status END,
                              waiting_on = NULL, follow_up_at = NULL, version = t.version + 1, updated_at = now()
           FROM due WHERE t.practice_id = due.practice_id AND t.id = due.id
           RETURNING t.practice_id, t.id, t.number, t.assignee_id),
         noted AS (
           INSERT INTO task_events (practice_id, task_id, kind) SELECT practice_id, id, 'follow_up' FROM moved)
         SELECT practice_id, id, number, assignee_id FROM moved",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Open tasks past their due time not escalated yet (waiting ones wait on someone else),
/// marked escalated and recorded in their history. At most `limit` a round.
pub async fn escalate(conn: &mut PgConnection, limit: i64) -> Result<Vec<Moved>, sqlx::Error> {
    sqlx::query_as(
        "WITH late AS (
           SELECT practice_id, id FROM tasks
           WHERE status IN ('new', 'in_progress') AND escalated_at IS NULL AND due_at <= now()
           ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED),
         marked AS (
           UPDATE tasks t SET escalated_at = now()
           FROM late WHERE t.practice_id = late.practice_id AND t.id = late.id
           RETURNING t.practice_id, t.id, t.number, t.assignee_id),
         noted AS (
           INSERT INTO task_events (practice_id, task_id, kind) SELECT practice_id, id, 'escalated' FROM marked)
         SELECT practice_id, id, number, assignee_id FROM marked",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Whom each practice escalates late tasks to: its chosen person, or its practice admins.
/// Answers (practice, person, e-mail, practice's name).
pub async fn escalation_people(
    conn: &mut PgConnection,
    practices: &[PracticeId],
) -> Result<Vec<(PracticeId, UserId, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, u.id, u.email, p.name FROM practices p
         JOIN users u ON u.disabled_at IS NULL AND (
           u.id = p.task_escalation_user
           OR (p.task_escalation_user IS NULL AND EXISTS (
             SELECT 1 FROM memberships m WHERE m.practice_id = p.id AND m.user_id = u.id AND m.role = 'practice_admin')))
         WHERE p.id = ANY($1) ORDER BY p.id, u.email",
    )
    .bind(practices)
    .fetch_all(conn)
    .await
}
