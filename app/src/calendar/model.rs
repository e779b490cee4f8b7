//! Calendar types both sides share: what the views show and what forms send.

use crate::model::{EntryId, PatientId, RoomId, SeriesId, TypeId, UndoId, UserId};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person as calendars name them (a provider, an attendee).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApptType {
    pub id: TypeId,
    pub name: String,
    pub minutes: i32,
    pub buffer_before: i32,
    pub buffer_after: i32,
    pub color: String,
    pub needs_room: bool,
    /// Who may be booked for it; empty: every provider.
    pub provider_ids: Vec<UserId>,
}

impl ApptType {
    pub fn allows(&self, provider: UserId) -> bool {
        self.provider_ids.is_empty() || self.provider_ids.contains(&provider)
    }
}

/// What every calendar page needs about its practice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setup {
    pub practice_name: String,
    pub time_zone: String,
    pub slot_minutes: i32,
    pub providers: Vec<Person>,
    /// Every member, for meeting attendees.
    pub staff: Vec<Person>,
    pub rooms: Vec<Room>,
    pub types: Vec<ApptType>,
    /// The practice's local time now (to mark today and the current time).
    pub now_local: NaiveDateTime,
    /// The practice's offset from UTC now, in minutes (the browser compares its own).
    pub utc_offset_minutes: i32,
    /// The weekdays (Monday 0) on which some clinician has weekly hours from today on; the
    /// 3-day view steps over the others. Empty when nobody has hours yet.
    pub open_weekdays: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "entry_kind", rename_all = "snake_case"))]
pub enum EntryKind {
    Appointment,
    Meeting,
    Block,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "entry_status", rename_all = "snake_case"))]
pub enum Status {
    Scheduled,
    Confirmed,
    Arrived,
    InRoom,
    Completed,
    NoShow,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Scheduled,
        Status::Confirmed,
        Status::Arrived,
        Status::InRoom,
        Status::Completed,
        Status::NoShow,
        Status::Cancelled,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Scheduled => "Scheduled",
            Status::Confirmed => "Confirmed",
            Status::Arrived => "Arrived",
            Status::InRoom => "In room",
            Status::Completed => "Completed",
            Status::NoShow => "No-show",
            Status::Cancelled => "Cancelled",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Confirmed => "confirmed",
            Status::Arrived => "arrived",
            Status::InRoom => "in_room",
            Status::Completed => "completed",
            Status::NoShow => "no_show",
            Status::Cancelled => "cancelled",
        }
    }

    /// The statuses an entry in this one may move to (front-desk order; cancelled and
    /// completed are final, a no-show may still arrive late).
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Scheduled => &[Confirmed, Arrived, NoShow, Cancelled],
            Confirmed => &[Arrived, NoShow, Cancelled],
            Arrived => &[InRoom, Completed, Cancelled],
            InRoom => &[Completed],
            NoShow => &[Arrived],
            Completed | Cancelled => &[],
        }
    }

    /// Whether an entry on `day` may take this status on `today` (both the practice's own
    /// dates): arrival and the room only on the day itself, completed or no-show on the day
    /// or after; the rest on any day.
    pub fn fits_day(self, day: NaiveDate, today: NaiveDate) -> bool {
        match self {
            Status::Arrived | Status::InRoom => day == today,
            Status::Completed | Status::NoShow => day <= today,
            _ => true,
        }
    }

    /// Still holds its provider's and room's time.
    pub fn holds_time(self) -> bool {
        self != Status::Cancelled
    }
}

/// One entry as a calendar view shows it. `title` is the patient's name for appointments
/// (the person at the screen is a member of the practice; the view is audited).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    pub kind: EntryKind,
    pub title: String,
    pub patient_id: Option<PatientId>,
    pub type_id: Option<TypeId>,
    pub provider_id: Option<UserId>,
    pub room_id: Option<RoomId>,
    pub attendees: Vec<UserId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The same instants in the practice's local time.
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
    pub status: Status,
    pub series_id: Option<SeriesId>,
    /// For an occurrence of a series, its rule in words ("Every week, 10 times").
    pub repeats: Option<String>,
    pub outside_availability: bool,
    pub version: i32,
}

/// Which calendar a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lens {
    /// Every provider of the practice (and every room, meeting and block).
    Practice,
    Provider(UserId),
    Room(RoomId),
}

/// A span of the calendar: entries that overlap it and when each provider is open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub first_day: NaiveDate,
    pub days: u32,
    pub entries: Vec<Entry>,
    /// Per provider, the open spans in local time.
    pub open: Vec<(UserId, Vec<(NaiveDateTime, NaiveDateTime)>)>,
}

/// A new appointment, meeting or block as the booking form sends it. Times are the
/// practice's local wall-clock time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEntry {
    pub kind: EntryKind,
    pub patient: Option<PatientId>,
    pub type_id: Option<TypeId>,
    pub provider: Option<UserId>,
    pub room: Option<RoomId>,
    pub attendees: Vec<UserId>,
    pub title: String,
    pub start: NaiveDateTime,
    /// The instant of the offer picked, which tells the two 01:30s of the autumn night
    /// apart; ignored unless it reads as `start` (see `rules::instant_of`).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// Meetings and blocks give their length; appointments take their type's.
    pub minutes: Option<i32>,
    pub notes: String,
    /// RFC 5545 rule for a repeating entry.
    pub rrule: Option<String>,
    /// Book although the provider is not available then (recorded).
    pub override_availability: bool,
    /// For a series: book the occurrences that fit and report the others.
    pub skip_conflicts: bool,
}

/// Which occurrences of a series a move or a cancellation reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// This occurrence alone (it then keeps its own time when the series is edited).
    This,
    /// This one and every later one.
    Following,
    /// Every occurrence still to come.
    All,
}

/// A free slot offered to the person booking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub provider: UserId,
    pub provider_name: String,
    pub room: Option<RoomId>,
    /// The instant: in the hour clocks go back, two offers share a local time.
    pub starts_at: DateTime<Utc>,
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
    /// This is the second time `start_local` happens that night (clocks went back).
    pub second_pass: bool,
}

/// How long the person who changed one entry may undo it; the patient's notice of the
/// change waits in the outbox that long.
pub const UNDO_SECONDS: i64 = 30;

/// What booking or moving did. A conflict changes nothing: it names what is in the way
/// and offers the next free slots.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// Done: the entries made (or moved) and, for a series, the occurrences left out;
    /// `undo` takes back a change of one entry, for [`UNDO_SECONDS`].
    Done {
        ids: Vec<EntryId>,
        skipped: Vec<NaiveDateTime>,
        undo: Option<UndoId>,
    },
    /// Nothing changed.
    Conflict {
        /// For a series: the occurrences that cannot be booked (each with what is in the way).
        clashes: Vec<(NaiveDateTime, Clash)>,
        offers: Vec<Offer>,
    },
    /// Outside the provider's availability: nothing changed; repeat with the override.
    Unavailable { offers: Vec<Offer> },
}

/// One conflicting claim, as a message can name it (no patient data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clash {
    pub resource: String,
    pub what: String,
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
}

/// A calendar subscription feed as its list shows it (the secret is shown once, at creation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    pub id: crate::model::FeedId,
    /// Whose entries; None: the whole practice.
    pub provider: Option<Person>,
    pub label: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_read_at: Option<DateTime<Utc>>,
    /// After this the address stops working by itself; None: until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The feeds a person may see, and the practice's choice about patient names in feeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feeds {
    pub feeds: Vec<Feed>,
    pub patient_names: bool,
    /// Practice admins choose whether feeds name patients.
    pub may_set_names: bool,
}

/// What a patient's e-mail link shows of the appointment (no patient data beyond the time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkView {
    pub practice: String,
    /// "Monday, 7 December 2026 at 10:00 (America/New_York)".
    pub when: String,
    pub provider: String,
    pub status: Status,
    /// Whether it can still be confirmed or cancelled here.
    pub open: bool,
}

/// An appointment a provider's absence touches, with the free slots proposed for it (the
/// first is the suggestion; proposals of the rows above are taken into account).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutRow {
    pub id: EntryId,
    pub version: i32,
    pub patient: String,
    pub patient_id: PatientId,
    pub type_name: String,
    pub start_local: NaiveDateTime,
    pub has_email: bool,
    pub offers: Vec<Offer>,
}

/// What to do with one affected appointment: move it (`to`), or leave it where it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutChoice {
    pub id: EntryId,
    pub version: i32,
    pub to: Option<Offer>,
}

/// A patient to phone about a change (no e-mail address on file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallBack {
    /// The call-back's task.
    pub id: crate::model::TaskId,
    pub number: i64,
    pub patient: String,
    pub patient_id: PatientId,
    pub phone: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// What marking a provider out did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutDone {
    pub moved: usize,
    pub emailed: usize,
    pub call_backs: usize,
}

/// A patient waiting for an earlier slot, with the earliest free one found for them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    pub id: uuid::Uuid,
    pub entry_id: EntryId,
    pub patient: String,
    pub patient_id: PatientId,
    pub has_email: bool,
    pub type_name: String,
    /// The appointment they have now.
    pub booked_local: NaiveDateTime,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    /// The earliest free slot inside their window and before their appointment.
    pub slot: Option<Offer>,
    /// A slot offered to them is still open.
    pub offered: bool,
}

/// A waitlist offer as its link shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimView {
    pub practice: String,
    /// The offered time ("Monday, 7 December 2026 at 10:00 (America/New_York)").
    pub when: String,
    pub provider: String,
    /// Claimed by this patient; `gone`: someone else was first, or it was withdrawn.
    pub claimed: bool,
    pub gone: bool,
}

/// One practice's day in the assistant's overlay of today.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayOf {
    pub practice: crate::model::PracticeId,
    pub name: String,
    pub time_zone: String,
    pub entries: Vec<DayEntry>,
}

/// An entry of the overlay, named as the calendar names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayEntry {
    pub id: EntryId,
    pub starts_at: DateTime<Utc>,
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
    /// The patient for appointments, the title otherwise.
    pub title: String,
    pub patient_id: Option<PatientId>,
    /// The type, "Meeting" or "Blocked".
    pub what: String,
    pub provider: String,
    pub status: Status,
    /// The person looking is its provider or one of its attendees.
    pub mine: bool,
}

/// A provider's time off or extra hours, as the setup panel lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    pub id: uuid::Uuid,
    pub kind: crate::calendar::rules::ExceptionKind,
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
    pub note: String,
}
