//! Writing audit events, and reading them back a page at a time.

use crate::audit::model::{Action, AuditPage, AuditQuery, AuditRow, PATIENTS_NAMED};
use crate::db::Tx;
use crate::model::{PatientId, PracticeId, UserId};
use sqlx::types::ipnetwork::IpNetwork;
use std::net::IpAddr;
use uuid::Uuid;

/// One event; `detail` holds ids and field names, never patient data itself.
#[derive(Debug)]
pub struct Event<'a> {
    pub practice: Option<PracticeId>,
    pub actor: Option<UserId>,
    pub action: Action,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<String>,
    pub patient: Option<Uuid>,
    /// Every patient a read showed (a calendar view names everyone on it).
    pub patients: Vec<PatientId>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

impl Event<'_> {
    /// An event with nothing but its action (other fields by struct update).
    pub fn new(action: Action) -> Self {
        Event {
            practice: None,
            actor: None,
            action,
            subject_type: None,
            subject_id: None,
            patient: None,
            patients: Vec::new(),
            ip: None,
            user_agent: None,
            detail: serde_json::Value::Null,
        }
    }

    /// An event of the signed-in `actor` in `practice`.
    pub fn of(actor: &crate::auth::session::Actor, practice: PracticeId, action: Action) -> Self {
        Event {
            practice: Some(practice),
            actor: Some(actor.user()),
            ip: actor.ip,
            ..Event::new(action)
        }
    }
}

#[tracing::instrument(skip_all, fields(action = event.action.name()))]
pub async fn record(tx: &mut Tx, event: Event<'_>) -> Result<(), sqlx::Error> {
    let mut patients: Vec<Uuid> = event.patients.iter().map(|p| p.0).chain(event.patient).collect();
    patients.sort_unstable();
    patients.dedup();
    sqlx::query(
        "INSERT INTO audit_events
           (practice_id, actor_user_id, action, subject_type, subject_id, patient_id, ip, user_agent, detail,
            patient_ids)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(event.practice)
    .bind(event.actor)
    .bind(event.action.name())
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
    .bind(patients)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at_local: String,
    actor: Option<String>,
    action: String,
    subject_type: Option<String>,
    subject_id: Option<String>,
    subject_name: Option<String>,
    ip: Option<String>,
    detail: serde_json::Value,
    patient_ids: Vec<Uuid>,
    patient_names: Vec<String>,
    patient_count: i32,
}

/// A page of the practice's events that `q` asks for, newest first (`limit` of them, and
/// whether there are older ones). Days are the practice's local days. Each row names its
/// first few patients, the one filtered by first.
#[tracing::instrument(skip_all)]
pub async fn page(
    tx: &mut Tx,
    practice: PracticeId,
    q: &AuditQuery,
    limit: i64,
) -> Result<AuditPage, sqlx::Error> {
    let mut rows: Vec<Row> = sqlx::query_as(
        r#"SELECT e.id, to_char(e.at AT TIME ZONE p.time_zone, 'YYYY-MM-DD HH24:MI:SS') AS at_local,
                  u.display_name AS actor, e.action, e.subject_type, e.subject_id,
                  s.display_name AS subject_name, host(e.ip) AS ip, e.detail,
                  ARRAY(SELECT pt.id FROM patients pt WHERE pt.id = ANY (e.patient_ids) AND pt.practice_id = e.practice_id
                        ORDER BY pt.id IS NOT DISTINCT FROM $3 DESC, pt.full_name, pt.id LIMIT $9) AS patient_ids,
                  ARRAY(SELECT pt.full_name FROM patients pt WHERE pt.id = ANY (e.patient_ids) AND pt.practice_id = e.practice_id
                        ORDER BY pt.id IS NOT DISTINCT FROM $3 DESC, pt.full_name, pt.id LIMIT $9) AS patient_names,
                  cardinality(e.patient_ids) AS patient_count
           FROM audit_events e
           JOIN practices p ON p.id = e.practice_id
           LEFT JOIN users u ON u.id = e.actor_user_id
           LEFT JOIN users s ON e.subject_type = 'user' AND s.id::text = e.subject_id
           WHERE e.practice_id = $1
             AND ($2::uuid IS NULL OR e.actor_user_id = $2)
             AND ($3::uuid IS NULL OR e.patient_ids @> ARRAY[$3::uuid])
             AND ($4::text IS NULL OR e.action = $4)
             AND ($5::date IS NULL OR e.at >= ($5::date::timestamp AT TIME ZONE p.time_zone))
             AND ($6::date IS NULL OR e.at < (($6::date + 1)::timestamp AT TIME ZONE p.time_zone))
             AND ($7::bigint IS NULL OR e.id < $7)
           ORDER BY e.id DESC
           LIMIT $8"#,
    )
    .bind(practice)
    .bind(q.person)
    .bind(q.patient)
    .bind(q.action.map(Action::name))
    .bind(q.from)
    .bind(q.to)
    .bind(q.before)
    .bind(limit + 1)
    .bind(PATIENTS_NAMED)
    .fetch_all(&mut **tx)
    .await?;
    let older = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let patient_name = match q.patient {
        Some(p) => {
            sqlx::query_scalar("SELECT full_name FROM patients WHERE id = $1 AND practice_id = $2")
                .bind(p)
                .bind(practice)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| AuditRow {
                what: crate::audit::rules::describe(&r.action, &r.detail),
                id: r.id,
                at_local: r.at_local,
                actor: r.actor,
                action: r.action,
                subject_type: r.subject_type,
                subject_id: r.subject_id,
                subject_name: r.subject_name,
                patients: r
                    .patient_ids
                    .into_iter()
                    .map(PatientId)
                    .zip(r.patient_names)
                    .collect(),
                patient_count: r.patient_count.into(),
                ip: r.ip,
                detail: match &r.detail {
                    serde_json::Value::Object(m) if m.is_empty() => String::new(),
                    d => d.to_string(),
                },
            })
            .collect(),
        older,
        patient_name,
    })
}
