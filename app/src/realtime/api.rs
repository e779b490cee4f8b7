//! Presence, and the page's requests over its socket: each answered under the session's
//! person with the same checks as the server function that does the same.

use crate::error::AppError;
use crate::model::PracticeId;
use crate::realtime::model::OnlinePerson;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::session::{self, Actor},
    db::begin,
    realtime::db,
    realtime::model::{Answer, Request},
    state::{app_state, AppState},
};

/// Who of the practice's people is online now.
#[server(endpoint = "realtime/online", output = crate::wire::Bin)]
pub async fn online_now(practice: PracticeId) -> Result<Vec<OnlinePerson>, AppError> {
    online(&app_state()?, &*session::actor()?, practice).await
}

#[cfg(feature = "ssr")]
async fn online(
    state: &AppState,
    actor: &Actor,
    practice: PracticeId,
) -> Result<Vec<OnlinePerson>, AppError> {
    if !actor.me.agency_admin {
        actor.require_member(practice)?;
    }
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let people = db::online(&mut tx, practice).await?;
    tx.commit().await?;
    Ok(people)
}

/// Answers a page's request over its socket (`socket`, the id the server gave it). `actor`
/// is the session's person read afresh for this request, as a server function reads it.
#[cfg(feature = "ssr")]
pub async fn answer(
    state: &AppState,
    actor: &Actor,
    socket: uuid::Uuid,
    request: Request,
) -> Result<Answer, AppError> {
    if actor.me.must_enrol_mfa() {
        return Err(AppError::MfaRequired);
    }
    match request {
        Request::OnlineNow(practice) => online(state, actor, practice).await.map(Answer::OnlineNow),
        Request::Idle(idle) => {
            crate::availability::api::page_idle(state, actor, socket, idle).await?;
            Ok(Answer::Done)
        }
    }
}
