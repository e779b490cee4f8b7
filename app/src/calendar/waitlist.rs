//! The waitlist: patients with an appointment who would take an earlier one. The front desk
//! sees, for each, the earliest free slot in their window; offers a slot by e-mail to every
//! patient it suits; the first to claim it by the link has their appointment moved there,
//! the others are told it is gone.

use crate::audit::model::Action;
use crate::auth::session;
use crate::calendar::book::{self, Move};
use crate::calendar::db;
use crate::calendar::model::{ClaimView, Offer, Outcome, Setup, Status, Waiting};
use crate::calendar::notices::{self, Notice};
use crate::calendar::rules::{local_to_utc, Span};
use crate::db::{begin_link, Tx};
use crate::error::AppError;
use crate::mail::db::{enqueue, Outgoing};
use crate::model::{EntryId, PatientId, PracticeId, UserId};
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::types::ipnetwork::IpNetwork;
use sqlx::PgPool;
use uuid::Uuid;

/// Puts the patient of appointment `entry` on the waitlist for `[earliest, latest]`:
/// the waitlist row and the patient.
pub async fn add(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    entry: EntryId,
    window: (NaiveDate, NaiveDate),
    note: &str,
) -> Result<(Uuid, PatientId), AppError> {
    let e = db::entry(tx, practice, entry, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let (earliest, latest) = window;
    let (Some(patient), true) = (
        e.patient_id,
        matches!(e.status, Status::Scheduled | Status::Confirmed),
    ) else {
        return Err(AppError::invalid(
            "Only a booked appointment can wait for an earlier slot.",
        ));
    };
    if latest < earliest || latest >= e.start_local.date() {
        return Err(AppError::invalid(
            "The window ends before the appointment it would replace, and after it starts.",
        ));
    }
    book::check_note(note)?;
    match db::insert_waiting(tx, practice, entry, window, note.trim(), by).await {
        Ok(id) => Ok((id, patient)),
        Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            Err(AppError::invalid("This appointment is already on the waitlist."))
        }
        Err(e) => Err(e.into()),
    }
}

/// The open waitlist, each with the earliest free slot inside their window and before the
/// appointment they have.
pub async fn list(tx: &mut Tx, practice: PracticeId) -> Result<Vec<Waiting>, AppError> {
    let (setup, tz): (Setup, Tz) = book::setup_and_zone(tx, practice).await?;
    let mut out = Vec::new();
    for (
        id,
        entry_id,
        patient,
        has_email,
        type_id,
        type_name,
        _,
        starts_at,
        earliest,
        latest,
        offered,
        patient_id,
    ) in db::open_waiting(tx, practice).await?
    {
        let from = local_to_utc(&tz, earliest.and_time(NaiveTime::MIN)).max(Utc::now());
        let to = local_to_utc(&tz, (latest + Duration::days(1)).and_time(NaiveTime::MIN)).min(starts_at);
        let slot = if from < to {
            let allowed: Vec<UserId> = setup
                .types
                .iter()
                .find(|t| t.id == type_id)
                .map(|t| {
                    setup
                        .providers
                        .iter()
                        .map(|p| p.id)
                        .filter(|p| t.allows(*p))
                        .collect()
                })
                .unwrap_or_default();
            book::find(
                tx,
                practice,
                &tz,
                &setup,
                type_id,
                &allowed,
                Span::new(from, to),
                1,
            )
            .await?
            .into_iter()
            .next()
        } else {
            None
        };
        out.push(Waiting {
            id,
            entry_id,
            patient,
            patient_id,
            has_email,
            type_name,
            booked_local: starts_at.with_timezone(&tz).naive_local(),
            earliest,
            latest,
            slot,
            offered,
        });
    }
    Ok(out)
}

/// Offers `slot` by e-mail to the waiting patients `ids` (those without an address are
/// skipped); returns how many were written to.
pub async fn offer(
    tx: &mut Tx,
    public_url: &str,
    practice: PracticeId,
    by: UserId,
    slot: &Offer,
    ids: &[Uuid],
) -> Result<usize, AppError> {
    let (setup, tz) = book::setup_and_zone(tx, practice).await?;
    let waiting = db::open_waiting(tx, practice).await?;
    let starts_at = crate::calendar::rules::instant_of(&tz, slot.start_local, Some(slot.starts_at));
    // The mail names the provider as the practice has them, never as the request says.
    let provider = setup.providers.iter().find(|p| p.id == slot.provider);
    let Some(provider) = provider.filter(|_| starts_at > Utc::now()) else {
        return Err(AppError::invalid(
            "Offer a slot still to come, with one of the practice's clinicians.",
        ));
    };
    let group = Uuid::new_v4();
    let mut sent = 0;
    for id in ids {
        let Some(w) = waiting.iter().find(|w| w.0 == *id) else {
            return Err(AppError::invalid(
                "A patient in the list is no longer waiting: look again.",
            ));
        };
        if !w.3 {
            continue;
        }
        let (token, hash) = session::new_token();
        db::insert_offer(
            tx,
            practice,
            *id,
            group,
            starts_at,
            slot.provider,
            slot.room,
            &hash,
            by,
        )
        .await?;
        let Some((practice_name, _, _, _, email, _)) = db::notice_facts(tx, practice, w.1).await? else {
            continue;
        };
        let body = format!(
            "Hello,\n\nAn earlier appointment has become free at {practice_name}:\n\nWhen: {}\nWith: {}\n\nIf you would like it instead of the one you have, take it here (the first to answer gets it):\n{public_url}/w/{token}\n",
            notices::when_text(&tz, starts_at),
            provider.name,
        );
        enqueue(
            tx,
            Outgoing {
                practice: Some(practice),
                to: &email,
                subject: "An earlier appointment is available",
                body: &body,
            },
        )
        .await?;
        sent += 1;
    }
    Ok(sent)
}

/// The offer a link names, and a transaction scoped to its practice.
async fn open_offer(
    pool: &PgPool,
    ip: Option<IpNetwork>,
    token: &str,
) -> Result<(Uuid, PracticeId, Uuid, Tx), AppError> {
    let hash = session::hash_token(token);
    let ((offer, group), practice, tx) = begin_link(pool, ip, async |c| {
        Ok(db::offer_by_token(c, &hash)
            .await?
            .map(|(offer, practice, group)| ((offer, group), practice)))
    })
    .await?;
    Ok((offer, practice, group, tx))
}

async fn claim_view(
    tx: &mut Tx,
    practice: PracticeId,
    rows: &[db::OfferRow],
    mine: Uuid,
) -> Result<ClaimView, AppError> {
    let row = rows.iter().find(|r| r.0 == mine).ok_or(AppError::NotFound)?;
    let (practice_name, zone, _, _, _, _) = db::notice_facts(tx, practice, row.2)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = crate::calendar::book::parse_zone(&zone)?;
    let provider = db::people(tx, practice)
        .await?
        .into_iter()
        .find(|(p, _)| p.id == row.5)
        .map(|(p, _)| p.name)
        .unwrap_or_default();
    Ok(ClaimView {
        practice: practice_name,
        when: notices::when_text(&tz, row.4),
        provider,
        claimed: row.7.as_deref() == Some("claimed"),
        gone: row.7.as_deref() == Some("gone") || row.4 <= Utc::now(),
    })
}

/// What the offer's page shows.
pub async fn show(pool: &PgPool, ip: Option<IpNetwork>, token: &str) -> Result<ClaimView, AppError> {
    let (offer, practice, group, mut tx) = open_offer(pool, ip, token).await?;
    let rows = db::offers_of_group(&mut tx, group).await?;
    let view = claim_view(&mut tx, practice, &rows, offer).await?;
    if let Some(mine) = rows.iter().find(|r| r.0 == offer) {
        notices::record_patient_event(
            &mut tx,
            practice,
            mine.2,
            Action::WaitlistOfferView,
            serde_json::Value::Null,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(view)
}

/// The patient takes the offered slot: the first claim moves their appointment there and
/// tells the others it is gone; a later one (or a slot no longer free) is told it is gone.
pub async fn claim(
    pool: &PgPool,
    public_url: &str,
    ip: Option<IpNetwork>,
    token: &str,
) -> Result<ClaimView, AppError> {
    let (offer, practice, group, mut tx) = open_offer(pool, ip, token).await?;
    // Locks the slot's offers: two claims of one slot take turns.
    let rows = db::offers_of_group(&mut tx, group).await?;
    let before = claim_view(&mut tx, practice, &rows, offer).await?;
    if before.claimed || before.gone || rows.iter().any(|r| r.7.is_some()) {
        db::settle_offer(&mut tx, offer, "gone").await?;
        let rows = db::offers_of_group(&mut tx, group).await?;
        let view = claim_view(&mut tx, practice, &rows, offer).await?;
        tx.commit().await?;
        return Ok(view);
    }
    let Some(mine) = rows.iter().find(|r| r.0 == offer) else {
        return Err(AppError::NotFound);
    };
    let (_, tz) = book::setup_and_zone(&mut tx, practice).await?;
    let e = db::entry(&mut tx, practice, mine.2, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = Move {
        id: e.id,
        version: e.version,
        start: mine.4.with_timezone(&tz).naive_local(),
        provider: Some(mine.5),
        room: mine.6,
        override_availability: false,
        at: Some(mine.4),
    };
    let moved = matches!(
        book::move_for_patient(&mut tx, practice, m).await?,
        Outcome::Done { .. }
    );
    for r in &rows {
        let won = moved && r.0 == offer;
        db::settle_offer(&mut tx, r.0, if won { "claimed" } else { "gone" }).await?;
        if !won && r.0 != offer && !r.3.is_empty() && r.7.is_none() {
            enqueue(
                &mut tx,
                Outgoing {
                    practice: Some(practice),
                    to: &r.3,
                    subject: "The earlier appointment has been taken",
                    body: "Hello,\n\nThe earlier appointment we offered you has been taken. Your own appointment stays as it was; we will write again if another one becomes free.\n",
                },
            )
            .await?;
        }
    }
    if moved {
        db::close_waiting(&mut tx, practice, mine.1, "claimed").await?;
        notices::notify(&mut tx, public_url, practice, e.id, Notice::Moved).await?;
        notices::record_patient_event(
            &mut tx,
            practice,
            e.id,
            Action::WaitlistClaim,
            serde_json::Value::Null,
        )
        .await?;
    }
    let rows = db::offers_of_group(&mut tx, group).await?;
    let view = claim_view(&mut tx, practice, &rows, offer).await?;
    tx.commit().await?;
    Ok(view)
}
