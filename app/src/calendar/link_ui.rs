//! `/a/:token`: the page a patient opens from an appointment e-mail, to confirm or cancel
//! (a lazy route; no sign-in, the token in the address is the credential).

use crate::calendar::api::{answer_appointment, appointment_link};
use crate::calendar::model::{LinkView, Status};
use crate::error::AppError;
use crate::ui::{Card, ErrorNote};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

crate::lazy_page!(
    /// `/a/:token`.
    AppointmentLinkRoute => AppointmentLinkPage
);

#[component]
pub fn AppointmentLinkPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let answered = RwSignal::new(None::<Result<LinkView, AppError>>);
    let shown = Resource::new(move || token.get(), appointment_link);
    let answer = move |confirm: bool| {
        let t = token.get_untracked();
        leptos::task::spawn_local(async move {
            answered.set(Some(answer_appointment(t, confirm).await));
        });
    };
    view! {
        <Card>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let first = shown.await;
                    let current = match answered.get() {
                        Some(Ok(v)) => Ok(v),
                        _ => first,
                    };
                    let problem = answered.get().and_then(Result::err);
                    match current {
                        Ok(v) => view! {
                            <div class="stack" id="appointment-link">
                                <p>{format!("Your appointment at {}", v.practice)}</p>
                                <p><strong id="appointment-when">{v.when.clone()}</strong></p>
                                {(!v.provider.is_empty()).then(|| view! { <p>{format!("With {}", v.provider)}</p> })}
                                <p id="appointment-status" role="status">{state_text(v.status)}</p>
                                {v.open.then(|| view! {
                                    <div class="row">
                                        {(v.status != Status::Confirmed).then(|| view! {
                                            <button type="button" class="primary" id="appointment-confirm" on:click=move |_| answer(true)>"I will come"</button>
                                        })}
                                        <button type="button" class="danger" id="appointment-cancel" on:click=move |_| answer(false)>"Cancel the appointment"</button>
                                    </div>
                                })}
                                {(!v.open).then(|| view! { <p class="muted">"To change it, please call the practice."</p> })}
                                {problem.map(|e| view! { <ErrorNote error=e /> })}
                            </div>
                        }.into_any(),
                        Err(AppError::NotFound) => view! {
                            <p>"This link is not valid. Please call the practice."</p>
                        }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </Card>
    }
}

fn state_text(s: Status) -> &'static str {
    match s {
        Status::Scheduled => "Please let us know whether you will come.",
        Status::Confirmed => "Confirmed: thank you, we look forward to seeing you.",
        Status::Cancelled => "Cancelled. Call the practice to book another time.",
        _ => "This appointment has taken place.",
    }
}
