//! Availability's shared types.

use crate::model::PracticeId;
use serde::{Deserialize, Serialize};

/// Whether a person takes work from a practice now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(
    feature = "ssr",
    sqlx(type_name = "availability_state", rename_all = "snake_case")
)]
pub enum Availability {
    /// Takes calls and tasks.
    Available,
    /// Working, but not to be handed new work.
    Busy,
    /// Not at the desk (also while none of their pages is open).
    Away,
    /// Not working for the practice (also once signed out).
    Off,
}

impl Availability {
    pub const ALL: [Availability; 4] = [
        Availability::Available,
        Availability::Busy,
        Availability::Away,
        Availability::Off,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Availability::Available => "Available",
            Availability::Busy => "Busy",
            Availability::Away => "Away",
            Availability::Off => "Off",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::Busy => "busy",
            Availability::Away => "away",
            Availability::Off => "off",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        Availability::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// A person's availability in one practice: what they chose, and what holds now (the
/// choice, or away or off set automatically).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InPractice {
    pub practice: PracticeId,
    pub chosen: Availability,
    pub now: Availability,
}
