//! Two-factor sign-in: enrolling an authenticator app, recovery codes, turning it off.
//! Practices can require it of their admins (`require_admin_mfa`), the deployment of agency
//! admins (`SB_AGENCY_MFA`); such a person signs in but reaches nothing except the
//! Account page until they have enrolled.

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{
    auth::{db, sealed, session, totp},
    db::{begin, Scope},
    state::app_state,
};

/// What the Account page shows of the person's sign-in security.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Security {
    pub totp_enabled: bool,
    /// A practice (or the agency) requires it of this person.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// A started enrolment: the secret to put in an authenticator app.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    /// The QR code of `uri`, an SVG made on the server.
    pub qr_svg: String,
}

#[server(endpoint = "auth/security", output = crate::wire::Bin)]
pub async fn account_security() -> Result<Security, AppError> {
    let actor = session::enrolling_actor()?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(actor.user(), [])).await?;
    let totp = db::totp_state(&mut tx, actor.user()).await?;
    let left = db::recovery_codes_left(&mut tx, actor.user()).await?;
    tx.commit().await?;
    Ok(Security {
        totp_enabled: totp.is_some_and(|t| t.enabled),
        required: actor.me.mfa_required,
        recovery_codes_left: left,
    })
}

/// Starts enrolment with a new secret (replacing an unfinished one).
#[server(endpoint = "auth/totp_begin", output = crate::wire::Bin)]
pub async fn begin_totp() -> Result<Enrolment, AppError> {
    let actor = session::enrolling_actor()?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(actor.user(), [])).await?;
    if db::totp_state(&mut tx, actor.user())
        .await?
        .is_some_and(|t| t.enabled)
    {
        return Err(AppError::invalid("Two-factor sign-in is already on."));
    }
    let secret = totp::new_secret();
    let stored = sealed::seal(&state.settings.secret_key, actor.user(), &secret)?;
    db::set_pending_totp(&mut tx, actor.user(), &stored).await?;
    tx.commit().await?;
    let uri = totp::otpauth_uri("Switchboard", &actor.me.email, &secret);
    let qr_svg = totp::qr_svg(&uri).ok_or(AppError::Internal)?;
    Ok(Enrolment { secret, uri, qr_svg })
}

/// Finishes enrolment with a code from the app; answers the recovery codes (shown once).
#[server(endpoint = "auth/totp_confirm", output = crate::wire::Bin)]
pub async fn confirm_totp(code: String) -> Result<Vec<String>, AppError> {
    let actor = session::enrolling_actor()?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(actor.user(), [])).await?;
    let Some(pending) = db::totp_state(&mut tx, actor.user())
        .await?
        .filter(|t| !t.enabled)
    else {
        return Err(AppError::invalid("Start again: scan a new code first."));
    };
    let Some(step) = totp::verify(
        &sealed::open(&state.settings.secret_key, actor.user(), &pending.secret)?,
        &code,
        chrono::Utc::now().timestamp(),
        pending.last_step,
    ) else {
        return Err(AppError::invalid(
            "That code is not right. Check the app shows \"Switchboard\" and try the newest code.",
        ));
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| session::hash_token(c)).collect();
    db::enable_totp(&mut tx, actor.user(), step, &hashes).await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            actor: Some(actor.user()),
            ip: actor.ip,
            ..crate::audit::db::Event::new(Action::AuthMfaEnabled)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns two-factor sign-in off (with the password), unless it is required of the person.
#[server(endpoint = "auth/totp_disable", output = crate::wire::Bin)]
pub async fn disable_totp(password: String) -> Result<(), AppError> {
    let actor = session::enrolling_actor()?;
    if actor.me.mfa_required {
        return Err(AppError::invalid(
            "Your practice requires two-factor sign-in of its admins: it stays on.",
        ));
    }
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(actor.user(), [])).await?;
    let hash = db::password_hash(&mut tx, actor.user()).await?;
    if !crate::auth::password::verify(password, hash).await? {
        return Err(AppError::invalid("That password is not right."));
    }
    db::disable_totp(&mut tx, actor.user()).await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            actor: Some(actor.user()),
            ip: actor.ip,
            ..crate::audit::db::Event::new(Action::AuthMfaDisabled)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
