//! The outbox's shared types.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A message of the outbox as the "Sent mail" page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct KeptMail {
    pub id: Uuid,
    pub practice_id: Option<crate::model::PracticeId>,
    pub practice: Option<String>,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// "2026-11-29 14:05 UTC": formatted on the server, so the browser needs no date code.
    pub created_at: String,
    pub sent_at: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
}
