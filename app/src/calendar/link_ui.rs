//! Pages a patient opens from an e-mail (lazy routes; no sign-in, the token in the address
//! is the credential): `/a/:token` confirms or cancels an appointment, `/w/:token` takes an
//! earlier slot offered from the waitlist.

use crate::calendar::api::{answer_appointment, appointment_link, claim_slot, slot_offer};
use crate::calendar::model::{ClaimView, LinkView, Status};
use crate::error::AppError;
use crate::ui::{Card, ErrorNote};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/a/:token` and `/w/:token`, the pages patients open from an e-mail: one chunk.
    patient_pages => PatientPages
);

#[component]
fn PatientPages() -> impl IntoView {
    match crate::nav::page() {
        crate::nav::Page::SlotOffer(_) => view! { <SlotOfferPage /> }.into_any(),
        _ => view! { <AppointmentLinkPage /> }.into_any(),
    }
}

#[component]
pub fn AppointmentLinkPage() -> impl IntoView {
    let token = crate::nav::token();
    let answered = RwSignal::new(None::<Result<LinkView, AppError>>);
    let shown = crate::wire::load(move || token.get(), appointment_link);
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

/// `/w/:token`: an earlier slot offered to a waiting patient.
#[component]
pub fn SlotOfferPage() -> impl IntoView {
    let token = crate::nav::token();
    let answered = RwSignal::new(None::<Result<ClaimView, AppError>>);
    let shown = crate::wire::load(move || token.get(), slot_offer);
    let take = move |_| {
        let t = token.get_untracked();
        leptos::task::spawn_local(async move {
            answered.set(Some(claim_slot(t).await));
        });
    };
    view! {
        <Card>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let first = shown.await;
                    let problem = answered.get().and_then(Result::err);
                    let current = match answered.get() {
                        Some(Ok(v)) => Ok(v),
                        _ => first,
                    };
                    match current {
                        Ok(v) => view! {
                            <div class="stack" id="slot-offer">
                                <p>{format!("An earlier appointment at {}", v.practice)}</p>
                                <p><strong>{v.when.clone()}</strong></p>
                                {(!v.provider.is_empty()).then(|| view! { <p>{format!("With {}", v.provider)}</p> })}
                                <p id="offer-state" role="status">{
                                    if v.claimed { "It is yours: your appointment has moved to this time. We have e-mailed you the details." }
                                    else if v.gone { "Sorry, this time has been taken. Your own appointment stays as it was." }
                                    else { "The first to answer gets it; your current appointment is then freed." }
                                }</p>
                                {(!v.claimed && !v.gone).then(|| view! {
                                    <button type="button" class="primary" id="offer-take" on:click=take>"Take this time"</button>
                                })}
                                {problem.map(|e| view! { <ErrorNote error=e /> })}
                            </div>
                        }.into_any(),
                        Err(AppError::NotFound) => view! { <p>"This link is not valid. Please call the practice."</p> }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </Card>
    }
}
