//! Queries of accounts and sessions.

use crate::db::Tx;
use crate::model::{Me, PracticeId, PracticeSummary, Role, UserId};
use chrono::{DateTime, Utc};
use sqlx::types::ipnetwork::IpNetwork;

pub struct LoginRow {
    pub id: UserId,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

#[tracing::instrument(skip_all)]
pub async fn find_login(tx: &mut Tx, email_lower: &str) -> Result<Option<LoginRow>, sqlx::Error> {
    let row: Option<(UserId, Option<String>, bool)> = sqlx::query_as(
        "SELECT id, password_hash, disabled_at IS NOT NULL FROM users WHERE lower(email) = $1",
    )
    .bind(email_lower)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, password_hash, disabled)| LoginRow {
        id,
        password_hash,
        disabled,
    }))
}

#[tracing::instrument(skip_all)]
pub async fn record_login_attempt(
    tx: &mut Tx,
    email_lower: &str,
    ip: Option<IpNetwork>,
    succeeded: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_attempts (email_lower, ip, succeeded) VALUES ($1, $2, $3)")
        .bind(email_lower)
        .bind(ip)
        .bind(succeeded)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Failed attempts since `since` for this account and for this address.
#[tracing::instrument(skip_all)]
pub async fn recent_failures(
    tx: &mut Tx,
    email_lower: &str,
    ip: Option<IpNetwork>,
    since: DateTime<Utc>,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM login_attempts WHERE email_lower = $1 AND at > $3 AND NOT succeeded),
           (SELECT count(*) FROM login_attempts WHERE ip = $2 AND at > $3 AND NOT succeeded)",
    )
    .bind(email_lower)
    .bind(ip)
    .bind(since)
    .fetch_one(&mut **tx)
    .await
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
    pub last_seen_at: DateTime<Utc>,
    pub idle_timeout_minutes: i32,
}

#[tracing::instrument(skip_all)]
pub async fn find_session(tx: &mut Tx, token_hash: &[u8]) -> Result<Option<SessionRow>, sqlx::Error> {
    let row: Option<(UserId, DateTime<Utc>, i32)> = sqlx::query_as(
        "SELECT s.user_id, s.last_seen_at, s.idle_timeout_minutes
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(user, last_seen_at, idle_timeout_minutes)| SessionRow {
        user,
        last_seen_at,
        idle_timeout_minutes,
    }))
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
    let head: Option<(String, String, bool)> = sqlx::query_as(
        "SELECT display_name, email, EXISTS (SELECT 1 FROM agency_admins a WHERE a.user_id = u.id)
         FROM users u WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((display_name, email, agency_admin)) = head else {
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
    }))
}

/// Every account with what it does, for the login page of a demo instance.
#[tracing::instrument(skip_all)]
pub async fn demo_accounts(tx: &mut Tx) -> Result<Vec<crate::auth::api::DemoAccount>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.email, u.display_name,
                CASE WHEN EXISTS (SELECT 1 FROM agency_admins a WHERE a.user_id = u.id) THEN 'Agency admin'
                     ELSE coalesce(string_agg(
                       initcap(replace(m.role::text, '_', ' ')) || ', ' || p.name, '; ' ORDER BY p.name), '')
                END
         FROM users u
         LEFT JOIN memberships m ON m.user_id = u.id
         LEFT JOIN practices p ON p.id = m.practice_id
         WHERE u.disabled_at IS NULL AND u.password_hash IS NOT NULL
         GROUP BY u.id
         ORDER BY 3, u.display_name",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(email, display_name, what)| crate::auth::api::DemoAccount {
            email,
            display_name,
            what,
        })
        .collect())
}
