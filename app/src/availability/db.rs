//! Availability rows. A person with no row in a practice is available (they never chose).

use crate::availability::model::{Availability, InPractice};
use crate::db::Tx;
use crate::model::{PracticeId, UserId};
use crate::realtime::{Kind, LiveEvent};

/// The person's availability in each practice they belong to.
pub async fn mine(tx: &mut Tx, user: UserId) -> Result<Vec<InPractice>, sqlx::Error> {
    let rows: Vec<(PracticeId, Option<Availability>, Option<Availability>)> = sqlx::query_as(
        "SELECT m.practice_id, a.chosen, a.state
         FROM memberships m JOIN practices p ON p.id = m.practice_id
         LEFT JOIN availability a ON a.practice_id = m.practice_id AND a.user_id = m.user_id
         WHERE m.user_id = $1
         ORDER BY p.name",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(practice, chosen, now)| InPractice {
            practice,
            chosen: chosen.unwrap_or(Availability::Available),
            now: now.unwrap_or(Availability::Available),
        })
        .collect())
}

/// Sets the person's choice in `practices`; it holds at once.
pub async fn choose(
    tx: &mut Tx,
    user: UserId,
    practices: &[PracticeId],
    chosen: Availability,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO availability (practice_id, user_id, chosen, state, automatic)
         SELECT p, $2, $3, $3, false FROM unnest($1::uuid[]) AS p
         ON CONFLICT (practice_id, user_id) DO UPDATE
           SET chosen = excluded.chosen, state = excluded.state, automatic = false, changed_at = now()",
    )
    .bind(practices)
    .bind(user)
    .bind(chosen)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What happened to the person that changes their availability on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happened {
    /// A page of theirs closed or went idle: if none is open and in use any more, available
    /// or busy become away.
    Gone,
    /// They signed out (or their session ended): unless signed in elsewhere too, everything
    /// becomes off.
    SignedOut,
    /// A page of theirs is open, or in use, again: what was set automatically goes back to
    /// their choice.
    Back,
}

/// Applies `what` to the person's rows in every practice of the transaction's scope;
/// returns the practices whose state changed.
pub async fn happened(tx: &mut Tx, user: UserId, what: Happened) -> Result<Vec<PracticeId>, sqlx::Error> {
    let sql = match what {
        Happened::Gone => {
            "UPDATE availability SET state = 'away', automatic = true, changed_at = now()
             WHERE user_id = $1 AND state IN ('available', 'busy')
               AND NOT EXISTS (SELECT 1 FROM presence p WHERE p.user_id = $1 AND p.idle_since IS NULL
                               AND p.heartbeat_at > now() - make_interval(secs => $2))
             RETURNING practice_id"
        }
        Happened::SignedOut => {
            "UPDATE availability SET state = 'off', automatic = true, changed_at = now()
             WHERE user_id = $1 AND state <> 'off'
               AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL
                               AND s.last_seen_at > now() - make_interval(mins => s.idle_timeout_minutes))
             RETURNING practice_id"
        }
        Happened::Back => {
            "UPDATE availability SET state = chosen, automatic = false, changed_at = now()
             WHERE user_id = $1 AND automatic
             RETURNING practice_id"
        }
    };
    if what != Happened::Back {
        // Someone who never chose has no row: write their default first, so it can change.
        sqlx::query(
            "INSERT INTO availability (practice_id, user_id)
             SELECT practice_id, user_id FROM memberships WHERE user_id = $1
             ON CONFLICT DO NOTHING",
        )
        .bind(user)
        .execute(&mut **tx)
        .await?;
    }
    let rows: Vec<(PracticeId,)> = sqlx::query_as(sql)
        .bind(user)
        .bind(f64::from(crate::realtime::db::STALE_SECONDS))
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// The practice's people who are available now and have a page open: whom routing may
/// hand work to.
pub async fn reachable(tx: &mut Tx, practice: PracticeId) -> Result<Vec<UserId>, sqlx::Error> {
    let rows: Vec<(UserId,)> = sqlx::query_as(
        "SELECT m.user_id FROM memberships m
         LEFT JOIN availability a ON a.practice_id = m.practice_id AND a.user_id = m.user_id
         WHERE m.practice_id = $1 AND COALESCE(a.state, 'available') = 'available'
           AND EXISTS (SELECT 1 FROM presence p WHERE p.user_id = m.user_id
                       AND p.heartbeat_at > now() - make_interval(secs => $2))
         ORDER BY m.user_id",
    )
    .bind(practice)
    .bind(f64::from(crate::realtime::db::STALE_SECONDS))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Tells each practice that the person's availability changed there.
pub async fn announce(tx: &mut Tx, user: UserId, practices: &[PracticeId]) -> Result<(), sqlx::Error> {
    for practice in practices {
        let event = LiveEvent::practice(*practice, Kind::Availability, Some(user.0));
        crate::realtime::db::publish(tx, &event).await?;
    }
    Ok(())
}

/// [`happened`], announced where it changed something.
pub async fn apply(tx: &mut Tx, user: UserId, what: Happened) -> Result<(), sqlx::Error> {
    let changed = happened(tx, user, what).await?;
    announce(tx, user, &changed).await
}
