//! Server functions of the outbox.

#[cfg(feature = "ssr")]
use crate::audit::model::Action;
use crate::error::AppError;
use crate::mail::model::KeptMail;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::{
    auth::session,
    db::{begin, Scope},
    mail::db,
    state::app_state,
};

/// The newest 200 messages, with whether SMTP is configured. Agency admins only; reading
/// bodies is recorded in the audit log (a body may name a practice's patient).
#[server(endpoint = "mail/recent", output = crate::wire::Bin)]
pub async fn recent_mail() -> Result<(bool, Vec<KeptMail>), AppError> {
    let actor = session::actor()?;
    actor.require_agency_admin()?;
    let state = app_state()?;
    let mut tx = begin(
        &state.pool,
        &Scope::All {
            user: Some(actor.user()),
        },
    )
    .await?;
    let mail = db::recent(&mut tx, 200).await?;
    // Each practice whose mail was shown has the read in its own log.
    let mut practices: Vec<Option<crate::model::PracticeId>> = mail.iter().map(|m| m.practice_id).collect();
    practices.sort_unstable();
    practices.dedup();
    if practices.is_empty() {
        practices.push(None);
    }
    for practice in practices {
        let messages = mail.iter().filter(|m| m.practice_id == practice).count();
        crate::audit::db::record(
            &mut tx,
            crate::audit::db::Event {
                practice,
                actor: Some(actor.user()),
                ip: actor.ip,
                detail: serde_json::json!({ "messages": messages }),
                ..crate::audit::db::Event::new(Action::MailReadOutbox)
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((state.settings.smtp_configured, mail))
}
