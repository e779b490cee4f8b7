//! Queries of accounts and sessions.

use crate::db::Tx;
use crate::model::{Me, PracticeId, PracticeSummary, Role, TimeStyle, UserId};
use chrono::{DateTime, Utc};
use sqlx::types::ipnetwork::IpNetwork;

pub struct LoginRow {
    pub id: UserId,
    /// Whether the account has a password (an invited person has none until they accept).
    pub has_password: bool,
    pub disabled: bool,
}

/// The account of an address. Its credentials stay unread: they are the person's own rows
/// (see [`password_hash`]).
#[tracing::instrument(skip_all)]
pub async fn find_login(tx: &mut Tx, email_lower: &str) -> Result<Option<LoginRow>, sqlx::Error> {
    let row: Option<(UserId, bool, bool)> = sqlx::query_as(
        "SELECT id, has_password(id), disabled_at IS NOT NULL FROM users WHERE lower(email) = $1",
    )
    .bind(email_lower)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, has_password, disabled)| LoginRow {
        id,
        has_password,
        disabled,
    }))
}

/// Creates an account (with a password hash, or none until an invitation is accepted) and
/// narrows `tx` to the new person, whose credentials only a transaction scoped to them may
/// write.
pub async fn create_account(
    tx: &mut Tx,
    email: &str,
    display_name: &str,
    password_hash: Option<&str>,
) -> Result<UserId, sqlx::Error> {
    let (id,): (UserId,) =
        sqlx::query_as("INSERT INTO users (email, display_name) VALUES ($1, $2) RETURNING id")
            .bind(email)
            .bind(display_name)
            .fetch_one(&mut **tx)
            .await?;
    if let Some(hash) = password_hash {
        crate::db::become_person(tx, id).await?;
        set_password(tx, id, hash).await?;
    }
    Ok(id)
}

/// Reserves a login attempt before its password is checked: counts the failures of the
/// account and of the address in the window and, unless either is at its limit, writes the
/// attempt as failed (it turns into a success once the password proves right). `None`:
/// rate-limited, nothing written.
///
/// Attempts of one account, and of one address, take turns here (advisory locks, always
/// account first, then address, so two attempts never wait for each other in a circle):
/// counting and writing are one step, so 50 attempts at once get at most the limit's worth
/// checked, on any number of app nodes. The caller commits at once and checks the password
/// outside any transaction.
#[tracing::instrument(skip_all)]
pub async fn reserve_login_attempt(
    tx: &mut Tx,
    email_lower: &str,
    ip: Option<IpNetwork>,
    since: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('login account ' || $1, 0)),
                pg_advisory_xact_lock(hashtextextended('login address ' || $2::text, 0))",
    )
    .bind(email_lower)
    .bind(ip.map(|n| n.to_string()).unwrap_or_default())
    .execute(&mut **tx)
    .await?;
    let (account, address): (i64, i64) = sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM login_attempts WHERE email_lower = $1 AND at > $3 AND NOT succeeded),
           (SELECT count(*) FROM login_attempts WHERE ip = $2 AND at > $3 AND NOT succeeded)",
    )
    .bind(email_lower)
    .bind(ip)
    .bind(since)
    .fetch_one(&mut **tx)
    .await?;
    if crate::auth::rules::is_rate_limited(account, address) {
        return Ok(None);
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO login_attempts (email_lower, ip, succeeded) VALUES ($1, $2, false) RETURNING id",
    )
    .bind(email_lower)
    .bind(ip)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// Removes what no longer counts for anything: login attempts and secret-link misses past
/// their limits' window (a day kept, for a look back), and sessions ended or idle for 30
/// days. Returns how many rows went.
pub async fn purge_old(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let mut gone = 0;
    for sql in [
        "DELETE FROM login_attempts WHERE at < now() - interval '1 day'",
        "DELETE FROM link_misses WHERE at < now() - interval '1 day'",
        "DELETE FROM sessions WHERE coalesce(ended_at, last_seen_at) < now() - interval '30 days'",
    ] {
        gone += sqlx::query(sql).execute(&mut **tx).await?.rows_affected();
    }
    Ok(gone)
}

/// The reserved attempt proved right: it no longer counts against the limits.
pub async fn attempt_succeeded(tx: &mut Tx, attempt: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_attempts SET succeeded = true WHERE id = $1")
        .bind(attempt)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The reserved attempt had the right password and now waits for its second factor: not a
/// failure, and not yet a sign-in.
pub async fn attempt_withdrawn(tx: &mut Tx, attempt: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE id = $1")
        .bind(attempt)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The strictest idle timeout among the person's practices (15 minutes with none).
#[tracing::instrument(skip_all)]
pub async fn idle_timeout_minutes(tx: &mut Tx, user: UserId) -> Result<i32, sqlx::Error> {
    let (minutes,): (Option<i32>,) = sqlx::query_as(
        "SELECT min(p.idle_logout_minutes) FROM memberships m JOIN practices p ON p.id = m.practice_id
         WHERE m.user_id = $1 AND p.archived_at IS NULL",
    )
    .bind(user)
    .fetch_one(&mut **tx)
    .await?;
    Ok(minutes.unwrap_or(15))
}

#[tracing::instrument(skip_all)]
pub async fn create_session(
    tx: &mut Tx,
    token_hash: &[u8],
    user: UserId,
    idle_timeout_minutes: i32,
    ip: Option<IpNetwork>,
    user_agent: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, idle_timeout_minutes, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user)
    .bind(idle_timeout_minutes)
    .bind(ip)
    .bind(user_agent)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct SessionRow {
    pub user: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub idle_timeout_minutes: i32,
}

#[tracing::instrument(skip_all)]
pub async fn find_session(tx: &mut Tx, token_hash: &[u8]) -> Result<Option<SessionRow>, sqlx::Error> {
    let row: Option<(UserId, DateTime<Utc>, DateTime<Utc>, i32)> = sqlx::query_as(
        "SELECT s.user_id, s.created_at, s.last_seen_at, s.idle_timeout_minutes
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(
        |(user, created_at, last_seen_at, idle_timeout_minutes)| SessionRow {
            user,
            created_at,
            last_seen_at,
            idle_timeout_minutes,
        },
    ))
}

#[tracing::instrument(skip_all)]
pub async fn touch_session(tx: &mut Tx, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1 AND ended_at IS NULL")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn end_session(tx: &mut Tx, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET ended_at = now() WHERE token_hash = $1 AND ended_at IS NULL")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The person with their practices, in one query. Needs a scope that names the user.
#[tracing::instrument(skip_all)]
pub async fn load_me(tx: &mut Tx, user: UserId) -> Result<Option<Me>, sqlx::Error> {
    let head: Option<(String, String, bool, bool, bool, bool, bool)> = sqlx::query_as(
        "SELECT display_name, email, EXISTS (SELECT 1 FROM agency_admins a WHERE a.user_id = u.id),
                EXISTS (SELECT 1 FROM credentials c WHERE c.user_id = u.id AND c.totp_enabled_at IS NOT NULL),
                EXISTS (SELECT 1 FROM memberships m JOIN practices p ON p.id = m.practice_id
                        WHERE m.user_id = u.id AND m.role = 'practice_admin'
                          AND p.require_admin_mfa AND p.archived_at IS NULL),
                twelve_hour, month_first
         FROM users u WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((display_name, email, agency_admin, mfa_enabled, mfa_required, twelve_hour, month_first)) = head
    else {
        return Ok(None);
    };
    let rows: Vec<(PracticeId, String, String, Role, i32)> = sqlx::query_as(
        "SELECT p.id, p.name, p.time_zone, m.role, p.idle_logout_minutes
         FROM memberships m JOIN practices p ON p.id = m.practice_id
         WHERE m.user_id = $1 AND p.archived_at IS NULL
         ORDER BY p.name",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    let idle_timeout_seconds = rows.iter().map(|r| r.4).min().unwrap_or(15) * 60;
    let time_zone = rows
        .first()
        .map(|r| r.2.clone())
        .unwrap_or_else(|| "America/New_York".to_string());
    Ok(Some(Me {
        id: user,
        display_name,
        email,
        agency_admin,
        practices: rows
            .into_iter()
            .map(|(id, name, time_zone, role, _)| PracticeSummary {
                id,
                name,
                time_zone,
                role,
            })
            .collect(),
        idle_timeout_seconds,
        time_zone,
        time_style: TimeStyle {
            twelve_hour,
            month_first,
        },
        mfa_enabled,
        mfa_required,
        agency_practices: Vec::new(),
    }))
}

/// The person's own way of reading times and dates.
pub async fn set_time_style(tx: &mut Tx, user: UserId, style: TimeStyle) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET twelve_hour = $2, month_first = $3 WHERE id = $1")
        .bind(user)
        .bind(style.twelve_hour)
        .bind(style.month_first)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every account with what it does, for the login page of a demo instance.
#[tracing::instrument(skip_all)]
pub async fn demo_accounts(tx: &mut Tx) -> Result<Vec<crate::auth::model::DemoAccount>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.email, u.display_name,
                CASE WHEN EXISTS (SELECT 1 FROM agency_admins a WHERE a.user_id = u.id) THEN 'Agency admin'
                     ELSE coalesce(string_agg(
                       initcap(replace(m.role::text, '_', ' ')) || ', ' || p.name, '; ' ORDER BY p.name), '')
                END
         FROM users u
         LEFT JOIN memberships m ON m.user_id = u.id
         LEFT JOIN practices p ON p.id = m.practice_id
         WHERE u.disabled_at IS NULL AND has_password(u.id) AND u.email LIKE $1
         GROUP BY u.id
         ORDER BY 3, u.display_name",
    )
    .bind(format!("%@{}", crate::auth::rules::DEMO_DOMAIN))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(email, display_name, what)| crate::auth::model::DemoAccount {
            email,
            display_name,
            what,
        })
        .collect())
}

/// Reset links asked for from `ip` in the last hour (with or without an account behind).
pub async fn recent_resets_from(tx: &mut Tx, ip: Option<IpNetwork>) -> Result<i64, sqlx::Error> {
    let Some(ip) = ip else { return Ok(0) };
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM password_resets WHERE requested_ip = $1 AND created_at > now() - interval '1 hour'",
    )
    .bind(ip)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

pub async fn recent_resets_of(tx: &mut Tx, user: UserId) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > now() - interval '1 hour'",
    )
    .bind(user)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// Records a reset link valid for `minutes`. A request that sends nothing (no account, or
/// the account's limit reached) is recorded with 0 minutes: already expired, never usable,
/// but counted by the per-address limit.
pub async fn create_reset(
    tx: &mut Tx,
    user: Option<UserId>,
    token_hash: &[u8],
    ip: Option<IpNetwork>,
    minutes: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, requested_ip, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
    )
    .bind(token_hash)
    .bind(user)
    .bind(ip)
    .bind(minutes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Uses up a reset link: the person it was for, if it was still good.
pub async fn take_reset(tx: &mut Tx, token_hash: &[u8]) -> Result<Option<UserId>, sqlx::Error> {
    let row: Option<(UserId,)> = sqlx::query_as(
        "UPDATE password_resets SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() AND user_id IS NOT NULL
         RETURNING user_id",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(u,)| u))
}

/// Sets the person's password (a hash). `tx` must be scoped to them.
pub async fn set_password(tx: &mut Tx, user: UserId, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO credentials (user_id, password_hash) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash",
    )
    .bind(user)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn end_all_sessions(tx: &mut Tx, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub struct TotpState {
    pub secret: String,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

/// The person's authenticator secret, enrolled or pending.
pub async fn totp_state(tx: &mut Tx, user: UserId) -> Result<Option<TotpState>, sqlx::Error> {
    let row: Option<(Option<String>, bool, Option<i64>)> = sqlx::query_as(
        "SELECT totp_secret, totp_enabled_at IS NOT NULL, totp_last_step FROM credentials WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.and_then(|(secret, enabled, last_step)| {
        secret.map(|secret| TotpState {
            secret,
            enabled,
            last_step,
        })
    }))
}

/// Stored authenticator secrets, enrolled or pending, locked: (person, secret as stored).
/// Only those still in the clear, unless `sealed_too`. Everyone's: only the owner's
/// connection (start-up) reads them all.
pub async fn stored_totp_secrets(
    conn: &mut sqlx::PgConnection,
    sealed_too: bool,
) -> Result<Vec<(UserId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, totp_secret FROM credentials
          WHERE totp_secret IS NOT NULL AND ($1 OR totp_secret NOT LIKE 'v1:%') FOR UPDATE",
    )
    .bind(sealed_too)
    .fetch_all(conn)
    .await
}

pub async fn replace_totp_secret(
    conn: &mut sqlx::PgConnection,
    user: UserId,
    stored: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE credentials SET totp_secret = $2 WHERE user_id = $1")
        .bind(user)
        .bind(stored)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_pending_totp(tx: &mut Tx, user: UserId, secret: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE credentials SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL WHERE user_id = $1",
    )
    .bind(user)
    .bind(secret)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Turns the pending secret on and replaces the recovery codes.
pub async fn enable_totp(
    tx: &mut Tx,
    user: UserId,
    step: i64,
    code_hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE credentials SET totp_enabled_at = now(), totp_last_step = $2 WHERE user_id = $1")
        .bind(user)
        .bind(step)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])")
        .bind(user)
        .bind(code_hashes)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn disable_totp(tx: &mut Tx, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE credentials SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE user_id = $1",
    )
    .bind(user)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records the step of an accepted code, if it is later than the last one (so two
/// concurrent sign-ins cannot both use one code). Whether it was recorded.
pub async fn advance_totp_step(tx: &mut Tx, user: UserId, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE credentials SET totp_last_step = $2 WHERE user_id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user)
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses up a recovery code; whether it was one of the person's unused ones.
pub async fn use_recovery_code(tx: &mut Tx, user: UserId, code_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user)
    .bind(code_hash)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(tx: &mut Tx, user: UserId) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user)
            .fetch_one(&mut **tx)
            .await?;
    Ok(n)
}

/// The person's password hash. `tx` must be scoped to them: anyone else's reads as none.
pub async fn password_hash(tx: &mut Tx, user: UserId) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT password_hash FROM credentials WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.and_then(|(h,)| h))
}

/// The practices `user` is not a member of (for an agency admin's switcher; needs the
/// all-practices scope). Their `role` is meaningless and never used for access.
pub async fn other_practices(tx: &mut Tx, user: UserId) -> Result<Vec<PracticeSummary>, sqlx::Error> {
    let rows: Vec<(PracticeId, String, String)> = sqlx::query_as(
        "SELECT p.id, p.name, p.time_zone FROM practices p
         WHERE p.archived_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.practice_id = p.id AND m.user_id = $1)
         ORDER BY p.name",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, time_zone)| PracticeSummary {
            id,
            name,
            time_zone,
            role: Role::PracticeAdmin,
        })
        .collect())
}

/// Secret-link tokens from `ip` since `since` that matched nothing.
pub async fn recent_link_misses(
    tx: &mut Tx,
    ip: IpNetwork,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM link_misses WHERE ip = $1 AND at > $2")
        .bind(ip)
        .bind(since)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n)
}

pub async fn record_link_miss(tx: &mut Tx, ip: IpNetwork) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO link_misses (ip) VALUES ($1)")
        .bind(ip)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
