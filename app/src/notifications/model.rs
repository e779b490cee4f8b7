//! Notifications' shared types.

use crate::model::PracticeId;
use serde::{Deserialize, Serialize};

/// What a notification is about. Later capabilities add theirs (a task assigned, a
/// mention, a call handed over, a message taken, hours at 80%).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// The person's role in the practice changed.
    RoleChanged,
    /// Someone the person invited joined the practice.
    InvitationAccepted,
    /// A task was given to the person.
    TaskAssigned,
    /// A task the person asked for or watches is done.
    TaskDone,
    /// Someone mentioned the person in a task's comment.
    TaskMention,
    /// A task of the person's came back from waiting (its follow-up time came).
    TaskFollowUp,
    /// A task is past its due time (to whom the practice escalates).
    TaskLate,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::RoleChanged => "role_changed",
            Topic::InvitationAccepted => "invitation_accepted",
            Topic::TaskAssigned => "task_assigned",
            Topic::TaskDone => "task_done",
            Topic::TaskMention => "task_mention",
            Topic::TaskFollowUp => "task_follow_up",
            Topic::TaskLate => "task_late",
        }
    }
}

/// One notification as its person sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: uuid::Uuid,
    pub practice: PracticeId,
    pub practice_name: String,
    /// Short, and never patient data (it may show on a lock screen).
    pub text: String,
    /// Where it leads, inside the app (`/p/...`, ids only).
    pub link: String,
    /// When, as Unix seconds (the browser then needs no date code).
    pub at: i64,
    pub read: bool,
}

/// The bell's contents: the unread count and the latest notifications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bell {
    pub unread: i64,
    pub latest: Vec<Notification>,
}

/// How many notifications the bell lists.
pub const BELL_SIZE: i64 = 20;
