//! The types tasks share between the server and the browser.

use crate::calendar::model::Person;
use crate::model::{EntryId, PatientId, PracticeId, QueueId, TaskId, TaskTypeId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// How soon a task must be done; the inbox ranks by it first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "task_priority", rename_all = "snake_case"))]
pub enum Priority {
    Routine,
    Soon,
    Urgent,
    Emergency,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Routine,
        Priority::Soon,
        Priority::Urgent,
        Priority::Emergency,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Priority::Routine => "Routine",
            Priority::Soon => "Soon",
            Priority::Urgent => "Urgent",
            Priority::Emergency => "Emergency",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Priority::Routine => "routine",
            Priority::Soon => "soon",
            Priority::Urgent => "urgent",
            Priority::Emergency => "emergency",
        }
    }

    pub fn from_key(key: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.key() == key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "task_status", rename_all = "snake_case"))]
pub enum Status {
    New,
    InProgress,
    Waiting,
    Done,
    Cancelled,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::InProgress => "In progress",
            Status::Waiting => "Waiting",
            Status::Done => "Done",
            Status::Cancelled => "Cancelled",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, Status::New | Status::InProgress | Status::Waiting)
    }
}

/// Whom a waiting task waits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "task_waiting_on", rename_all = "snake_case")
)]
pub enum WaitingOn {
    Patient,
    Insurer,
    Clinician,
    Lab,
}

impl WaitingOn {
    pub const ALL: [WaitingOn; 4] = [
        WaitingOn::Patient,
        WaitingOn::Insurer,
        WaitingOn::Clinician,
        WaitingOn::Lab,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WaitingOn::Patient => "the patient",
            WaitingOn::Insurer => "the insurer",
            WaitingOn::Clinician => "the clinician",
            WaitingOn::Lab => "the lab",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            WaitingOn::Patient => "patient",
            WaitingOn::Insurer => "insurer",
            WaitingOn::Clinician => "clinician",
            WaitingOn::Lab => "lab",
        }
    }

    pub fn from_key(key: &str) -> Option<WaitingOn> {
        WaitingOn::ALL.into_iter().find(|w| w.key() == key)
    }
}

/// What someone does to a task; `rules::next_status` says where each leads from where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// Wait on someone, until `follow_up` (practice local time) brings it back.
    Wait {
        on: WaitingOn,
        follow_up: Option<NaiveDateTime>,
    },
    /// Back to work after waiting.
    Resume,
    Done,
    Cancel {
        reason: String,
    },
    /// A done or cancelled task opened again: back to whoever had it, or the queue.
    Reopen,
    /// Given back to its queue by whoever had it.
    Release,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    pub id: QueueId,
    pub name: String,
    pub is_default: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskType {
    pub id: TaskTypeId,
    pub name: String,
    pub default_priority: Priority,
    pub sla_minutes: i32,
    pub checklist: Vec<String>,
    pub errand: bool,
}

/// What the new-task form offers in one practice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskSetup {
    pub practice: PracticeId,
    pub practice_name: String,
    pub queues: Vec<Queue>,
    pub types: Vec<TaskType>,
    /// Who a task can be given to: the practice's members.
    pub people: Vec<Person>,
}

/// A task asked for. Times are the practice's local time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    pub type_id: TaskTypeId,
    /// None: the practice's default queue.
    pub queue: Option<QueueId>,
    pub title: String,
    pub details: String,
    /// None: the type's default.
    pub priority: Option<Priority>,
    /// None: from the type's SLA in the practice's opening hours.
    pub due: Option<NaiveDateTime>,
    pub patient: Option<PatientId>,
    pub entry: Option<EntryId>,
    /// None: the queue's.
    pub assignee: Option<UserId>,
}

/// One task as a list shows it (no details, no patient name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub practice: PracticeId,
    pub practice_name: String,
    pub id: TaskId,
    pub number: i64,
    pub title: String,
    pub type_name: String,
    pub queue_name: String,
    pub priority: Priority,
    pub status: Status,
    pub waiting_on: Option<WaitingOn>,
    pub due_at: DateTime<Utc>,
    /// The due time in the task's practice's local time.
    pub due_local: NaiveDateTime,
    pub assignee: Option<Person>,
    pub creator: Person,
    pub errand: bool,
    pub version: i32,
}

/// One entry of a task's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskEvent {
    pub at_local: NaiveDateTime,
    pub actor: String,
    /// What happened, in words ("Took it", "Waiting on the insurer").
    pub what: String,
    pub comment: Option<String>,
}

/// A task opened: everything about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskDetail {
    pub row: TaskRow,
    pub details: String,
    pub checklist: Vec<Step>,
    /// The linked patient and their name (reading it is audited).
    pub patient: Option<(PatientId, String)>,
    pub entry: Option<EntryId>,
    pub cancel_reason: Option<String>,
    pub follow_up_local: Option<NaiveDateTime>,
    pub events: Vec<TaskEvent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub text: String,
    pub done: bool,
}

/// What a "Take" answered: taken by the caller, or already someone's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Taken {
    Yours {
        version: i32,
    },
    /// Someone else has it (their name), or it is closed (None).
    Theirs(Option<String>),
}
