//! The outbox worker: sends due messages over SMTP with retry and back-off. Each batch is
//! claimed with `FOR UPDATE SKIP LOCKED` and marked in the same transaction, so app nodes
//! never send a message at the same time. If a node dies after the SMTP server accepted a
//! message but before the commit, the message is sent again with the same `Message-ID`
//! (derived from the outbox id), which mail systems use to recognise the duplicate.

use app::db::{begin, Scope};
use app::mail::db;
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

/// Starts the worker; it runs until `stop` turns true.
pub fn spawn_worker(
    pool: PgPool,
    settings: MailSettings,
    mut stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
        .map_err(|e| format!("SMTP_URL: {e}"))?
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from: lettre::message::Mailbox = settings.from.parse().map_err(|e| format!("SB_MAIL_FROM: {e}"))?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {},
                _ = stop.wait_for(|s| *s) => break,
            }
            match send_due(&pool, &transport, &from).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(messages = n, "outbox batch processed"),
                Err(e) => tracing::warn!(error = %e, "outbox batch failed"),
            }
        }
    });
    Ok(())
}

/// Sends one batch; returns how many messages were attempted.
pub async fn send_due(
    pool: &PgPool,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &lettre::message::Mailbox,
) -> Result<usize, sqlx::Error> {
    let mut tx = begin(pool, &Scope::All { user: None }).await?;
    let due = db::claim_due(&mut tx, 20).await?;
    for mail in &due {
        match build(mail, from) {
            Ok(message) => match transport.send(message).await {
                Ok(_) => db::mark_sent(&mut tx, mail.id).await?,
                Err(e) => {
                    // The error names the SMTP server's reply, never the message's content.
                    tracing::warn!(outbox_id = %mail.id, error = %e, "SMTP send failed");
                    db::mark_failed(&mut tx, mail.id, mail.attempts, &e.to_string()).await?
                }
            },
            Err(e) => db::mark_failed(&mut tx, mail.id, mail.attempts, &e).await?,
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

fn build(mail: &db::Due, from: &lettre::message::Mailbox) -> Result<Message, String> {
    let to: lettre::message::Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
    let domain = from.email.domain().to_string();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}@{}>", mail.id, domain)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| format!("message: {e}"))
}
