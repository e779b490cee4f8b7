//! Writing, listing and marking notifications.

use crate::db::Tx;
use crate::model::{PracticeId, UserId};
use crate::notifications::model::{Bell, Notification, Topic, BELL_SIZE};
use crate::realtime::{Audience, Kind, LiveEvent};
use chrono::{DateTime, Utc};

/// A notification to write.
pub struct Notice<'a> {
    pub practice: PracticeId,
    pub to: UserId,
    pub topic: Topic,
    /// Short, never patient data.
    pub text: &'a str,
    /// `/p/...`, ids only.
    pub link: &'a str,
}

/// Writes the notification and tells the person's open pages, when the transaction commits.
pub async fn notify(tx: &mut Tx, notice: Notice<'_>) -> Result<uuid::Uuid, sqlx::Error> {
    // The id is made here: RETURNING would need the writer to be able to read the row,
    // and only its person can.
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO notifications (id, practice_id, user_id, kind, text, link)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(notice.practice)
    .bind(notice.to)
    .bind(notice.topic.as_str())
    .bind(notice.text)
    .bind(notice.link)
    .execute(&mut **tx)
    .await?;
    let event = LiveEvent {
        practice: notice.practice,
        to: Audience::Person(notice.to),
        kind: Kind::Notification,
        subject: Some(id),
    };
    crate::realtime::db::publish(tx, &event).await?;
    Ok(id)
}

/// The person's unread count and latest notifications, in the practices of the scope.
pub async fn bell(tx: &mut Tx, user: UserId) -> Result<Bell, sqlx::Error> {
    let (unread,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(&mut **tx)
            .await?;
    type Row = (
        uuid::Uuid,
        PracticeId,
        String,
        String,
        String,
        DateTime<Utc>,
        bool,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT n.id, n.practice_id, p.name, n.text, n.link, n.created_at, n.read_at IS NOT NULL
         FROM notifications n JOIN practices p ON p.id = n.practice_id
         WHERE n.user_id = $1
         ORDER BY n.created_at DESC, n.id
         LIMIT $2",
    )
    .bind(user)
    .bind(BELL_SIZE)
    .fetch_all(&mut **tx)
    .await?;
    let latest = rows
        .into_iter()
        .map(
            |(id, practice, practice_name, text, link, at, read)| Notification {
                id,
                practice,
                practice_name,
                text,
                link,
                at: at.timestamp(),
                read,
            },
        )
        .collect();
    Ok(Bell { unread, latest })
}

/// Marks the person's notifications read: those named, or all. Returns how many changed.
pub async fn mark_read(tx: &mut Tx, user: UserId, ids: Option<&[uuid::Uuid]>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = now()
         WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY ($2))",
    )
    .bind(user)
    .bind(ids)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
