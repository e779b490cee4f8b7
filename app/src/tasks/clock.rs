//! The tasks' clock, run by the server every minute: a waiting task comes back when its
//! follow-up time comes (its person is told), and a task past its due time is escalated once
//! to the practice's chosen person or its admins (a notification and an e-mail through the
//! outbox). Both are written in the task's history by the system, in one transaction with
//! their notices: a crash loses none and repeats none.

use crate::db::{begin, Scope};
use crate::error::AppError;
use crate::model::PracticeId;
use crate::notifications::model::Topic;
use crate::tasks::db;
use crate::tasks::notices::{announce, tell};
use sqlx::PgPool;

/// Tasks one round moves at most of each kind (the rest follow in the next round).
const PER_ROUND: i64 = 200;

/// What a round did: tasks brought back from waiting, tasks escalated.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub back: usize,
    pub escalated: usize,
}

pub async fn tick(pool: &PgPool, public_url: &str) -> Result<Round, AppError> {
    let mut tx = begin(pool, &Scope::All { user: None }).await?;
    let back = db::bring_back(&mut tx, PER_ROUND).await?;
    for (practice, task, number, assignee) in &back {
        if let Some(to) = assignee {
            let text = format!("Task #{number} is back from waiting");
            tell(&mut tx, *practice, *to, Topic::TaskFollowUp, *task, &text).await?;
        }
        announce(&mut tx, *practice, *task).await?;
    }
    let late = db::escalate(&mut tx, PER_ROUND).await?;
    let mut practices: Vec<PracticeId> = late.iter().map(|t| t.0).collect();
    practices.dedup();
    let people = db::escalation_people(&mut tx, &practices).await?;
    for (practice, task, number, _) in &late {
        let text = format!("Task #{number} is past its due time");
        let link = format!(
            "{}/p/{practice}/tasks?task={task}",
            public_url.trim_end_matches('/')
        );
        for (_, to, email, name) in people.iter().filter(|p| p.0 == *practice) {
            tell(&mut tx, *practice, *to, Topic::TaskLate, *task, &text).await?;
            let body = format!(
                "Task #{number} of {name} is past its due time and nobody has finished it.\n\nOpen it: {link}\n"
            );
            crate::mail::db::enqueue(
                &mut tx,
                crate::mail::db::Outgoing {
                    practice: Some(*practice),
                    to: email,
                    subject: "A task is past its due time",
                    body: &body,
                },
            )
            .await?;
        }
        announce(&mut tx, *practice, *task).await?;
    }
    tx.commit().await?;
    Ok(Round {
        back: back.len(),
        escalated: late.len(),
    })
}
