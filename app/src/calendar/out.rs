//! "Clinician out": a provider is marked out for a range; every appointment it touches gets
//! a proposed new slot (same type, nearest free time with that provider or another allowed
//! one); the assistant accepts or alters each, and all of it happens in one transaction.

use crate::calendar::book::{self, Move};
use crate::calendar::db;
use crate::calendar::model::{OutChoice, OutRow, Outcome};
use crate::calendar::rules::{local_to_utc, ExceptionKind, Span};
use crate::calendar::text;
use crate::db::Tx;
use crate::error::AppError;
use crate::model::{EntryId, PracticeId, UserId};
use chrono::{NaiveDateTime, Utc};
use chrono_tz::Tz;

/// An absence as typed (local times), checked.
fn window(tz: &Tz, from: NaiveDateTime, to: NaiveDateTime) -> Result<Span, AppError> {
    if to <= from || (to - from).num_days() > 92 {
        return Err(AppError::invalid(
            "Give when the absence starts and ends (at most three months).",
        ));
    }
    Ok(Span::new(local_to_utc(tz, from), local_to_utc(tz, to)))
}

/// Records the absence as time off; returns its span.
async fn mark_out(
    tx: &mut Tx,
    practice: PracticeId,
    tz: &Tz,
    provider: UserId,
    (from, to): (NaiveDateTime, NaiveDateTime),
    note: &str,
    by: UserId,
) -> Result<Span, AppError> {
    book::require_provider(tx, practice, provider).await?;
    let span = window(tz, from, to)?;
    book::check_note(note)?;
    db::insert_exception(tx, practice, provider, ExceptionKind::Off, span, note.trim(), by).await?;
    Ok(span)
}

/// The affected appointments with proposals. Works by doing it: marks the provider out and
/// moves each appointment to its first proposal, so that later rows see earlier ones; the
/// caller rolls the transaction back.
pub async fn plan(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    provider: UserId,
    range: (NaiveDateTime, NaiveDateTime),
) -> Result<Vec<OutRow>, AppError> {
    let here = book::setup_and_zone(tx, practice).await?;
    let (setup, tz) = (&here.0, here.1);
    let span = mark_out(tx, practice, &tz, provider, range, "", by).await?;
    let mut rows = Vec::new();
    for (id, version, patient, type_name, starts_at, has_email, patient_id) in
        db::appointments_of(tx, practice, provider, span).await?
    {
        let entry = db::entry(tx, practice, id, false)
            .await?
            .ok_or(AppError::NotFound)?;
        let from =
            local_to_utc(&tz, entry.start_local.date().and_time(chrono::NaiveTime::MIN)).max(Utc::now());
        let offers = match entry.type_id {
            Some(t) => {
                book::offers_near(
                    tx,
                    practice,
                    &tz,
                    setup,
                    t,
                    provider,
                    from,
                    3,
                    book::Prefer::Soonest,
                )
                .await?
            }
            None => vec![],
        };
        // The first offer that can really be taken is held (and shown first), so that the
        // later rows see it; one that cannot (taken by an earlier row's move) is not offered.
        let mut offers = offers;
        let mut held = None;
        for (i, o) in offers.iter().enumerate() {
            let tentative = Move {
                id,
                version,
                start: o.start_local,
                provider: Some(o.provider),
                room: o.room,
                override_availability: false,
                at: Some(o.starts_at),
            };
            if matches!(
                book::move_one(tx, practice, &here, Some(by), tentative, true).await?,
                Outcome::Done { .. }
            ) {
                held = Some(i);
                break;
            }
        }
        if let Some(i) = held {
            offers.drain(..i);
        }
        rows.push(OutRow {
            id,
            version,
            patient,
            patient_id,
            type_name,
            start_local: starts_at.with_timezone(&tz).naive_local(),
            has_email,
            offers,
        });
    }
    Ok(rows)
}

/// Marks the provider out and moves the chosen appointments, all or nothing. Returns the
/// moved appointments.
pub async fn apply(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    provider: UserId,
    range: (NaiveDateTime, NaiveDateTime),
    note: &str,
    choices: &[OutChoice],
) -> Result<Vec<EntryId>, AppError> {
    let here = book::setup_and_zone(tx, practice).await?;
    let tz = here.1;
    let span = mark_out(tx, practice, &tz, provider, range, note, by).await?;
    let affected = db::appointments_of(tx, practice, provider, span).await?;
    let mut moved = Vec::new();
    for choice in choices {
        let Some(row) = affected.iter().find(|a| a.0 == choice.id) else {
            return Err(AppError::invalid(
                "An appointment in the list is no longer affected: show the affected appointments again.",
            ));
        };
        let Some(to) = &choice.to else { continue };
        let m = Move {
            id: choice.id,
            version: choice.version,
            start: to.start_local,
            provider: Some(to.provider),
            room: to.room,
            override_availability: false,
            at: Some(to.starts_at),
        };
        match book::move_one(tx, practice, &here, Some(by), m, true).await? {
            Outcome::Done { .. } => moved.push(choice.id),
            _ => {
                return Err(AppError::invalid(format!(
                    "{} with {} is no longer free for the appointment of {}: show the affected appointments again. Nothing was changed.",
                    text::when_short(to.start_local),
                    to.provider_name,
                    text::when_short(row.4.with_timezone(&tz).naive_local()),
                )))
            }
        }
    }
    Ok(moved)
}
