//! What a change of a task tells others: the practice's open pages (a live event, ids only)
//! and a person (a notification whose text says no more than the task's number).

use crate::db::Tx;
use crate::error::AppError;
use crate::model::{PracticeId, TaskId, UserId};
use crate::notifications::{db::Notice, model::Topic};

/// Tells the practice's open pages that a task changed.
pub async fn announce(tx: &mut Tx, practice: PracticeId, task: TaskId) -> Result<(), AppError> {
    let event = crate::realtime::LiveEvent::practice(practice, crate::realtime::Kind::Task, Some(task.0));
    crate::realtime::db::publish(tx, &event).await?;
    Ok(())
}

/// A notification about a task, leading to it.
pub async fn tell(
    tx: &mut Tx,
    practice: PracticeId,
    to: UserId,
    topic: Topic,
    task: TaskId,
    text: &str,
) -> Result<(), AppError> {
    let link = format!("/p/{practice}/tasks?task={task}");
    crate::notifications::db::notify(
        tx,
        Notice {
            practice,
            to,
            topic,
            text,
            link: &link,
        },
    )
    .await?;
    Ok(())
}
