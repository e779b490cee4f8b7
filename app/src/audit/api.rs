//! Server functions of the access log.

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::audit::model::AuditPage;
use crate::error::AppError;
use crate::model::PracticeId;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{audit::db, auth::session, db::begin, state::app_state};

/// A page of the practice's own events, newest first, optionally of one person, one
/// patient ("who saw this patient?"), one action and between two local dates (inclusive);
/// `before` (an event id) pages back. Practice admins of that practice and agency admins
/// only; reading the log is itself recorded, naming the patients the page shows.
#[server(endpoint = "audit/events", output = crate::wire::Bin)]
pub async fn practice_audit(
    practice: PracticeId,
    person: Option<String>,
    patient: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    use crate::audit::rules;
    let actor = session::actor()?;
    actor.require_practice_admin(practice)?;
    let query = crate::audit::model::AuditQuery {
        person: rules::parse_id(person.as_deref(), "Choose a person from the list.")?,
        patient: rules::parse_id(patient.as_deref(), "Choose a patient from the list.")?,
        action: rules::known_action(action.as_deref())?,
        from: rules::parse_day(from.as_deref())?,
        to: rules::parse_day(to.as_deref())?,
        before,
    };
    if let (Some(f), Some(t)) = (query.from, query.to) {
        if f > t {
            return Err(AppError::invalid("The start date is after the end date."));
        }
    }
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let page = db::page(&mut tx, practice, &query, crate::audit::model::AUDIT_PAGE).await?;
    let shown = page.rows.iter().flat_map(|r| r.patients.iter().map(|p| p.0));
    db::record(
        &mut tx,
        db::Event {
            patients: shown.chain(query.patient).collect(),
            ..db::Event::of(&actor, practice, Action::AuditRead)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(page)
}
