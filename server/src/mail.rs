//! The outbox worker: sends due messages over SMTP, one message per transaction. A message
//! is claimed with `FOR UPDATE SKIP LOCKED` (so app nodes never send the same one at once),
//! handed to the SMTP server, and marked sent in the same transaction right after the server
//! accepted it. A node that dies between the two sends that one message again, with the
//! same `Message-ID` (derived from the outbox id), which mail systems use to recognise the
//! duplicate; on shutdown the worker finishes the message in hand and stops.
//!
//! A permanent refusal (5xx) gives the message up at once; a temporary one (4xx) retries it
//! after its own back-off. When the server cannot be reached at all, no message is at
//! fault: the worker waits (2 s doubling to 15 s) and tries again, so mail leaves within
//! seconds of the server coming back.

use app::db::{begin, Scope};
use app::mail::db;
use app::mail::rules::{outage_wait_seconds, Failure};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

pub struct MailSettings {
    pub smtp_url: String,
    pub from: String,
    pub poll: Duration,
}

/// What one step of the worker did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing was due.
    Idle,
    Sent,
    Failed(Failure),
}

/// Starts the worker; it runs until `stop` turns true, then finishes the message in hand.
/// The handle ends when it has.
pub fn spawn_worker(
    pool: PgPool,
    settings: MailSettings,
    mut stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
        .map_err(|e| format!("SMTP_URL: {e}"))?
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from: lettre::message::Mailbox = settings.from.parse().map_err(|e| format!("SB_MAIL_FROM: {e}"))?;
    Ok(tokio::spawn(async move {
        let mut outages = 0;
        let mut wait = settings.poll;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {},
                _ = stop.wait_for(|s| *s) => break,
            }
            wait = settings.poll;
            // Send while mail is due, looking at `stop` between messages.
            while !*stop.borrow() {
                match send_next(&pool, &transport, &from).await {
                    Ok(Step::Idle) => break,
                    Ok(Step::Sent) => outages = 0,
                    Ok(Step::Failed(Failure::Unreachable)) => {
                        outages += 1;
                        wait = Duration::from_secs(outage_wait_seconds(outages));
                        tracing::warn!(wait_s = wait.as_secs(), "the mail server could not be reached");
                        break;
                    }
                    Ok(Step::Failed(failure)) => tracing::warn!(?failure, "a message was refused"),
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox step failed");
                        break;
                    }
                }
            }
        }
    }))
}

/// Sends every message due now (tests; the worker does the same with `stop` in between);
/// returns how many were attempted. Stops at the first sign of an outage.
pub async fn send_due(
    pool: &PgPool,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &lettre::message::Mailbox,
) -> Result<usize, sqlx::Error> {
    let mut attempted = 0;
    loop {
        match send_next(pool, transport, from).await? {
            Step::Idle => return Ok(attempted),
            Step::Failed(Failure::Unreachable) => return Ok(attempted + 1),
            Step::Sent | Step::Failed(_) => attempted += 1,
        }
    }
}

/// Claims, sends and marks the next due message, in one transaction.
pub async fn send_next(
    pool: &PgPool,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &lettre::message::Mailbox,
) -> Result<Step, sqlx::Error> {
    let mut tx = begin(pool, &Scope::All { user: None }).await?;
    let Some(mail) = db::claim_next(&mut tx).await? else {
        tx.rollback().await?;
        return Ok(Step::Idle);
    };
    let step = match build(&mail, from) {
        Ok(message) => match transport.send(message).await {
            Ok(_) => Step::Sent,
            Err(e) => Step::Failed(failure_of(&e)),
        },
        // An address or a message that cannot be written: no retry makes it right.
        Err(()) => Step::Failed(Failure::Permanent(0)),
    };
    match step {
        Step::Sent => db::mark_sent(&mut tx, mail.id).await?,
        Step::Failed(f @ Failure::Unreachable) => {
            db::mark_unreachable(&mut tx, mail.id, &f.describe()).await?
        }
        Step::Failed(f @ Failure::Permanent(_)) => {
            db::mark_failed(&mut tx, mail.id, mail.attempts, &f.describe(), true).await?
        }
        Step::Failed(f @ Failure::Temporary(_)) => {
            db::mark_failed(&mut tx, mail.id, mail.attempts, &f.describe(), false).await?
        }
        Step::Idle => {}
    }
    tx.commit().await?;
    Ok(step)
}

/// What an SMTP error means for the message, from its kind and reply code alone (the
/// server's text names recipients and is neither logged nor stored).
fn failure_of(e: &lettre::transport::smtp::Error) -> Failure {
    let code = e.status().map(u16::from).unwrap_or(0);
    if e.is_permanent() {
        Failure::Permanent(code)
    } else if e.is_transient() {
        Failure::Temporary(code)
    } else {
        Failure::Unreachable
    }
}

fn build(mail: &db::Due, from: &lettre::message::Mailbox) -> Result<Message, ()> {
    let to: lettre::message::Mailbox = mail.to.parse().map_err(|_| ())?;
    let domain = from.email.domain().to_string();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}@{}>", mail.id, domain)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|_| ())
}
