//! Server functions of the access log.

use crate::error::AppError;
use crate::model::PracticeId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{audit::db, auth::session, db::begin, state::app_state};

/// One event as the audit viewer shows it (time already in the practice's zone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditRow {
    pub id: i64,
    pub at_local: String,
    pub actor: Option<String>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// The person an event is about, when it is about a person.
    pub subject_name: Option<String>,
    pub ip: Option<String>,
    /// Ids and field names only (never patient data); empty when there are none.
    pub detail: String,
}

/// At most this many events per query; narrow the filter to see older ones.
pub const AUDIT_PAGE: i64 = 500;

/// The practice's own events, newest first, optionally of one person and between two local
/// dates (inclusive). Practice admins of that practice and agency admins only; reading the
/// log is itself recorded.
#[server(endpoint = "audit/events", output = crate::wire::Bin)]
pub async fn practice_audit(
    practice: PracticeId,
    person: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Vec<AuditRow>, AppError> {
    let actor = session::actor()?;
    actor.require_practice_admin(practice)?;
    let person = match person.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Some(
            p.parse::<crate::model::UserId>()
                .map_err(|_| AppError::invalid("Choose a person from the list."))?,
        ),
        None => None,
    };
    let from = crate::audit::rules::parse_day(from.as_deref())?;
    let to = crate::audit::rules::parse_day(to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(AppError::invalid("The start date is after the end date."));
        }
    }
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let rows = db::list(&mut tx, practice, person, from, to, AUDIT_PAGE).await?;
    db::record(
        &mut tx,
        db::Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            action: "audit.read",
            ip: actor.ip,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}
