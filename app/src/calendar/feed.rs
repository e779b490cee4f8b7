//! Calendar subscription feeds on the server: the secret link a calendar app polls
//! (`/feeds/<token>.ics`), and making and revoking those links.

use crate::audit::db::{self as audit, Event};
use crate::audit::model::Action;
use crate::auth::session;
use crate::calendar::ics::{self, FeedEvent};
use crate::calendar::model::{EntryKind, Status};
use crate::calendar::rules::Span;
use crate::calendar::{book, db};
use crate::db::{begin_link, Tx};
use crate::error::AppError;
use crate::model::{FeedId, PracticeId, UserId};
use chrono::{Duration, Utc};
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::PgPool;

/// The longest a feed may be made to last (without an expiry it lasts until revoked).
pub const MAX_DAYS: u32 = 366;

/// How far back and ahead a feed reaches.
const DAYS_BACK: i64 = 30;
const DAYS_AHEAD: i64 = 180;

/// The feed a token names, as iCalendar text; `NotFound` for an unknown or revoked token
/// (counted against the client address `ip`). The token finds the feed; everything after
/// runs scoped to the feed's practice alone.
pub async fn serve(pool: &PgPool, ip: Option<IpNetwork>, token: &str) -> Result<String, AppError> {
    let hash = session::hash_token(token);
    let ((feed, provider), practice, mut tx) = begin_link(pool, ip, async |c| {
        Ok(db::feed_by_token(c, &hash)
            .await?
            .map(|(feed, practice, provider)| ((feed, provider), practice)))
    })
    .await?;
    let (practice_name, tz, _) = book::zone(&mut tx, practice).await?;
    let names = db::feed_patient_names(&mut tx, practice).await?;
    let now = Utc::now();
    let window = Span::new(now - Duration::days(DAYS_BACK), now + Duration::days(DAYS_AHEAD));
    let rows = db::feed_entries(&mut tx, practice, provider, window, names).await?;
    let mut patients: Vec<crate::model::PatientId> = rows.iter().filter_map(|r| r.12).collect();
    patients.dedup();
    let events: Vec<FeedEvent> = rows
        .into_iter()
        .map(|r| {
            let (id, kind, start, end, stamp, version, status) = (r.0, r.1, r.2, r.3, r.4, r.5, r.6);
            let (type_name, patient, title, room, provider_name) = (r.7, r.8, r.9, r.10, r.11);
            FeedEvent {
                uid: format!("{id}@switchboard"),
                start,
                end,
                stamp,
                sequence: version - 1,
                summary: summary(
                    kind,
                    &type_name,
                    &patient,
                    &title,
                    provider.is_none().then_some(&provider_name),
                ),
                location: room,
                description: format!("Status: {}", status.label()),
                tentative: status == Status::Scheduled,
            }
        })
        .collect();
    let title = match provider {
        Some(p) => {
            let who = db::people(&mut tx, practice)
                .await?
                .into_iter()
                .find(|(person, _)| person.id == p)
                .map(|(person, _)| person.name)
                .unwrap_or_default();
            format!("{practice_name}: {who}")
        }
        None => practice_name,
    };
    db::touch_feed(&mut tx, feed).await?;
    let detail = serde_json::json!({ "events": events.len(), "patient_names": names });
    audit::record(
        &mut tx,
        Event {
            practice: Some(practice),
            subject_type: Some("feed"),
            subject_id: Some(feed.to_string()),
            detail,
            patients,
            ..Event::new(Action::CalendarFeedRead)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ics::calendar(&title, &tz, window, &events))
}

/// An event's title: an appointment by its type (and patient, when the practice allows; and
/// provider, in a whole-practice feed), a meeting or block by its own title.
fn summary(
    kind: EntryKind,
    type_name: &str,
    patient: &str,
    title: &str,
    provider: Option<&String>,
) -> String {
    match kind {
        EntryKind::Appointment => {
            let mut parts: Vec<&str> = vec![];
            if !patient.is_empty() {
                parts.push(patient);
            }
            parts.push(if type_name.is_empty() {
                "Appointment"
            } else {
                type_name
            });
            if let Some(p) = provider.filter(|p| !p.is_empty()) {
                parts.push(p);
            }
            parts.join(" · ")
        }
        EntryKind::Meeting | EntryKind::Block if title.is_empty() => "Busy".into(),
        EntryKind::Meeting | EntryKind::Block => title.to_string(),
    }
}

/// Makes a feed and returns its secret path (shown once; only its hash is kept).
pub async fn create(
    tx: &mut Tx,
    practice: PracticeId,
    provider: Option<UserId>,
    label: &str,
    days: Option<u32>,
    by: UserId,
) -> Result<(FeedId, String), AppError> {
    if let Some(p) = provider {
        book::require_provider(tx, practice, p).await?;
    }
    let label = label.trim();
    if label.chars().count() > 80 {
        return Err(AppError::invalid("The label is at most 80 characters."));
    }
    let expires_at = match days {
        None => None,
        Some(d @ 1..=MAX_DAYS) => Some(Utc::now() + Duration::days(d.into())),
        Some(_) => {
            return Err(AppError::invalid(
                "A feed lasts 1 to 366 days, or until it is revoked.",
            ))
        }
    };
    let (token, hash) = session::new_token();
    let id = db::insert_feed(tx, practice, provider, label, &hash, by, expires_at).await?;
    Ok((id, format!("/feeds/{token}.ics")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointments_are_named_by_type_and_only_name_the_patient_when_given() {
        let dr = "Dr. Rao".to_string();
        assert_eq!(
            summary(EntryKind::Appointment, "Follow-up", "", "", None),
            "Follow-up"
        );
        assert_eq!(
            summary(EntryKind::Appointment, "Follow-up", "Ann Lee", "", Some(&dr)),
            "Ann Lee · Follow-up · Dr. Rao"
        );
        assert_eq!(summary(EntryKind::Block, "", "", "Lunch", Some(&dr)), "Lunch");
        assert_eq!(summary(EntryKind::Meeting, "", "", "", None), "Busy");
    }
}
