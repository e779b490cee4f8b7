//! Queries of the outbox.

use crate::db::Tx;
use crate::mail::model::KeptMail;
use crate::mail::rules;
use crate::model::PracticeId;
use uuid::Uuid;

/// A message to send. `practice` is the practice it concerns, if any.
pub struct Outgoing<'a> {
    pub practice: Option<PracticeId>,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queues a message; it leaves when (and only if) the transaction commits.
pub async fn enqueue(tx: &mut Tx, mail: Outgoing<'_>) -> Result<Uuid, sqlx::Error> {
    enqueue_held(tx, mail, 0).await
}

/// Queues a message that waits `hold_seconds` before it leaves: until then [`withdraw`]
/// takes it back (a change that can be undone).
#[tracing::instrument(skip_all)]
pub async fn enqueue_held(tx: &mut Tx, mail: Outgoing<'_>, hold_seconds: i64) -> Result<Uuid, sqlx::Error> {
    if let Some(problem) = rules::subject_problem(mail.subject) {
        return Err(sqlx::Error::Protocol(format!("mail subject refused: {problem}")));
    }
    let (id,): (Uuid,) = sqlx::query_as(
        "INSERT INTO mail_outbox (practice_id, to_address, subject, body_text, next_attempt_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING id",
    )
    .bind(mail.practice)
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(hold_seconds as f64)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// Takes back a message that has not been sent; false if it has (or is being sent: a worker
/// holding it makes this wait for the outcome). The message is gone, as if never written.
pub async fn withdraw(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM mail_outbox WHERE id = $1 AND sent_at IS NULL")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Due {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

/// Locks the next due message. Other workers skip it until this transaction ends, so no
/// two nodes send the same message at once; each message is claimed, sent and marked in a
/// transaction of its own.
#[tracing::instrument(skip_all)]
pub async fn claim_next(tx: &mut Tx) -> Result<Option<Due>, sqlx::Error> {
    let row: Option<(Uuid, String, String, String, i32)> = sqlx::query_as(
        "SELECT id, to_address, subject, body_text, attempts FROM mail_outbox
         WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < $1
         ORDER BY next_attempt_at
         LIMIT 1
         FOR UPDATE SKIP LOCKED",
    )
    .bind(rules::MAX_ATTEMPTS)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, to, subject, body, attempts)| Due {
        id,
        to,
        subject,
        body,
        attempts,
    }))
}

/// Secret links in a body (`/invite/…`, `/reset/…`, `/a/…`, `/w/…`): a token is at least 16
/// URL-safe characters. PostgreSQL's regular expression, for `regexp_replace`.
const SECRET_LINK: &str = "/(invite|reset|a|w)/[A-Za-z0-9_-]{16,}";

/// Marks a message sent, keeping no usable link in the stored body: whoever reads the
/// outbox or a backup later holds no working invitation or password reset.
pub async fn mark_sent(tx: &mut Tx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL,
                body_text = regexp_replace(body_text, $2, '/\\1/(link removed once sent)', 'g')
         WHERE id = $1",
    )
    .bind(id)
    .bind(SECRET_LINK)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a sent message's body becomes after [`rules::SENT_BODIES_KEPT_DAYS`].
pub const REMOVED_BODY: &str = "(removed after the retention period)";

/// Empties the bodies of messages sent longer ago than the retention period; the rest of
/// the row (who, when, subject) stays as the record. Returns how many.
pub async fn purge_sent_bodies(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE mail_outbox SET body_text = $1
         WHERE sent_at < now() - make_interval(days => $2) AND body_text <> $1",
    )
    .bind(REMOVED_BODY)
    .bind(rules::SENT_BODIES_KEPT_DAYS)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Records a failed attempt: a permanent refusal gives the message up at once, a temporary
/// one is tried again later. `error` is our description, never the server's text (which
/// names recipients).
pub async fn mark_failed(
    tx: &mut Tx,
    id: Uuid,
    attempts_before: i32,
    error: &str,
    permanent: bool,
) -> Result<(), sqlx::Error> {
    let attempts = if permanent {
        rules::MAX_ATTEMPTS
    } else {
        attempts_before + 1
    };
    let delay = rules::retry_delay_seconds(attempts);
    sqlx::query(
        "UPDATE mail_outbox SET attempts = $2, last_error = $3,
                next_attempt_at = now() + make_interval(secs => $4)
         WHERE id = $1",
    )
    .bind(id)
    .bind(attempts)
    .bind(error.chars().take(500).collect::<String>())
    .bind(delay as f64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The mail server could not be reached: no fault of the message's, so it keeps its
/// attempts and stays due (the worker waits before trying again, not each message).
pub async fn mark_unreachable(tx: &mut Tx, id: Uuid, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mail_outbox SET last_error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The newest messages of the outbox, sent or not.
#[tracing::instrument(skip_all)]
pub async fn recent(tx: &mut Tx, limit: i64) -> Result<Vec<KeptMail>, sqlx::Error> {
    sqlx::query_as(
        r#"SELECT o.id, o.practice_id, p.name AS practice, o.to_address AS to, o.subject,
                regexp_replace(o.body_text, $2, '/\1/(secret link hidden)', 'g') AS body,
                to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') AS created_at,
                to_char(o.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') AS sent_at,
                o.attempts, o.last_error
         FROM mail_outbox o LEFT JOIN practices p ON p.id = o.practice_id
         ORDER BY o.created_at DESC LIMIT $1"#,
    )
    .bind(limit)
    .bind(SECRET_LINK)
    .fetch_all(&mut **tx)
    .await
}
