//! The types the inbox shares between the server and the browser.

use crate::model::{EntryId, PracticeId};
use crate::tasks::model::{Priority, TaskRow};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// What an appointment in the inbox needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Need {
    /// Booked for the practice's next open day and not confirmed yet: call or write.
    Confirm,
    /// The patient arrived and waits to be seen.
    Waiting,
}

/// An appointment that needs someone (its patient's name is shown: reading it is audited).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub practice: PracticeId,
    pub practice_name: String,
    pub entry: EntryId,
    pub version: i32,
    pub patient: String,
    pub provider: String,
    /// The appointment's start, in its practice's local time.
    pub start_local: NaiveDateTime,
    pub need: Need,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Item {
    Task(TaskRow),
    Visit(Visit),
}

impl Item {
    pub fn practice(&self) -> PracticeId {
        match self {
            Item::Task(t) => t.practice,
            Item::Visit(v) => v.practice,
        }
    }
}

/// One row of the inbox with what ranked it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub item: Item,
    pub priority: Priority,
    /// Minutes of its practice's opening hours until it is due; negative once late.
    pub minutes_left: i64,
    /// Its practice is open now (its clock runs).
    pub open_now: bool,
}

/// A practice of the person's, as the inbox heads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PracticeNow {
    pub id: PracticeId,
    pub name: String,
    pub local_now: NaiveDateTime,
    pub open_now: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub practices: Vec<PracticeNow>,
    /// Most urgent first.
    pub items: Vec<Ranked>,
}
