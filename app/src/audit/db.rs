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
