//! Server functions of the agency page.

use crate::agency::model::AgencyPractice;
#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::error::AppError;
use crate::model::{PracticeId, Role};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{agency::db, auth::session, db::begin, state::app_state};

/// Every practice of the agency with its people counted and its assistants named.
#[server(endpoint = "agency/practices", output = crate::wire::Bin)]
pub async fn agency_practices() -> Result<Vec<AgencyPractice>, AppError> {
    let actor = session::actor()?;
    actor.require_agency_admin()?;
    let state = app_state()?;
    let mut tx = begin(
        &state.pool,
        &crate::db::Scope::All {
            user: Some(actor.user()),
        },
    )
    .await?;
    let list = db::practices(&mut tx).await?;
    tx.commit().await?;
    Ok(list)
}

/// Creates a practice (name and time zone; the rest is edited in its Admin section, where
/// the browser is sent next).
#[server(endpoint = "agency/create_practice", output = crate::wire::Bin)]
pub async fn create_practice(name: String, time_zone: String) -> Result<(), AppError> {
    let actor = session::actor()?;
    actor.require_agency_admin()?;
    let name = crate::practices::rules::check_name(&name)?;
    let state = app_state()?;
    let mut tx = begin(
        &state.pool,
        &crate::db::Scope::All {
            user: Some(actor.user()),
        },
    )
    .await?;
    crate::practices::db::require_time_zone(&mut tx, time_zone.trim()).await?;
    let id = db::create_practice(&mut tx, &name, time_zone.trim()).await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(id),
            actor: Some(actor.user()),
            subject_type: Some("practice"),
            subject_id: Some(id.to_string()),
            ip: actor.ip,
            ..crate::audit::db::Event::new(Action::PracticeCreate)
        },
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/p/{id}/admin"));
    Ok(())
}

/// Puts a person who already has an account into a practice with a role (or changes their
/// role there). People without an account are invited from the practice's Admin section.
#[server(endpoint = "agency/assign", output = crate::wire::Bin)]
pub async fn assign_person(practice: PracticeId, email: String, role: Role) -> Result<(), AppError> {
    let actor = session::actor()?;
    actor.require_agency_admin()?;
    let Some(email) = crate::auth::rules::normalize_email(&email) else {
        return Err(AppError::invalid("Enter a valid e-mail address."));
    };
    let state = app_state()?;
    let mut tx = begin(
        &state.pool,
        &crate::db::Scope::All {
            user: Some(actor.user()),
        },
    )
    .await?;
    if crate::practices::db::practice_name(&mut tx, practice)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let account = crate::auth::db::find_login(&mut tx, &email).await?;
    let Some(person) = account.filter(|a| !a.disabled && a.has_password).map(|a| a.id) else {
        return Err(AppError::invalid(
            "No account has that e-mail yet: invite the person from the practice's Admin section.",
        ));
    };
    let admins = crate::practices::db::lock_admins(&mut tx, practice).await?;
    let before = crate::practices::db::member_role(&mut tx, practice, person).await?;
    crate::practices::rules::keeps_an_admin(&admins, person, before, Some(role))?;
    crate::practices::db::set_role(&mut tx, practice, person, role).await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            subject_type: Some("user"),
            subject_id: Some(person.to_string()),
            ip: actor.ip,
            detail: serde_json::json!({ "from": before.map(Role::as_str), "to": role.as_str() }),
            ..crate::audit::db::Event::new(Action::MemberAssign)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
