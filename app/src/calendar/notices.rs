//! E-mail to patients about their appointments (booked, moved, reminders at the practice's
//! lead times), through the outbox, each with a secret link to confirm or cancel; and what
//! that link does. Subjects carry no patient data; bodies name the practice, the date, the
//! time and the provider, never the patient or the kind of visit.

use crate::audit::db::{self as audit, Event};
use crate::audit::model::Action;
use crate::auth::session;
use crate::calendar::model::{LinkView, Status};
use crate::calendar::{book, db};
use crate::db::{begin, begin_link, Scope, Tx};
use crate::error::AppError;
use crate::mail::db::{enqueue_held, Outgoing};
use crate::model::{EntryId, PracticeId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::PgPool;

/// Why a patient is written to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Notice {
    Booked,
    Moved,
    /// The rule of a series changed (the notice names its first occurrence).
    Repeats,
    /// The practice cancelled it (a series: the occurrence chosen stands for the rest).
    Cancelled,
    /// So many hours before.
    Reminder(i32),
}

impl Notice {
    fn key(self) -> &'static str {
        match self {
            Notice::Booked => "booked",
            Notice::Moved => "moved",
            Notice::Repeats => "repeats",
            Notice::Cancelled => "cancelled",
            Notice::Reminder(_) => "reminder",
        }
    }

    fn lead_hours(self) -> i32 {
        match self {
            Notice::Reminder(h) => h,
            _ => 0,
        }
    }

    pub fn subject(self) -> &'static str {
        match self {
            Notice::Booked => "Your appointment is booked",
            Notice::Moved => "Your appointment has moved",
            Notice::Repeats => "Your repeating appointments have changed",
            Notice::Cancelled => "Your appointment is cancelled",
            Notice::Reminder(_) => "Appointment reminder",
        }
    }
}

/// The text of a notice.
pub fn body(notice: Notice, practice: &str, when: &str, provider: &str, link: &str) -> String {
    let opening = match notice {
        Notice::Booked => format!("{practice} has booked an appointment for you."),
        Notice::Moved => format!("{practice} has moved your appointment to a new time."),
        Notice::Repeats => {
            format!("{practice} has changed when your repeating appointments are. The first of them:")
        }
        Notice::Cancelled => format!("{practice} has cancelled your appointment."),
        Notice::Reminder(_) => format!("A reminder of your appointment at {practice}."),
    };
    let with = if provider.is_empty() {
        String::new()
    } else {
        format!("\nWith: {provider}")
    };
    // A cancelled appointment has nothing left to answer: the way on is a call.
    let next = match notice {
        Notice::Cancelled => "To book another time, please call the practice.".to_owned(),
        _ => format!("Please confirm that you will come, or cancel if you cannot:\n{link}"),
    };
    format!(
        "Hello,\n\n{opening}\n\nWhen: {when}{with}\n\n{next}\n\nIf you did not expect this message, please call the practice.\n"
    )
}

/// "Monday, 7 December 2026 at 10:00 (America/New_York)".
pub fn when_text(tz: &Tz, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(tz);
    format!("{} ({})", local.format("%A, %-d %B %Y at %H:%M"), tz.name())
}

/// Writes to the patient of appointment `entry` (if they have an e-mail address and this
/// notice was not sent before) in the caller's transaction. Returns whether a mail was queued.
pub async fn notify(
    tx: &mut Tx,
    public_url: &str,
    practice: PracticeId,
    entry: EntryId,
    notice: Notice,
) -> Result<bool, AppError> {
    Ok(notify_held(tx, public_url, practice, entry, notice, 0)
        .await?
        .is_some())
}

/// Like [`notify`], the mail waiting `hold_seconds` before it leaves (while the change can
/// be undone). Returns the queued mail, to withdraw.
pub async fn notify_held(
    tx: &mut Tx,
    public_url: &str,
    practice: PracticeId,
    entry: EntryId,
    notice: Notice,
    hold_seconds: i64,
) -> Result<Option<uuid::Uuid>, AppError> {
    let Some((practice_name, zone, starts_at, provider, email, _)) =
        db::notice_facts(tx, practice, entry).await?
    else {
        return Ok(None);
    };
    if email.is_empty() {
        return Ok(None);
    }
    let tz = crate::calendar::book::parse_zone(&zone)?;
    let (token, hash) = session::new_token();
    let made = db::insert_notice(
        tx,
        practice,
        entry,
        notice.key(),
        notice.lead_hours(),
        starts_at,
        &hash,
    )
    .await?;
    if made.is_none() {
        return Ok(None);
    }
    let link = format!("{public_url}/a/{token}");
    let text = body(
        notice,
        &practice_name,
        &when_text(&tz, starts_at),
        &provider,
        &link,
    );
    let mail = enqueue_held(
        tx,
        Outgoing {
            practice: Some(practice),
            to: &email,
            subject: notice.subject(),
            body: &text,
        },
        hold_seconds,
    )
    .await?;
    Ok(Some(mail))
}

/// Queues the reminders that are due, over every practice; returns how many were queued.
/// Several app nodes may run this at once: a notice is recorded once (unique key), and its
/// mail is queued in the same transaction.
pub async fn queue_reminders(pool: &PgPool, public_url: &str) -> Result<usize, AppError> {
    let mut tx = begin(pool, &Scope::All { user: None }).await?;
    let due = db::due_reminders(&mut tx, REMINDERS_PER_PRACTICE).await?;
    tx.commit().await?;
    // Each reminder commits on its own, in its practice's scope: one practice's bad row
    // (or a failure mid-way) never holds back the others'.
    let mut queued = 0;
    let mut failed: Vec<PracticeId> = Vec::new();
    for (practice, entry, lead) in due {
        if failed.contains(&practice) {
            continue;
        }
        let done = async {
            let mut tx = begin(pool, &Scope::Link { practice }).await?;
            let made = notify(&mut tx, public_url, practice, entry, Notice::Reminder(lead)).await?;
            tx.commit().await?;
            Ok::<bool, AppError>(made)
        };
        match done.await {
            Ok(made) => queued += usize::from(made),
            Err(e) => {
                tracing::warn!(%practice, error = ?e, "reminders of a practice failed; its others wait for the next round");
                failed.push(practice);
            }
        }
    }
    Ok(queued)
}

/// Reminders one round queues per practice at most (the rest follow in the next round), so
/// a practice with many cannot crowd out the others.
const REMINDERS_PER_PRACTICE: i64 = 50;

/// The appointment a link names, scoped to its practice: the notice, the practice, the
/// appointment, and a transaction limited to that practice.
async fn open_link(
    pool: &PgPool,
    ip: Option<IpNetwork>,
    token: &str,
) -> Result<(uuid::Uuid, PracticeId, EntryId, Tx), AppError> {
    let hash = session::hash_token(token);
    let ((notice, entry), practice, tx) = begin_link(pool, ip, async |c| {
        Ok(db::notice_by_token(c, &hash)
            .await?
            .map(|(notice, practice, entry)| ((notice, entry), practice)))
    })
    .await?;
    Ok((notice, practice, entry, tx))
}

async fn link_view(tx: &mut Tx, practice: PracticeId, entry: EntryId) -> Result<LinkView, AppError> {
    let (practice_name, zone, starts_at, provider, _, status) = db::notice_facts(tx, practice, entry)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = crate::calendar::book::parse_zone(&zone)?;
    Ok(LinkView {
        practice: practice_name,
        when: when_text(&tz, starts_at),
        provider,
        status,
        open: starts_at > Utc::now() && matches!(status, Status::Scheduled | Status::Confirmed),
    })
}

/// What the link's page shows.
pub async fn show(pool: &PgPool, ip: Option<IpNetwork>, token: &str) -> Result<LinkView, AppError> {
    let (_, practice, entry, mut tx) = open_link(pool, ip, token).await?;
    let view = link_view(&mut tx, practice, entry).await?;
    record_patient_event(
        &mut tx,
        practice,
        entry,
        Action::AppointmentLinkView,
        serde_json::Value::Null,
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// An event of the patient's own (through their e-mail link): no member of staff is its
/// actor; the patient of `entry` is named.
pub async fn record_patient_event(
    tx: &mut Tx,
    practice: PracticeId,
    entry: EntryId,
    action: Action,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    let patient = db::entry(tx, practice, entry, false)
        .await?
        .and_then(|e| e.patient_id);
    audit::record(
        tx,
        Event {
            practice: Some(practice),
            subject_type: Some("entry"),
            subject_id: Some(entry.to_string()),
            patient: patient.map(|p| p.0),
            detail,
            ..Event::new(action)
        },
    )
    .await?;
    Ok(())
}

/// The patient confirms (or cancels) from the link. Only before the appointment, and only
/// while it is scheduled or confirmed.
pub async fn answer(
    pool: &PgPool,
    ip: Option<IpNetwork>,
    token: &str,
    confirm: bool,
) -> Result<LinkView, AppError> {
    let (notice, practice, entry, mut tx) = open_link(pool, ip, token).await?;
    let before = link_view(&mut tx, practice, entry).await?;
    if !before.open {
        return Err(AppError::invalid(
            "This appointment can no longer be changed here: please call the practice.",
        ));
    }
    let next = if confirm {
        Status::Confirmed
    } else {
        Status::Cancelled
    };
    if before.status != next {
        let reason = (!confirm).then_some("Cancelled by the patient (e-mail link)");
        book::change_status(&mut tx, practice, None, entry, None, next, reason).await?;
    }
    db::answer_notice(&mut tx, notice, next.as_str()).await?;
    let detail = serde_json::json!({ "answer": next.as_str() });
    record_patient_event(&mut tx, practice, entry, Action::AppointmentPatientAnswer, detail).await?;
    let after = link_view(&mut tx, practice, entry).await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_names_practice_time_and_link_but_no_patient_data() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(15, 0, 0)
            .unwrap()
            .and_utc();
        let when = when_text(&tz, at);
        assert_eq!(when, "Monday, 7 December 2026 at 10:00 (America/New_York)");
        let text = body(
            Notice::Reminder(48),
            "Hudson Family Medicine",
            &when,
            "Dr. Rao",
            "https://x/a/t",
        );
        assert!(text.contains("A reminder of your appointment at Hudson Family Medicine."));
        assert!(text.contains("When: Monday, 7 December 2026 at 10:00 (America/New_York)\nWith: Dr. Rao"));
        assert!(text.contains("https://x/a/t"));
        for n in [
            Notice::Booked,
            Notice::Moved,
            Notice::Repeats,
            Notice::Cancelled,
            Notice::Reminder(2),
        ] {
            assert!(crate::mail::rules::subject_problem(n.subject()).is_none());
        }
        // A cancellation offers no link to answer: the appointment is gone.
        let cancelled = body(
            Notice::Cancelled,
            "Hudson Family Medicine",
            &when,
            "",
            "https://x/a/t",
        );
        assert!(cancelled.contains("Hudson Family Medicine has cancelled your appointment."));
        assert!(cancelled.contains("please call the practice"));
        assert!(!cancelled.contains("https://x/a/t"));
    }
}
