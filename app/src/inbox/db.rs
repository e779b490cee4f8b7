//! The inbox's own queries (its tasks come from `tasks::db::inbox`). Each runs in the
//! caller's scoped transaction; row-level security keeps other practices out whatever the query.

use crate::calendar::model::Status;
use crate::model::{EntryId, PracticeId, UserId};
use crate::practices::rules::Hours;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::types::Json;
use sqlx::PgConnection;

/// Each practice's name, zone and opening hours.
pub async fn clocks(
    conn: &mut PgConnection,
    practices: &[PracticeId],
) -> Result<Vec<(PracticeId, String, String, Hours)>, sqlx::Error> {
    let rows: Vec<(PracticeId, String, String, Json<Hours>)> = sqlx::query_as(
        "SELECT id, name, time_zone, business_hours FROM practices
         WHERE id = ANY($1) AND archived_at IS NULL ORDER BY name",
    )
    .bind(practices)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id, n, z, h)| (id, n, z, h.0)).collect())
}

/// An appointment that may need someone: booked and not confirmed, or arrived.
#[derive(sqlx::FromRow)]
pub struct VisitRec {
    pub practice_id: PracticeId,
    pub id: EntryId,
    pub version: i32,
    pub patient_id: crate::model::PatientId,
    pub patient: String,
    pub provider_id: UserId,
    pub provider: String,
    pub starts_at: DateTime<Utc>,
    pub start_local: NaiveDateTime,
    pub status: Status,
}

/// Appointments of `practices` from today to four days ahead (each practice's local days)
/// that are still only booked, or whose patient has arrived; the caller picks what counts.
pub async fn visits(conn: &mut PgConnection, practices: &[PracticeId]) -> Result<Vec<VisitRec>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.practice_id, e.id, e.version, e.patient_id, pt.full_name AS patient, e.provider_id,
                u.display_name AS provider, e.starts_at, (e.starts_at AT TIME ZONE p.time_zone) AS start_local, e.status
         FROM entries e
         JOIN practices p ON p.id = e.practice_id
         JOIN patients pt ON pt.practice_id = e.practice_id AND pt.id = e.patient_id
         JOIN users u ON u.id = e.provider_id
         WHERE e.practice_id = ANY($1) AND e.kind = 'appointment' AND e.status IN ('scheduled', 'arrived')
           AND e.starts_at >= now() - interval '1 day' AND e.starts_at < now() + interval '5 days'
           AND (e.starts_at AT TIME ZONE p.time_zone)::date >= (now() AT TIME ZONE p.time_zone)::date
         ORDER BY e.starts_at LIMIT 1000",
    )
    .bind(practices)
    .fetch_all(conn)
    .await
}
