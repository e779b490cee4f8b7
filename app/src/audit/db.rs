//! Writing audit events.

use crate::db::Tx;
use crate::model::{PracticeId, UserId};
use sqlx::types::ipnetwork::IpNetwork;
use std::net::IpAddr;
use uuid::Uuid;

/// One event. `action` is a stable dotted name (`auth.login`, `practice.update`, …);
/// `detail` holds ids and field names, never patient data itself.
#[derive(Debug, Default)]
pub struct Event<'a> {
    pub practice: Option<PracticeId>,
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<String>,
    pub patient: Option<Uuid>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An event of the signed-in `actor` in `practice` (other fields by struct update).
    pub fn of(actor: &crate::auth::session::Actor, practice: PracticeId, action: &'a str) -> Self {
        Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            action,
            ip: actor.ip,
            ..Default::default()
        }
    }
}

#[tracing::instrument(skip_all, fields(action = event.action))]
pub async fn record(tx: &mut Tx, event: Event<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events
           (practice_id, actor_user_id, action, subject_type, subject_id, patient_id, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(event.practice)
    .bind(event.actor)
    .bind(event.action)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(event.patient)
    .bind(event.ip.map(IpNetwork::from))
    .bind(event.user_agent)
    .bind(if event.detail.is_null() {
        serde_json::json!({})
    } else {
        event.detail
    })
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The practice's events, newest first. Days are the practice's local days.
#[tracing::instrument(skip_all)]
pub async fn list(
    tx: &mut Tx,
    practice: PracticeId,
    person: Option<UserId>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    limit: i64,
) -> Result<Vec<crate::audit::api::AuditRow>, sqlx::Error> {
    sqlx::query_as(
        r#"SELECT e.id, to_char(e.at AT TIME ZONE p.time_zone, 'YYYY-MM-DD HH24:MI:SS') AS at_local,
                  u.display_name AS actor, e.action, e.subject_type, e.subject_id,
                  s.display_name AS subject_name, host(e.ip) AS ip,
                  CASE WHEN e.detail = '{}'::jsonb THEN '' ELSE e.detail::text END AS detail
           FROM audit_events e
           JOIN practices p ON p.id = e.practice_id
           LEFT JOIN users u ON u.id = e.actor_user_id
           LEFT JOIN users s ON e.subject_type = 'user' AND s.id::text = e.subject_id
           WHERE e.practice_id = $1
             AND ($2::uuid IS NULL OR e.actor_user_id = $2)
             AND ($3::date IS NULL OR e.at >= ($3::date::timestamp AT TIME ZONE p.time_zone))
             AND ($4::date IS NULL OR e.at < (($4::date + 1)::timestamp AT TIME ZONE p.time_zone))
           ORDER BY e.at DESC, e.id DESC
           LIMIT $5"#,
    )
    .bind(practice)
    .bind(person)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}
