//! Password reset by e-mailed link: ask for a link (the answer never tells whether the
//! address has an account), then set a new password from the link, once, within the hour.

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::{db, links, rules, session},
    db::{begin, Scope},
    state::app_state,
};

/// How long a reset link works.
pub const RESET_MINUTES: i32 = 60;
/// What the person is told after asking, whether or not the address has an account.
pub const RESET_SENT: &str =
    "If that address has an account, a link to set a new password is on its way. It works once, for an hour.";
pub const BAD_RESET: &str = "This link is not valid any more. Ask for a new one.";

/// Sends a reset link to the address if it has an account. At most
/// [`rules::MAX_RESETS_PER_ACCOUNT`] links per account and [`rules::MAX_RESETS_PER_ADDRESS`]
/// requests per client address an hour; past that, nothing more is sent (and the answer
/// is the same, so it tells nothing).
#[server(endpoint = "auth/forgot", output = crate::wire::Bin)]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    let Some(email) = rules::normalize_email(&email) else {
        return Err(AppError::invalid("Enter your e-mail address."));
    };
    let state = app_state()?;
    let ip = session::client_addr();
    let ipn = session::limit_network(ip);
    let mut tx = begin(&state.pool, &Scope::All { user: None }).await?;
    if db::recent_resets_from(&mut tx, ipn).await? >= rules::MAX_RESETS_PER_ADDRESS {
        return Err(AppError::RateLimited);
    }
    let account = db::find_login(&mut tx, &email)
        .await?
        .filter(|a| !a.disabled && a.has_password);
    let Some(account) = account else {
        // Recorded without a person so the per-address limit counts guesses too.
        db::create_reset(&mut tx, None, &session::new_token().1, ipn, 0).await?;
        tx.commit().await?;
        return Ok(RESET_SENT.to_string());
    };
    if db::recent_resets_of(&mut tx, account.id).await? >= rules::MAX_RESETS_PER_ACCOUNT {
        db::create_reset(&mut tx, Some(account.id), &session::new_token().1, ipn, 0).await?;
        tx.commit().await?;
        return Ok(RESET_SENT.to_string());
    }
    let (token, token_hash) = session::new_token();
    db::create_reset(&mut tx, Some(account.id), &token_hash, ipn, RESET_MINUTES).await?;
    let body = format!(
        "Hello,\n\nSomeone (hopefully you) asked to set a new password for your Switchboard account.\n\n\
         Set it here (the link works once, for {RESET_MINUTES} minutes):\n{url}/reset/{token}\n\n\
         If you did not ask, ignore this message: your password stays as it is.\n",
        url = state.settings.public_url,
    );
    crate::mail::db::enqueue(
        &mut tx,
        crate::mail::db::Outgoing {
            practice: None,
            to: &email,
            subject: "Set a new Switchboard password",
            body: &body,
        },
    )
    .await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            // Asked by whoever knew the address: the account is what it is about, not who.
            subject_type: Some("user"),
            subject_id: Some(account.id.to_string()),
            ip,
            ..crate::audit::db::Event::new(Action::AuthResetRequested)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RESET_SENT.to_string())
}

/// Sets a new password from a reset link. The link then stops working, every session of the
/// account ends, and the browser goes to the sign-in page.
#[server(endpoint = "auth/reset", output = crate::wire::Bin)]
pub async fn reset_password(token: String, password: String, confirm: String) -> Result<(), AppError> {
    if let Some(problem) = rules::password_problem(&password) {
        return Err(AppError::Invalid(problem));
    }
    if password != confirm {
        return Err(AppError::invalid("The two passwords differ."));
    }
    let state = app_state()?;
    let ip = session::client_addr();
    let ipn = session::limit_network(ip);
    let mut tx = begin(&state.pool, &Scope::All { user: None }).await?;
    links::gate(&mut tx, ipn).await?;
    let Some(user) = db::take_reset(&mut tx, &session::hash_token(&token)).await? else {
        return Err(links::missed(tx, ipn, AppError::invalid(BAD_RESET)).await);
    };
    let hash = crate::auth::password::hash(password).await?;
    // From here on the transaction is the person's: their credentials, their audit event.
    crate::db::become_person(&mut tx, user).await?;
    db::set_password(&mut tx, user, &hash).await?;
    db::end_all_sessions(&mut tx, user).await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            actor: Some(user),
            ip,
            ..crate::audit::db::Event::new(Action::AuthPasswordReset)
        },
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect("/login?reason=reset");
    Ok(())
}
