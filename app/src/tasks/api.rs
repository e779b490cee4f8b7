//! Server functions of tasks: who may, then `db.rs` / `rules.rs`. Every change is one
//! transaction that writes the task, its history, the access log, any notification and the
//! live event together.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::model::{PracticeId, TaskId, UserId};
use crate::tasks::model::{Act, NewTask, Taken, TaskDetail, TaskRow, TaskSetup};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    audit::db::{self as audit, Event},
    audit::model::Action,
    auth::session::{self, Actor},
    db::{begin, Scope, Tx},
    model::Role,
    notifications::model::Topic,
    state::app_state,
    tasks::{
        db,
        notices::{announce, tell},
        rules,
    },
};

#[cfg(feature = "ssr")]
use crate::tasks::rules::DESK;

#[cfg(feature = "ssr")]
async fn open(practice: PracticeId, roles: &[Role]) -> Result<(std::sync::Arc<Actor>, Role, Tx), AppError> {
    let actor = session::actor()?;
    let role = actor.require(practice, roles)?;
    let state = app_state()?;
    let tx = begin(&state.pool, &actor.scope(practice)).await?;
    Ok((actor, role, tx))
}

/// How every change ends: the access log, the live event, the commit.
#[cfg(feature = "ssr")]
async fn changed(
    mut tx: Tx,
    actor: &Actor,
    practice: PracticeId,
    task: TaskId,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        &mut tx,
        Event {
            subject_type: Some("task"),
            subject_id: Some(task.to_string()),
            detail,
            ..Event::of(actor, practice, Action::TaskChange)
        },
    )
    .await?;
    announce(&mut tx, practice, task).await?;
    tx.commit().await?;
    Ok(())
}

/// The practice's queues, task types and people, for the new-task form.
#[server(endpoint = "tasks/setup", input = Json, output = crate::wire::Bin)]
pub async fn tasks_setup(practice: PracticeId) -> Result<TaskSetup, AppError> {
    let (_, _, mut tx) = open(practice, &Role::ALL).await?;
    let (name, _, _) = db::clock(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
    let setup = db::setup(&mut tx, practice, name).await?;
    tx.commit().await?;
    Ok(setup)
}

/// Makes a task; answers its id and number. Its due time is the type's SLA in the
/// practice's opening hours unless one is given.
#[server(endpoint = "tasks/create", input = Json, output = crate::wire::Bin)]
pub async fn create_task(practice: PracticeId, task: NewTask) -> Result<(TaskId, i64), AppError> {
    let (actor, _, mut tx) = open(practice, &Role::ALL).await?;
    let title = rules::check_title(&task.title).map_err(AppError::invalid)?;
    if task.details.chars().count() > 10_000 {
        return Err(AppError::invalid("The details are at most 10,000 characters."));
    }
    let (name, zone, hours) = db::clock(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
    let tz = crate::calendar::book::parse_zone(&zone)?;
    let setup = db::setup(&mut tx, practice, name).await?;
    let kind = setup
        .types
        .iter()
        .find(|t| t.id == task.type_id)
        .ok_or_else(|| AppError::invalid("Choose one of the practice's task types."))?;
    let queue = match task.queue {
        None => setup
            .queues
            .iter()
            .find(|q| q.is_default)
            .or(setup.queues.first()),
        Some(q) => setup.queues.iter().find(|x| x.id == q),
    }
    .ok_or_else(|| AppError::invalid("Choose one of the practice's queues."))?
    .id;
    if let Some(a) = task.assignee {
        if !setup.people.iter().any(|p| p.id == a) {
            return Err(AppError::invalid(
                "A task can be given only to someone of the practice.",
            ));
        }
    }
    if !db::links_exist(&mut tx, practice, task.patient, task.entry).await? {
        return Err(AppError::invalid(
            "The patient or appointment linked is not this practice's.",
        ));
    }
    // A task about an appointment is about its patient too.
    let patient = match (task.patient, task.entry) {
        (None, Some(entry)) => db::entry_patient(&mut tx, practice, entry).await?,
        (patient, _) => patient,
    };
    let priority = task.priority.unwrap_or(kind.default_priority);
    let now = chrono::Utc::now();
    let due_at = match task.due {
        Some(local) => {
            let at = crate::calendar::rules::local_to_utc(&tz, local);
            if at < now {
                return Err(AppError::invalid("The due time has passed: give a later one."));
            }
            at
        }
        None => rules::due_at(
            &tz,
            &rules::week_of(&hours),
            now,
            i64::from(kind.sla_minutes),
            priority,
        ),
    };
    let (id, number) = db::insert(
        &mut tx,
        &db::Insert {
            practice,
            type_id: kind.id,
            queue,
            title: &title,
            details: task.details.trim(),
            priority,
            due_at,
            patient,
            entry: task.entry,
            assignee: task.assignee,
            creator: actor.user(),
            errand: kind.errand,
            checklist: &kind.checklist,
        },
    )
    .await?;
    if let Some(a) = task.assignee.filter(|a| *a != actor.user()) {
        tell(
            &mut tx,
            practice,
            a,
            Topic::TaskAssigned,
            id,
            &format!("Task #{number} was given to you"),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        Event {
            subject_type: Some("task"),
            subject_id: Some(id.to_string()),
            patient: patient.map(|p| p.0),
            detail: serde_json::json!({ "number": number }),
            ..Event::of(&actor, practice, Action::TaskCreate)
        },
    )
    .await?;
    announce(&mut tx, practice, id).await?;
    tx.commit().await?;
    Ok((id, number))
}

/// Tasks across the person's practices: `open` (every open task, most urgent first) or
/// `asked` (what they asked for, open or lately closed). Audited, naming the patients linked.
#[server(endpoint = "tasks/list", input = Json, output = crate::wire::Bin)]
pub async fn list_tasks(which: String) -> Result<Vec<TaskRow>, AppError> {
    let actor = session::actor()?;
    let which = match which.as_str() {
        "open" => db::Which::Open,
        "asked" => db::Which::Asked(actor.user()),
        _ => {
            return Err(AppError::invalid(
                "A list is of open tasks or of those you asked for.",
            ))
        }
    };
    let practices: Vec<PracticeId> = actor.me.practices.iter().map(|p| p.id).collect();
    let state = app_state()?;
    let mut tx = begin(
        &state.pool,
        &Scope::person(actor.user(), practices.iter().copied()),
    )
    .await?;
    let rows = db::list(&mut tx, &practices, which).await?;
    let ids: Vec<TaskId> = rows.iter().map(|r| r.id).collect();
    let linked = db::patients_of(&mut tx, &ids).await?;
    for p in &practices {
        let patients: Vec<_> = linked.iter().filter(|(q, _)| q == p).map(|(_, pa)| *pa).collect();
        let shown = rows.iter().filter(|r| r.practice == *p).count();
        if shown == 0 {
            continue;
        }
        audit::record(
            &mut tx,
            Event {
                patients,
                detail: serde_json::json!({ "tasks": shown }),
                ..Event::of(&actor, *p, Action::TaskList)
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(rows)
}

/// One task with its checklist and history. Audited, naming its patient.
#[server(endpoint = "tasks/task", input = Json, output = crate::wire::Bin)]
pub async fn read_task(practice: PracticeId, task: TaskId) -> Result<TaskDetail, AppError> {
    let (actor, _, mut tx) = open(practice, &Role::ALL).await?;
    let detail = db::detail(&mut tx, practice, task)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        Event {
            subject_type: Some("task"),
            subject_id: Some(task.to_string()),
            patient: detail.patient.as_ref().map(|(p, _)| p.0),
            ..Event::of(&actor, practice, Action::TaskView)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(detail)
}

/// "Take": the task becomes the caller's, unless someone was quicker (then their name).
#[server(endpoint = "tasks/take", input = Json, output = crate::wire::Bin)]
pub async fn take_task(practice: PracticeId, task: TaskId) -> Result<Taken, AppError> {
    let (actor, _, mut tx) = open(practice, &DESK).await?;
    let Some(version) = db::take(&mut tx, practice, task, actor.user()).await? else {
        let (name, status) = db::holder(&mut tx, practice, task)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Taken::Theirs(name.filter(|_| status.is_open())));
    };
    db::event(
        &mut tx,
        practice,
        task,
        actor.user(),
        "taken",
        serde_json::json!({}),
        None,
    )
    .await?;
    changed(tx, &actor, practice, task, serde_json::json!({ "act": "take" })).await?;
    Ok(Taken::Yours { version })
}

/// "Take next": the most urgent task nobody has yet, of the practices chosen (the caller
/// works the queues of each). None when every queue is clear.
#[server(endpoint = "tasks/next", input = Json, output = crate::wire::Bin)]
pub async fn take_next(practices: Vec<PracticeId>) -> Result<Option<(PracticeId, TaskId)>, AppError> {
    let actor = session::actor()?;
    if practices.is_empty() {
        return Err(AppError::invalid("Choose at least one practice."));
    }
    for p in &practices {
        actor.require(*p, &DESK)?;
    }
    let state = app_state()?;
    let mut tx = begin(
        &state.pool,
        &Scope::person(actor.user(), practices.iter().copied()),
    )
    .await?;
    let taken = db::take_next(&mut tx, &practices, actor.user()).await?;
    if let Some((p, task)) = taken {
        db::event(
            &mut tx,
            p,
            task,
            actor.user(),
            "taken",
            serde_json::json!({}),
            None,
        )
        .await?;
        changed(tx, &actor, p, task, serde_json::json!({ "act": "take_next" })).await?;
    } else {
        tx.commit().await?;
    }
    Ok(taken)
}

/// Locks the task for a change by the caller: it must be the version they saw, and a
/// clinician changes only what they asked for or what is theirs.
#[cfg(feature = "ssr")]
async fn lock_for(
    tx: &mut Tx,
    actor: &Actor,
    role: Role,
    practice: PracticeId,
    task: TaskId,
    version: Option<i32>,
) -> Result<db::Current, AppError> {
    let current = db::lock(tx, practice, task).await?.ok_or(AppError::NotFound)?;
    if role == Role::Clinician && current.creator != actor.user() && current.assignee != Some(actor.user()) {
        return Err(AppError::Forbidden);
    }
    if version.is_some_and(|v| v != current.version) {
        return Err(AppError::invalid(
            "Someone changed this task meanwhile: look at it again.",
        ));
    }
    Ok(current)
}

/// Moves a task on (waiting, done, cancelled, reopened, given back); answers its new version.
#[server(endpoint = "tasks/act", input = Json, output = crate::wire::Bin)]
pub async fn act_on_task(
    practice: PracticeId,
    task: TaskId,
    version: i32,
    act: Act,
) -> Result<i32, AppError> {
    let (actor, role, mut tx) = open(practice, &Role::ALL).await?;
    let current = lock_for(&mut tx, &actor, role, practice, task, Some(version)).await?;
    let status = rules::next_status(current.status, &act).map_err(AppError::invalid)?;
    let me = Some(actor.user());
    let reason: String;
    let mut change = db::Change {
        status,
        waiting_on: None,
        follow_up_at: None,
        cancel_reason: None,
        assignee: current.assignee,
    };
    let mut detail = serde_json::json!({ "act": rules::act_key(&act) });
    match &act {
        Act::Wait { on, follow_up } => {
            change.waiting_on = Some(*on);
            detail["on"] = serde_json::json!(on.key());
            if let Some(local) = follow_up {
                let (_, zone, _) = db::clock(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
                let tz = crate::calendar::book::parse_zone(&zone)?;
                let at = crate::calendar::rules::local_to_utc(&tz, *local);
                if at < chrono::Utc::now() {
                    return Err(AppError::invalid(
                        "The follow-up time has passed: give a later one.",
                    ));
                }
                change.follow_up_at = Some(at);
            }
        }
        Act::Cancel { reason: r } => {
            reason = r.trim().to_string();
            if reason.is_empty() || reason.chars().count() > 500 {
                return Err(AppError::invalid(
                    "Say why the task is cancelled (at most 500 characters).",
                ));
            }
            change.cancel_reason = Some(&reason);
        }
        Act::Resume | Act::Reopen => change.assignee = current.assignee.or(me),
        Act::Release => change.assignee = None,
        Act::Done => {}
    }
    let version = db::set_status(&mut tx, practice, task, &change).await?;
    db::event(
        &mut tx,
        practice,
        task,
        actor.user(),
        "status",
        detail.clone(),
        None,
    )
    .await?;
    if act == Act::Done && current.creator != actor.user() {
        let text = format!("Task #{} is done", current.number);
        tell(&mut tx, practice, current.creator, Topic::TaskDone, task, &text).await?;
    }
    changed(tx, &actor, practice, task, detail).await?;
    Ok(version)
}

/// Adds a comment; everyone of the practice it mentions ("@Helen") is notified.
#[server(endpoint = "tasks/comment", input = Json, output = crate::wire::Bin)]
pub async fn comment_on_task(practice: PracticeId, task: TaskId, text: String) -> Result<(), AppError> {
    let (actor, role, mut tx) = open(practice, &Role::ALL).await?;
    let text = rules::check_comment(&text).map_err(AppError::invalid)?;
    let current = lock_for(&mut tx, &actor, role, practice, task, None).await?;
    let people = db::members(&mut tx, practice).await?;
    db::event(
        &mut tx,
        practice,
        task,
        actor.user(),
        "comment",
        serde_json::json!({}),
        Some(&text),
    )
    .await?;
    for who in rules::mentions(&text, &people)
        .into_iter()
        .filter(|w| *w != actor.user())
    {
        let note = format!(
            "{} mentioned you on task #{}",
            actor.me.display_name, current.number
        );
        tell(&mut tx, practice, who, Topic::TaskMention, task, &note).await?;
    }
    changed(
        tx,
        &actor,
        practice,
        task,
        serde_json::json!({ "act": "comment" }),
    )
    .await?;
    Ok(())
}

/// Hands a task to someone of the practice (None: back to the queue), with a note.
#[server(endpoint = "tasks/assign", input = Json, output = crate::wire::Bin)]
pub async fn assign_task(
    practice: PracticeId,
    task: TaskId,
    version: i32,
    to: Option<UserId>,
    note: String,
) -> Result<(), AppError> {
    let (actor, role, mut tx) = open(practice, &Role::ALL).await?;
    let current = lock_for(&mut tx, &actor, role, practice, task, Some(version)).await?;
    if !current.status.is_open() {
        return Err(AppError::invalid("This task is closed: reopen it first."));
    }
    let people = db::members(&mut tx, practice).await?;
    let name = match to {
        Some(to) => Some(
            people
                .iter()
                .find(|(id, _)| *id == to)
                .map(|(_, n)| n.clone())
                .ok_or_else(|| AppError::invalid("A task can be given only to someone of the practice."))?,
        ),
        None => None,
    };
    let note = note.trim();
    if note.chars().count() > 5000 {
        return Err(AppError::invalid("A note is at most 5000 characters."));
    }
    db::assign(&mut tx, practice, task, to).await?;
    let detail = serde_json::json!({ "to": name.clone().unwrap_or_default() });
    db::event(
        &mut tx,
        practice,
        task,
        actor.user(),
        "assigned",
        detail,
        (!note.is_empty()).then_some(note),
    )
    .await?;
    if let Some(to) = to.filter(|t| *t != actor.user()) {
        let text = format!("Task #{} was given to you", current.number);
        tell(&mut tx, practice, to, Topic::TaskAssigned, task, &text).await?;
    }
    changed(tx, &actor, practice, task, serde_json::json!({ "act": "assign" })).await?;
    Ok(())
}

/// Ticks (or unticks) one step of a task's checklist.
#[server(endpoint = "tasks/step", input = Json, output = crate::wire::Bin)]
pub async fn tick_step(practice: PracticeId, task: TaskId, index: u32, done: bool) -> Result<(), AppError> {
    let (actor, role, mut tx) = open(practice, &Role::ALL).await?;
    let current = lock_for(&mut tx, &actor, role, practice, task, None).await?;
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    if index >= current.checklist_len {
        return Err(AppError::invalid("The task's checklist has no such step."));
    }
    if !current.status.is_open() {
        return Err(AppError::invalid("This task is closed: reopen it first."));
    }
    let step = db::step(&mut tx, practice, task, index, done).await?;
    let detail = serde_json::json!({ "step": step, "done": done });
    db::event(&mut tx, practice, task, actor.user(), "step", detail, None).await?;
    changed(tx, &actor, practice, task, serde_json::json!({ "act": "step" })).await?;
    Ok(())
}
