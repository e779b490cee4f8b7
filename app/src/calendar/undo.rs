//! Undoing a change made on the calendar: for [`UNDO_SECONDS`], by the person who made it,
//! while nobody changed the entry since. The patient's notice of the change waits in the
//! outbox that long, and undo withdraws it, so the patient hears of neither.

use crate::calendar::book;
use crate::calendar::db::{self, Before};
use crate::calendar::model::{Status, UNDO_SECONDS};
use crate::db::Tx;
use crate::error::AppError;
use crate::model::{EntryId, PracticeId, UndoId, UserId};

/// What a change is, as its undo is kept.
#[derive(Clone, Copy)]
pub enum Change {
    /// A new appointment: undo cancels it.
    Booked,
    Moved(Before),
    Status(Before),
}

/// Where entry `id` is now and what it is: a move's or status change's `before`, read
/// before the change.
pub async fn before(tx: &mut Tx, practice: PracticeId, id: EntryId) -> Result<Before, AppError> {
    let e = db::entry(tx, practice, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Before::of(&e))
}

/// Keeps how to undo `change` of `entry`, just made by `by`, and the notice it queued.
pub async fn keep(
    tx: &mut Tx,
    practice: PracticeId,
    by: UserId,
    entry: EntryId,
    change: Change,
    mail: Option<uuid::Uuid>,
) -> Result<UndoId, AppError> {
    let now = db::entry(tx, practice, entry, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let (kind, before) = match change {
        Change::Booked => (
            "booked",
            Before {
                status: Status::Cancelled,
                ..Before::of(&now)
            },
        ),
        Change::Moved(b) => ("moved", b),
        Change::Status(b) => ("status", b),
    };
    Ok(db::insert_undo(tx, practice, entry, by, kind, now.version, &before, mail).await?)
}

/// Undoes a kept change of `by`'s. Returns the entry.
pub async fn undo(tx: &mut Tx, practice: PracticeId, by: UserId, id: UndoId) -> Result<EntryId, AppError> {
    let kept = db::undo_row(tx, practice, id, UNDO_SECONDS)
        .await?
        .ok_or(AppError::NotFound)?;
    if kept.made_by != by {
        return Err(AppError::Forbidden);
    }
    if kept.undone {
        return Err(AppError::invalid("That change is undone already."));
    }
    if !kept.fresh {
        return Err(AppError::invalid(
            "It is too late to undo that: change the entry back in its details.",
        ));
    }
    let e = db::entry(tx, practice, kept.entry_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.version != kept.version {
        return Err(AppError::invalid(
            "Someone changed this entry since: change it back in its details.",
        ));
    }
    if let Some(mail) = kept.mail_id {
        if !crate::mail::db::withdraw(tx, mail).await? {
            return Err(AppError::invalid(
                "The patient's e-mail has left already: change the entry back in its details (which tells them).",
            ));
        }
    }
    book::put_back(tx, practice, by, &e, &kept.before).await?;
    db::mark_undone(tx, id).await?;
    Ok(e.id)
}
