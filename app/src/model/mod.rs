//! Types shared by the browser and the server: ids, roles, the signed-in person (and how
//! they read times), and the years dates keep to.

pub mod dates;
mod ids;
mod roles;
mod time_style;

pub use ids::{
    EntryId, FeedId, PatientId, PracticeId, QueueId, RoomId, SeriesId, TaskId, TaskTypeId, TypeId, UndoId,
    UserId,
};
pub use roles::Role;
pub use time_style::TimeStyle;

use serde::{Deserialize, Serialize};

/// One practice the signed-in person belongs to, as the top bar shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PracticeSummary {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: String,
    pub role: Role,
}

/// The signed-in person as the UI needs it. Carries no secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub agency_admin: bool,
    pub practices: Vec<PracticeSummary>,
    /// Seconds of inactivity after which the server ends the session.
    pub idle_timeout_seconds: i32,
    /// The browser's own IANA zone is not known to the server; this is the zone the
    /// person chose (defaults to the first practice's).
    pub time_zone: String,
    /// How the person reads times and dates.
    pub time_style: TimeStyle,
    /// Two-factor sign-in is on for the account.
    pub mfa_enabled: bool,
    /// A practice the person administers (or the agency) requires two-factor sign-in.
    pub mfa_required: bool,
    /// For agency admins: the practices they are not a member of (they may open any). Filled
    /// by `who_am_i` only; empty in the per-request `Actor`.
    pub agency_practices: Vec<PracticeSummary>,
}

impl Me {
    /// Signed in, but must enrol in two-factor sign-in before reaching anything else.
    pub fn must_enrol_mfa(&self) -> bool {
        self.mfa_required && !self.mfa_enabled
    }

    pub fn practice(&self, id: PracticeId) -> Option<&PracticeSummary> {
        self.practices.iter().find(|p| p.id == id)
    }
}
