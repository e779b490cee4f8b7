//! Server-side sessions: the cookie, resolving it to the signed-in person once per request
//! (an axum middleware in the server calls [`resolve`]), and reading that person inside a
//! server function ([`actor`]).

use crate::auth::{db, rules};
use crate::db::{begin, Scope};
use crate::error::AppError;
use crate::model::{Me, PracticeId, Role};
use crate::state::AppState;
use base64::Engine;
use chrono::Utc;
use http::header::{ACCEPT, COOKIE, USER_AGENT};
use http::HeaderMap;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::types::ipnetwork::IpNetwork;
use std::net::IpAddr;
use std::sync::Arc;

pub const COOKIE_NAME: &str = "sb_session";

/// The signed-in person of this request, put in the request's extensions by the server.
#[derive(Clone, Debug)]
pub struct Actor {
    pub me: Me,
    pub token_hash: Vec<u8>,
    pub ip: Option<IpAddr>,
}

/// Where the request came from, put in the request's extensions by the server.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl Actor {
    pub fn user(&self) -> crate::model::UserId {
        self.me.id
    }

    pub fn role_in(&self, practice: PracticeId) -> Option<Role> {
        self.me.practice(practice).map(|p| p.role)
    }

    /// The person's role in `practice` if it is one of `allowed`; otherwise `Forbidden`.
    pub fn require(&self, practice: PracticeId, allowed: &[Role]) -> Result<Role, AppError> {
        match self.role_in(practice) {
            Some(role) if allowed.contains(&role) => Ok(role),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Any member of the practice.
    pub fn require_member(&self, practice: PracticeId) -> Result<Role, AppError> {
        self.require(practice, &Role::ALL)
    }

    /// The practice's own admins, or an agency admin.
    pub fn require_practice_admin(&self, practice: PracticeId) -> Result<(), AppError> {
        if self.me.agency_admin {
            return Ok(());
        }
        self.require(practice, &[Role::PracticeAdmin]).map(|_| ())
    }

    pub fn require_agency_admin(&self) -> Result<(), AppError> {
        if self.me.agency_admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// A database scope of exactly one practice, for a person already checked to belong (or
    /// an agency admin looking at it): row-level security then holds them to that practice,
    /// agency admins included.
    pub fn scope(&self, practice: PracticeId) -> Scope {
        Scope::person(self.me.id, [practice])
    }
}

/// A fresh random session token (for the cookie) and its hash (for the database).
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clearing_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect())
}

pub fn ip_network(ip: Option<IpAddr>) -> Option<IpNetwork> {
    ip.map(IpNetwork::from)
}

/// What per-address limits count `ip` by (its /64 for IPv6; see `rules::limit_block`), as
/// the database stores it.
pub fn limit_network(ip: Option<IpAddr>) -> Option<IpNetwork> {
    let (net, prefix) = rules::limit_block(ip?);
    IpNetwork::new(net, prefix).ok()
}

/// Touch `last_seen_at` at most this often, so a page's burst of requests writes once.
const TOUCH_EVERY_SECONDS: i64 = 15;

/// Whether a request is the person's own doing, which renews the idle timer: opening a page
/// (or a form posted without the page's script). The server functions a page calls by
/// itself (re-reads after a live update or a reconnect) do not; keys and clicks on the page
/// renew the session through `auth/keepalive`.
fn renews_idle_timer(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// Finds the live session named by the request's cookie. An idle-expired session is ended.
pub async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    ip: Option<IpAddr>,
) -> Result<Option<Actor>, AppError> {
    let Some(token) = token_from_headers(headers) else {
        return Ok(None);
    };
    find(state, hash_token(&token), ip, renews_idle_timer(headers)).await
}

/// The person of a session already found, read afresh (their practices and roles as they
/// are now), without renewing it: a page's socket asks this for each of its requests.
pub async fn reread(state: &AppState, actor: &Actor) -> Result<Option<Actor>, AppError> {
    find(state, actor.token_hash.clone(), actor.ip, false).await
}

async fn find(
    state: &AppState,
    token_hash: Vec<u8>,
    ip: Option<IpAddr>,
    renew: bool,
) -> Result<Option<Actor>, AppError> {
    let mut tx = begin(&state.pool, &Scope::Anonymous).await?;
    let Some(session) = db::find_session(&mut tx, &token_hash).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if is_expired(state, &session, now) {
        db::end_session(&mut tx, &token_hash).await?;
        tx.commit().await?;
        return Ok(None);
    }
    if renew && (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        db::touch_session(&mut tx, &token_hash).await?;
    }
    // The same transaction reads the person, now that it is known who they are.
    crate::db::become_person(&mut tx, session.user).await?;
    let me = db::load_me(&mut tx, session.user).await?;
    tx.commit().await?;
    Ok(me.map(|mut me| {
        if let Some(seconds) = state.settings.idle_timeout_override_seconds {
            me.idle_timeout_seconds = seconds;
        }
        me.mfa_required |= me.agency_admin && state.settings.require_agency_mfa;
        Actor { me, token_hash, ip }
    }))
}

/// Whether the session has been idle longer than its timeout (or the test override).
fn is_expired(state: &AppState, session: &db::SessionRow, now: chrono::DateTime<Utc>) -> bool {
    let idle_seconds = state
        .settings
        .idle_timeout_override_seconds
        .unwrap_or(session.idle_timeout_minutes * 60);
    rules::session_expired(session.created_at, session.last_seen_at, idle_seconds.into(), now)
}

/// The signed-in person of the current server-function call, or `Unauthenticated`; a person
/// who must first enrol in two-factor sign-in gets `MfaRequired`.
pub fn actor() -> Result<Arc<Actor>, AppError> {
    let actor = enrolling_actor()?;
    if actor.me.must_enrol_mfa() {
        return Err(AppError::MfaRequired);
    }
    Ok(actor)
}

/// The signed-in person, even one who has yet to enrol in two-factor sign-in (for the
/// Account page's own functions and keeping the session alive).
pub fn enrolling_actor() -> Result<Arc<Actor>, AppError> {
    current_actor().ok_or(AppError::Unauthenticated)
}

/// The signed-in person, if any.
pub fn current_actor() -> Option<Arc<Actor>> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<Arc<Actor>>().cloned()
}

/// The client address of the current call.
pub fn client_addr() -> Option<IpAddr> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<ClientAddr>().copied())
        .and_then(|c| c.0)
}

/// The client of the current call as per-address limits count it ([`limit_network`]).
pub fn client_network() -> Option<IpNetwork> {
    limit_network(client_addr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn an_agency_admin_is_scoped_to_the_practice_they_look_at() {
        let practice = PracticeId(uuid::Uuid::from_u128(7));
        let agency = Actor {
            me: Me {
                id: crate::model::UserId(uuid::Uuid::from_u128(1)),
                display_name: "Dana".into(),
                email: "dana@example.test".into(),
                agency_admin: true,
                practices: Vec::new(),
                idle_timeout_seconds: 900,
                time_zone: "UTC".into(),
                mfa_enabled: true,
                time_style: Default::default(),
                mfa_required: true,
                agency_practices: Vec::new(),
            },
            token_hash: Vec::new(),
            ip: None,
        };
        // Not every practice (as it was): row-level security holds them to this one.
        assert_eq!(agency.scope(practice), Scope::person(agency.user(), [practice]));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), ha);
        assert_ne!(ha, a.as_bytes());
    }

    #[test]
    fn cookie_is_http_only_lax_and_secure_when_asked() {
        let c = session_cookie("t", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("t", false).contains("Secure"));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; sb_session=abc; b=2"));
        assert_eq!(token_from_headers(&h).as_deref(), Some("abc"));
        let mut empty = HeaderMap::new();
        empty.append(COOKIE, HeaderValue::from_static("sb_session="));
        assert_eq!(token_from_headers(&empty), None);
    }
}
