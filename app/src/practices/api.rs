//! Server functions of practice workspaces.

use crate::error::AppError;
use crate::model::{PracticeId, Role, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{auth::session, db::begin, practices::db, state::app_state};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

/// What the practice's front page shows an assistant: its script, its rules, its people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PracticeInfo {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: String,
    pub phone_script: String,
    pub emergency_rules: String,
    pub idle_logout_minutes: i32,
    pub staff: Vec<StaffMember>,
}

/// The practice's overview, for its members (and agency admins).
#[server(endpoint = "practices/overview")]
pub async fn practice_overview(practice: PracticeId) -> Result<PracticeInfo, AppError> {
    let actor = session::actor()?;
    if !actor.me.agency_admin {
        actor.require_member(practice)?;
    }
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let overview = db::overview(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(overview)
}
