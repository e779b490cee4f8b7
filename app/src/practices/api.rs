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

/// How long an invitation link works.
pub const INVITATION_DAYS: i32 = 7;

/// Invites a person by e-mail to the practice with a role. Practice admins of that practice
/// and agency admins only. The e-mail (sent through the outbox, in this transaction) carries
/// a single-use link that expires in a week; a new invitation replaces a pending one.
#[server(endpoint = "practices/invite")]
pub async fn invite_person(
    practice: PracticeId,
    email: String,
    display_name: String,
    role: Role,
) -> Result<(), AppError> {
    let actor = session::actor()?;
    actor.require_practice_admin(practice)?;
    let Some(email) = crate::auth::rules::normalize_email(&email) else {
        return Err(AppError::invalid("Enter a valid e-mail address."));
    };
    let display_name = display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 120 {
        return Err(AppError::invalid(
            "Enter the person's name (at most 120 characters).",
        ));
    }
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let practice_name = db::practice_name(&mut tx, practice)
        .await?
        .ok_or(AppError::NotFound)?;
    if db::is_member_email(&mut tx, practice, &email).await? {
        return Err(AppError::invalid(
            "That person is already a member of this practice.",
        ));
    }
    let (token, token_hash) = session::new_token();
    let id = db::create_invitation(
        &mut tx,
        practice,
        &email,
        &display_name,
        role,
        &token_hash,
        actor.user(),
        INVITATION_DAYS,
    )
    .await?;
    let body = format!(
        "Hello {display_name},\n\n{inviter} invited you to {practice_name} on Switchboard as {role}.\n\n\
         Set your password and sign in here (the link works once and expires in {INVITATION_DAYS} days):\n\
         {url}/invite/{token}\n\nIf you did not expect this, ignore this message.\n",
        inviter = actor.me.display_name,
        role = role.label().to_lowercase(),
        url = state.settings.public_url,
    );
    crate::mail::db::enqueue(
        &mut tx,
        crate::mail::db::Outgoing {
            practice: Some(practice),
            to: &email,
            subject: "You're invited to Switchboard",
            body: &body,
        },
    )
    .await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            action: "invitation.create",
            subject_type: Some("invitation"),
            subject_id: Some(id.to_string()),
            ip: actor.ip,
            detail: serde_json::json!({ "role": role.as_str() }),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an invitation link offers, shown before the person sets a password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub practice_name: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub has_account: bool,
}

pub const BAD_INVITATION: &str = "This invitation link is not valid any more. Ask for a new one.";

/// The invitation behind a link's token (no session needed: the token is the credential).
#[server(endpoint = "practices/invitation")]
pub async fn read_invitation(token: String) -> Result<InvitationInfo, AppError> {
    let state = app_state()?;
    let mut tx = begin(&state.pool, &crate::db::Scope::All { user: None }).await?;
    let inv = db::open_invitation(&mut tx, &session::hash_token(&token), false)
        .await?
        .ok_or_else(|| AppError::invalid(BAD_INVITATION))?;
    tx.commit().await?;
    Ok(InvitationInfo {
        practice_name: inv.practice_name,
        email: inv.email,
        display_name: inv.display_name,
        role: inv.role,
        has_account: inv.has_account,
    })
}

/// Accepts an invitation: sets the password of a new account (an existing account keeps
/// its password), adds the membership, signs the person in and sends them to the practice.
#[server(endpoint = "practices/accept_invitation")]
pub async fn accept_invitation(token: String, password: String, confirm: String) -> Result<(), AppError> {
    let state = app_state()?;
    let mut tx = begin(&state.pool, &crate::db::Scope::All { user: None }).await?;
    let inv = db::open_invitation(&mut tx, &session::hash_token(&token), true)
        .await?
        .ok_or_else(|| AppError::invalid(BAD_INVITATION))?;
    if !inv.has_account {
        if let Some(problem) = crate::auth::rules::password_problem(&password) {
            return Err(AppError::Invalid(problem));
        }
        if password != confirm {
            return Err(AppError::invalid("The two passwords differ."));
        }
    }
    // An existing account keeps its password: nothing to hash.
    let hash = if inv.has_account {
        String::new()
    } else {
        crate::auth::password::hash(password).await?
    };
    let (user, _) = db::accept_invitation(&mut tx, &inv, &hash).await?;
    let ip = session::client_addr();
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(inv.practice),
            actor: Some(user),
            action: "invitation.accept",
            subject_type: Some("invitation"),
            subject_id: Some(inv.id.to_string()),
            ip,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    if inv.has_account {
        // An existing account signs in with its own password.
        leptos_axum::redirect(&format!("/login?next=/p/{}/inbox", inv.practice));
        return Ok(());
    }
    crate::auth::api::start_session(&state, user, ip).await?;
    leptos_axum::redirect(&format!("/p/{}/inbox", inv.practice));
    Ok(())
}
