//! Server functions of practice workspaces.

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::error::AppError;
use crate::model::{PracticeId, Role, UserId};
use crate::practices::model::{InvitationInfo, PracticeInfo, PracticeSettings};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::{links, session},
    db::begin,
    notifications::{db::Notice, model::Topic},
    practices::db,
    state::app_state,
};

/// The practice's overview, for its members (and agency admins).
#[server(endpoint = "practices/overview", output = crate::wire::Bin)]
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
#[server(endpoint = "practices/invite", output = crate::wire::Bin)]
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
    let display_name = crate::practices::rules::check_person_name(&display_name)?;
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
            subject_type: Some("invitation"),
            subject_id: Some(id.to_string()),
            ip: actor.ip,
            detail: serde_json::json!({ "role": role.as_str() }),
            ..crate::audit::db::Event::new(Action::InvitationCreate)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub const BAD_INVITATION: &str = "This invitation link is not valid any more. Ask for a new one.";

/// The invitation behind a link's token (no session needed: the token is the credential).
#[server(endpoint = "practices/invitation", output = crate::wire::Bin)]
pub async fn read_invitation(token: String) -> Result<InvitationInfo, AppError> {
    let state = app_state()?;
    let ip = session::client_network();
    let mut tx = begin(&state.pool, &crate::db::Scope::All { user: None }).await?;
    links::gate(&mut tx, ip).await?;
    let Some(inv) = db::open_invitation(&mut tx, &session::hash_token(&token), false).await? else {
        return Err(links::missed(tx, ip, AppError::invalid(BAD_INVITATION)).await);
    };
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
#[server(endpoint = "practices/accept_invitation", output = crate::wire::Bin)]
pub async fn accept_invitation(token: String, password: String, confirm: String) -> Result<(), AppError> {
    let state = app_state()?;
    let ipn = session::client_network();
    let mut tx = begin(&state.pool, &crate::db::Scope::All { user: None }).await?;
    links::gate(&mut tx, ipn).await?;
    let Some(inv) = db::open_invitation(&mut tx, &session::hash_token(&token), true).await? else {
        return Err(links::missed(tx, ipn, AppError::invalid(BAD_INVITATION)).await);
    };
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
    // Their inviter hears of it (staff names are not patient data).
    let text = format!(
        "{} joined as {}.",
        inv.display_name,
        inv.role.label().to_lowercase()
    );
    let link = format!("/p/{}/admin", inv.practice);
    let notice = Notice {
        practice: inv.practice,
        to: inv.invited_by,
        topic: Topic::InvitationAccepted,
        text: &text,
        link: &link,
    };
    crate::notifications::db::notify(&mut tx, notice).await?;
    let ip = session::client_addr();
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(inv.practice),
            actor: Some(user),
            subject_type: Some("invitation"),
            subject_id: Some(inv.id.to_string()),
            ip,
            ..crate::audit::db::Event::new(Action::InvitationAccept)
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

impl PracticeSettings {
    /// The weekday fields, Monday first (the order of [`crate::practices::rules::WEEKDAYS`]).
    pub fn days(&self) -> [&str; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    pub fn days_mut(&mut self) -> [&mut String; 7] {
        [
            &mut self.mon,
            &mut self.tue,
            &mut self.wed,
            &mut self.thu,
            &mut self.fri,
            &mut self.sat,
            &mut self.sun,
        ]
    }
}

/// The practice's settings, for its admins (and agency admins).
#[server(endpoint = "practices/settings", output = crate::wire::Bin)]
pub async fn read_practice_settings(practice: PracticeId) -> Result<PracticeSettings, AppError> {
    let actor = session::actor()?;
    actor.require_practice_admin(practice)?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    let settings = db::settings(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(settings)
}

/// Saves the practice's settings. Practice admins of that practice and agency admins only;
/// a bad field changes nothing and says what to fix. Recorded in the audit log with the
/// names of the fields that changed.
#[server(endpoint = "practices/save_settings", output = crate::wire::Bin)]
pub async fn save_practice_settings(
    practice: PracticeId,
    settings: PracticeSettings,
) -> Result<(), AppError> {
    let actor = session::actor()?;
    actor.require_practice_admin(practice)?;
    let checked = crate::practices::rules::check_settings(&settings)?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    db::require_time_zone(&mut tx, &checked.time_zone).await?;
    let before = db::settings(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
    db::save_settings(&mut tx, practice, &checked).await?;
    let after = db::settings(&mut tx, practice).await?.ok_or(AppError::NotFound)?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            subject_type: Some("practice"),
            subject_id: Some(practice.to_string()),
            ip: actor.ip,
            detail: serde_json::json!({ "changed": crate::practices::rules::changed_fields(&before, &after) }),
            ..crate::audit::db::Event::new(Action::PracticeSettings)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a member's role. Practice admins of that practice and agency admins only; the
/// practice always keeps at least one practice admin.
#[server(endpoint = "practices/set_role", output = crate::wire::Bin)]
pub async fn set_member_role(practice: PracticeId, person: UserId, role: Role) -> Result<(), AppError> {
    change_membership(practice, person, Some(role)).await
}

/// Removes a person from the practice (their account stays, with their other practices).
/// Same rules as [`set_member_role`]; the person's next request no longer reaches the practice.
#[server(endpoint = "practices/remove_member", output = crate::wire::Bin)]
pub async fn remove_member(practice: PracticeId, person: UserId) -> Result<(), AppError> {
    change_membership(practice, person, None).await
}

#[cfg(feature = "ssr")]
async fn change_membership(practice: PracticeId, person: UserId, role: Option<Role>) -> Result<(), AppError> {
    let actor = session::actor()?;
    actor.require_practice_admin(practice)?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &actor.scope(practice)).await?;
    // Locks the practice's admin rows so two admins demoting each other cannot both succeed.
    let admins = db::lock_admins(&mut tx, practice).await?;
    let Some(current) = db::member_role(&mut tx, practice, person).await? else {
        return Err(AppError::NotFound);
    };
    crate::practices::rules::keeps_an_admin(&admins, person, Some(current), role)?;
    let action = match role {
        Some(role) => {
            db::set_role(&mut tx, practice, person, role).await?;
            Action::MemberRole
        }
        None => {
            db::remove_member(&mut tx, practice, person).await?;
            Action::MemberRemove
        }
    };
    // What they shared goes with what they may see; open sockets re-read their practices.
    crate::calendar::db::revoke_feeds_of(&mut tx, practice, person).await?;
    crate::realtime::db::publish(
        &mut tx,
        &crate::realtime::LiveEvent::practice(practice, crate::realtime::Kind::Membership, Some(person.0)),
    )
    .await?;
    if let Some(role) = role.filter(|r| *r != current && person != actor.user()) {
        let text = format!("Your role is now {}.", role.label());
        let link = format!("/p/{practice}/inbox");
        let notice = Notice {
            practice,
            to: person,
            topic: Topic::RoleChanged,
            text: &text,
            link: &link,
        };
        crate::notifications::db::notify(&mut tx, notice).await?;
    }
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            subject_type: Some("user"),
            subject_id: Some(person.to_string()),
            ip: actor.ip,
            detail: serde_json::json!({ "from": current.as_str(), "to": role.map(Role::as_str) }),
            ..crate::audit::db::Event::new(action)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
