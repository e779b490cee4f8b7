//! Server functions of signing in and out.

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::auth::model::DemoAccount;
use crate::error::AppError;
use crate::model::{Me, TimeStyle};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use {
    crate::auth::{db, password, rules, session},
    crate::db::{begin, Scope},
    crate::state::app_state,
    http::{header::SET_COOKIE, HeaderValue},
};

/// One message for an unknown address and a wrong password, so neither is revealed.
pub const BAD_LOGIN: &str = "That e-mail and password don't match an account.";

/// Signs in with e-mail and password, and the code of the account's authenticator app (or a
/// recovery code) when two-factor sign-in is on: without it the answer is `SecondFactor`,
/// and the form asks for it. On success the session cookie is set (a new token: the id is
/// rotated at every login) and the browser is sent to `next`.
#[server(endpoint = "auth/login", output = crate::wire::Bin)]
pub async fn login(
    email: String,
    password: String,
    code: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    let state = app_state()?;
    let ip = session::client_addr();
    let Some(email) = rules::normalize_email(&email) else {
        return Err(AppError::invalid("Enter your e-mail address."));
    };
    if password.is_empty() {
        return Err(AppError::invalid("Enter your password."));
    }
    let ipn = session::limit_network(ip);

    // The attempt is reserved (counted against the limits) in a short transaction of its
    // own; the password is checked after it, with no transaction or connection held.
    let since = chrono::Utc::now() - chrono::Duration::minutes(rules::RATE_WINDOW_MINUTES);
    let mut tx = begin(&state.pool, &Scope::Anonymous).await?;
    let Some(attempt) = db::reserve_login_attempt(&mut tx, &email, ipn, since).await? else {
        return Err(AppError::RateLimited);
    };
    let row = db::find_login(&mut tx, &email).await?;
    // The hash is the person's own row: read in the transaction narrowed to them.
    let hash = match &row {
        Some(r) => {
            crate::db::become_person(&mut tx, r.id).await?;
            db::password_hash(&mut tx, r.id).await?
        }
        None => None,
    };
    tx.commit().await?;
    // Verify even when there is no account, so timing does not tell whether it exists.
    let verified = password::verify(password, hash).await?;
    let user = match row {
        Some(r) if verified && !r.disabled => r.id,
        // The reserved attempt stays a failure.
        _ => return Err(AppError::invalid(BAD_LOGIN)),
    };
    let mut tx = begin(&state.pool, &Scope::person(user, [])).await?;
    if let Some(totp) = db::totp_state(&mut tx, user).await?.filter(|t| t.enabled) {
        let code = code.as_deref().map(str::trim).unwrap_or_default();
        if code.is_empty() {
            db::attempt_withdrawn(&mut tx, attempt).await?;
            tx.commit().await?;
            return Err(AppError::SecondFactor);
        }
        let secret = crate::auth::sealed::open(&state.settings.secret_key, user, &totp.secret)?;
        if !second_factor_ok(&mut tx, user, &secret, totp.last_step, code, ip).await? {
            return Err(AppError::invalid("That code is not right."));
        }
    }
    db::attempt_succeeded(&mut tx, attempt).await?;
    tx.commit().await?;

    start_session(&state, user, ip).await?;
    leptos_axum::redirect(&rules::safe_next(next.as_deref()));
    Ok(())
}

/// Checks an authenticator code (good once) or uses up a recovery code.
#[cfg(feature = "ssr")]
async fn second_factor_ok(
    tx: &mut crate::db::Tx,
    user: crate::model::UserId,
    secret: &str,
    last_step: Option<i64>,
    code: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<bool, AppError> {
    let now = chrono::Utc::now().timestamp();
    if let Some(step) = crate::auth::totp::verify(secret, code, now, last_step) {
        return Ok(db::advance_totp_step(tx, user, step).await?);
    }
    let recovery = crate::auth::totp::normalize_recovery(code);
    if !db::use_recovery_code(tx, user, &session::hash_token(&recovery)).await? {
        return Ok(false);
    }
    crate::audit::db::record(
        tx,
        crate::audit::db::Event {
            actor: Some(user),
            ip,
            ..crate::audit::db::Event::new(Action::AuthRecoveryCodeUsed)
        },
    )
    .await?;
    Ok(true)
}

/// Opens a new session for `user` (a new token every time: the id rotates at each login),
/// records the login and sets the cookie.
#[cfg(feature = "ssr")]
pub async fn start_session(
    state: &crate::state::AppState,
    user: crate::model::UserId,
    ip: Option<std::net::IpAddr>,
) -> Result<(), AppError> {
    let headers = leptos::prelude::use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let mut tx = begin(&state.pool, &Scope::person(user, [])).await?;
    let idle = db::idle_timeout_minutes(&mut tx, user).await?;
    let (token, token_hash) = session::new_token();
    let ua = session::user_agent(&headers);
    db::create_session(
        &mut tx,
        &token_hash,
        user,
        idle,
        session::ip_network(ip),
        ua.as_deref(),
    )
    .await?;
    crate::audit::db::record(
        &mut tx,
        crate::audit::db::Event {
            actor: Some(user),
            ip,
            user_agent: ua,
            ..crate::audit::db::Event::new(Action::AuthLogin)
        },
    )
    .await?;
    tx.commit().await?;
    set_cookie(&session::session_cookie(&token, state.settings.secure_cookies))
}

/// Ends the session and clears the cookie.
#[server(endpoint = "auth/logout", output = crate::wire::Bin)]
pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    if let Some(actor) = session::current_actor() {
        let practices = actor.me.practices.iter().map(|p| p.id);
        let mut tx = begin(&state.pool, &Scope::person(actor.user(), practices)).await?;
        db::end_session(&mut tx, &actor.token_hash).await?;
        use crate::availability::db::{apply, Happened};
        apply(&mut tx, actor.user(), Happened::SignedOut).await?;
        crate::audit::db::record(
            &mut tx,
            crate::audit::db::Event {
                actor: Some(actor.user()),
                ip: actor.ip,
                ..crate::audit::db::Event::new(Action::AuthLogout)
            },
        )
        .await?;
        tx.commit().await?;
    }
    set_cookie(&session::clearing_cookie(state.settings.secure_cookies))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in person and their practices; `None` when signed out. For an agency admin
/// also the practices they are not a member of (for the switcher; read here, once per page,
/// rather than on every request's session check).
#[server(endpoint = "auth/who_am_i", output = crate::wire::Bin)]
pub async fn who_am_i() -> Result<Option<Me>, AppError> {
    let Some(actor) = session::current_actor() else {
        return Ok(None);
    };
    let mut me = actor.me.clone();
    if me.agency_admin {
        let state = app_state()?;
        let mut tx = begin(&state.pool, &Scope::All { user: Some(me.id) }).await?;
        me.agency_practices = db::other_practices(&mut tx, me.id).await?;
        tx.commit().await?;
    }
    Ok(Some(me))
}

/// The signed-in person's own way of reading times and dates, from the next page drawn on.
#[server(endpoint = "auth/time_style", input = Json, output = crate::wire::Bin)]
pub async fn set_time_style(style: TimeStyle) -> Result<(), AppError> {
    let actor = session::actor()?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(actor.user(), [])).await?;
    db::set_time_style(&mut tx, actor.user(), style).await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps the session alive ("Stay signed in" in the idle warning, or activity on the page).
#[server(endpoint = "auth/keepalive", output = crate::wire::Bin)]
pub async fn keepalive() -> Result<(), AppError> {
    let actor = session::enrolling_actor()?;
    let state = app_state()?;
    let mut tx = begin(&state.pool, &Scope::person(actor.user(), [])).await?;
    db::touch_session(&mut tx, &actor.token_hash).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) -> Result<(), AppError> {
    let response =
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let value = HeaderValue::from_str(value).map_err(|_| AppError::Internal)?;
    response.append_header(SET_COOKIE, value);
    Ok(())
}

/// The password of every demo account (demo instances only).
pub const DEMO_PASSWORD: &str = "switchboard-demo";
pub use crate::auth::rules::DEMO_DOMAIN;

/// The demo accounts, on a demo instance; nothing otherwise.
#[server(endpoint = "auth/demo_accounts", output = crate::wire::Bin)]
pub async fn demo_accounts() -> Result<Vec<DemoAccount>, AppError> {
    let state = app_state()?;
    if !state.settings.demo {
        return Ok(Vec::new());
    }
    let mut tx = begin(&state.pool, &Scope::All { user: None }).await?;
    let accounts = db::demo_accounts(&mut tx).await?;
    tx.commit().await?;
    Ok(accounts)
}
