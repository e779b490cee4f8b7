//! Server functions of availability: a person reads and sets their own.

use crate::availability::model::{Availability, InPractice};
use crate::error::AppError;
use crate::model::PracticeId;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::session::{self, Actor},
    availability::db,
    db::{begin, Scope},
    state::{app_state, AppState},
};

/// The signed-in person's availability in each of their practices.
#[server(endpoint = "availability/mine", output = crate::wire::Bin)]
pub async fn my_availability() -> Result<Vec<InPractice>, AppError> {
    let actor = session::actor()?;
    let state = app_state()?;
    let scope = Scope::person(actor.user(), actor.me.practices.iter().map(|p| p.id));
    let mut tx = begin(&state.pool, &scope).await?;
    let mine = db::mine(&mut tx, actor.user()).await?;
    tx.commit().await?;
    Ok(mine)
}

/// Sets the signed-in person's availability in `practice`, or in all their practices.
/// Answers their availability everywhere, as it is now.
#[server(endpoint = "availability/set", output = crate::wire::Bin)]
pub async fn set_availability(
    availability: Availability,
    practice: Option<PracticeId>,
) -> Result<Vec<InPractice>, AppError> {
    let actor = session::actor()?;
    let practices: Vec<PracticeId> = match practice {
        Some(p) => {
            actor.require_member(p)?;
            vec![p]
        }
        None => actor.me.practices.iter().map(|p| p.id).collect(),
    };
    let state = app_state()?;
    let scope = Scope::person(actor.user(), actor.me.practices.iter().map(|p| p.id));
    let mut tx = begin(&state.pool, &scope).await?;
    db::choose(&mut tx, actor.user(), &practices, availability).await?;
    db::announce(&mut tx, actor.user(), &practices).await?;
    let mine = db::mine(&mut tx, actor.user()).await?;
    tx.commit().await?;
    Ok(mine)
}

/// The person's page `socket` went idle, or is in use again (a request over that socket):
/// away once every page of theirs is idle, back to their choice when one is in use.
#[cfg(feature = "ssr")]
pub async fn page_idle(
    state: &AppState,
    actor: &Actor,
    socket: uuid::Uuid,
    idle: bool,
) -> Result<(), AppError> {
    let scope = Scope::person(actor.user(), actor.me.practices.iter().map(|p| p.id));
    let mut tx = begin(&state.pool, &scope).await?;
    crate::realtime::db::set_idle(&mut tx, socket, actor.user(), idle).await?;
    let what = if idle {
        db::Happened::Gone
    } else {
        db::Happened::Back
    };
    db::apply(&mut tx, actor.user(), what).await?;
    tx.commit().await?;
    Ok(())
}
