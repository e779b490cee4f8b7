//! What travels on the live channel, shared by the server and the browser: events down,
//! requests up and their replies down. Postcard in binary frames both ways.

use crate::availability::model::Availability;
use crate::error::AppError;
use crate::model::{PracticeId, Role, UserId};
use serde::{Deserialize, Serialize};

/// What changed. Each kind names what `subject` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Someone's open pages came or went; `subject` is the person.
    Presence,
    /// Someone's membership of the practice changed (role, or removal); `subject` is the
    /// person. Their open sockets re-read their practices.
    Membership,
    /// A calendar entry changed; `subject` is the entry, if one.
    Calendar,
    /// Someone's availability in the practice changed; `subject` is the person.
    Availability,
    /// A notification for the person (addressed to them); `subject` is the notification.
    Notification,
    /// A task was made or changed; `subject` is the task.
    Task,
    /// Never sent: a page gives it to itself when its socket opens again after a gap.
    /// Whatever it shows may have changed meanwhile.
    Resync,
}

/// Who of the practice receives an event. Whoever it names must be a member of the event's
/// practice at the time it is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Every open socket of the practice's members.
    Practice,
    /// Every open socket of one person.
    Person(UserId),
    /// One socket (see [`Down::Hello`]).
    Socket(uuid::Uuid),
}

impl Audience {
    /// Whether a socket (its id, its person's) is among those addressed, once its person is
    /// known to be a member of the event's practice.
    pub fn includes(self, person: UserId, socket: uuid::Uuid) -> bool {
        match self {
            Audience::Practice => true,
            Audience::Person(p) => p == person,
            Audience::Socket(s) => s == socket,
        }
    }
}

/// One live event. Events carry ids only, never patient data: browsers re-read through
/// server functions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub practice: PracticeId,
    pub to: Audience,
    pub kind: Kind,
    pub subject: Option<uuid::Uuid>,
}

impl LiveEvent {
    /// An event for everyone of `practice`.
    pub fn practice(practice: PracticeId, kind: Kind, subject: Option<uuid::Uuid>) -> LiveEvent {
        LiveEvent {
            practice,
            to: Audience::Practice,
            kind,
            subject,
        }
    }
}

/// A message from the browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Up {
    /// Asks for something; the reply carries the same `id`.
    Request { id: u32, request: Request },
}

/// What a page may ask over its socket. Each is answered under the session's person, with
/// the same checks as the server function that does the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Who of the practice is online now (`realtime/online`).
    OnlineNow(PracticeId),
    /// This page has had no keys or pointer for a while (`true`), or is in use again: a
    /// person whose every page is idle is away until they are back.
    Idle(bool),
}

/// The answer to a [`Request`], of the request's own kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    OnlineNow(Vec<OnlinePerson>),
    /// The request was carried out; there is nothing to tell.
    Done,
}

/// A message from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Down {
    /// The first message on a socket: its own id, for messages addressed to it.
    Hello {
        socket: uuid::Uuid,
    },
    Event(LiveEvent),
    Reply {
        id: u32,
        answer: Result<Answer, AppError>,
    },
    /// The last message before the server closes the socket: the page must leave the
    /// workspace.
    Leave(Leave),
}

/// Why the page must leave the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Leave {
    /// The session ended: signed out elsewhere, idle, or too old.
    SignedOut,
    /// The person must set up two-factor sign-in first.
    EnrolFirst,
}

/// Someone with the app open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnlinePerson {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
    pub availability: Availability,
}
