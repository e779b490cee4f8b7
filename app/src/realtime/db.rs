//! Publishing events and keeping presence rows.

use crate::availability::model::Availability;
use crate::db::Tx;
use crate::model::{PracticeId, UserId};
use crate::realtime::{LiveEvent, CHANNEL};
use uuid::Uuid;

/// Queues `event` for delivery when the transaction commits (and drops it on rollback).
#[tracing::instrument(skip_all, fields(kind = ?event.kind))]
pub async fn publish(tx: &mut Tx, event: &LiveEvent) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The practices a person belongs to (presence is announced to each).
pub async fn practices_of(tx: &mut Tx, user: UserId) -> Result<Vec<PracticeId>, sqlx::Error> {
    let rows: Vec<(PracticeId,)> = sqlx::query_as("SELECT practice_id FROM memberships WHERE user_id = $1")
        .bind(user)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

pub async fn connect(tx: &mut Tx, connection: Uuid, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO presence (connection_id, user_id) VALUES ($1, $2)")
        .bind(connection)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn heartbeat(tx: &mut Tx, connection: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE presence SET heartbeat_at = now() WHERE connection_id = $1")
        .bind(connection)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks the person's connection idle (since now) or in use.
pub async fn set_idle(tx: &mut Tx, connection: Uuid, user: UserId, idle: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE presence SET idle_since = CASE WHEN $3 THEN COALESCE(idle_since, now()) END
         WHERE connection_id = $1 AND user_id = $2",
    )
    .bind(connection)
    .bind(user)
    .bind(idle)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn disconnect(tx: &mut Tx, connection: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM presence WHERE connection_id = $1")
        .bind(connection)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A connection without a heartbeat for this long is gone (its node died).
pub const STALE_SECONDS: i32 = 75;

/// Removes connections of dead nodes; returns the people affected.
pub async fn sweep_stale(tx: &mut Tx) -> Result<Vec<UserId>, sqlx::Error> {
    let rows: Vec<(UserId,)> = sqlx::query_as(
        "DELETE FROM presence WHERE heartbeat_at < now() - make_interval(secs => $1) RETURNING user_id",
    )
    .bind(f64::from(STALE_SECONDS))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// The practice's people who have the app open now.
pub async fn online(
    tx: &mut Tx,
    practice: PracticeId,
) -> Result<Vec<crate::realtime::model::OnlinePerson>, sqlx::Error> {
    type Row = (UserId, String, crate::model::Role, Option<Availability>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.id, u.display_name, m.role, a.state
         FROM memberships m JOIN users u ON u.id = m.user_id
         LEFT JOIN availability a ON a.practice_id = m.practice_id AND a.user_id = m.user_id
         WHERE m.practice_id = $1
           AND EXISTS (SELECT 1 FROM presence p WHERE p.user_id = u.id
                       AND p.heartbeat_at > now() - make_interval(secs => $2))
         ORDER BY u.display_name",
    )
    .bind(practice)
    .bind(f64::from(STALE_SECONDS))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, display_name, role, availability)| crate::realtime::model::OnlinePerson {
                id,
                display_name,
                role,
                availability: availability.unwrap_or(Availability::Available),
            },
        )
        .collect())
}
