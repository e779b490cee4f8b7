//! The "Sent mail" page of agency admins.

use crate::error::AppError;
use crate::mail::api::recent_mail;
use crate::nav::Redirect;
use crate::shell::MeResource;
use crate::ui::ErrorNote;
use leptos::prelude::*;

/// `/agency/mail` (its code is in the agency pages' chunk).
#[component]
pub fn SentMailPage() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let mail = crate::wire::load(|| (), |_| recent_mail());
    view! {
        <div class="app">
            <crate::agency::ui::AgencyBar current="Sent mail" />
            <main class="content" id="content" tabindex="-1">
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) if me.agency_admin => {}
                            Ok(Some(_)) => return view! { <crate::ui::PageError error=AppError::Forbidden /> }.into_any(),
                            _ => return view! { <Redirect path="/login" /> }.into_any(),
                        }
                        match mail.await {
                            Ok((smtp, list)) => view! {
                                <section class="panel">
                                    <h1>"Sent mail"</h1>
                                    <p class="muted">
                                        {if smtp {
                                            "Mail leaves through the configured SMTP server; this is the outbox."
                                        } else {
                                            "No SMTP server is configured: mail is kept here and not sent."
                                        }}
                                    </p>
                                    {list.is_empty().then(|| view! { <p class="muted">"No mail yet."</p> })}
                                    <table class="dense" id="sent-mail">
                                        <thead>
                                            <tr><th>"Queued"</th><th>"To"</th><th>"Subject"</th><th>"Practice"</th><th>"State"</th></tr>
                                        </thead>
                                        <tbody>
                                            {list.into_iter().map(|m| {
                                                let state = match (&m.sent_at, &m.last_error) {
                                                    (Some(at), _) => format!("sent {at}"),
                                                    (None, Some(e)) if m.attempts >= crate::mail::rules::MAX_ATTEMPTS => {
                                                        format!("not sent, given up: {e}")
                                                    }
                                                    (None, Some(e)) => format!("retrying after {} attempts: {e}", m.attempts),
                                                    (None, None) => "waiting".to_string(),
                                                };
                                                view! {
                                                    <tr>
                                                        <td>{m.created_at}</td>
                                                        <td>{m.to}</td>
                                                        <td>
                                                            <details>
                                                                <summary>{m.subject}</summary>
                                                                <pre class="mail-body">{m.body}</pre>
                                                            </details>
                                                        </td>
                                                        <td class="muted">{m.practice.unwrap_or_default()}</td>
                                                        <td class="muted">{state}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </section>
                            }.into_any(),
                            Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        }
                    })}
                </Suspense>
            </main>
        </div>
    }
}
