//! Server functions of presence.

use crate::error::AppError;
use crate::model::{PracticeId, Role, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{auth::session, db::begin, realtime::db, state::app_state};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnlinePerson {
    pub id: UserId,
    pub display_name: String,
    pub role: Role,
}

/// Who of the practice's people is online now.
#[server(endpoint = "realtime/online", output = crate::wire::Bin)]
pub async fn online_now(practice: PracticeId) -> Result<Vec<OnlinePerson>, AppError> {
    let actor = session::actor()?;
    if !actor.me.agency_admin {
        actor.require_member(practice)?;
    }
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let people = db::online(&mut tx, practice).await?;
    tx.commit().await?;
    Ok(people)
}
