//! The waitlist panel: who is waiting for an earlier slot, the earliest free one found for
//! each, offering it by e-mail (to everyone it suits at once), taking someone off. Part of
//! the lazy panels chunk.

use crate::calendar::api::{offer_slot, remove_from_waitlist, waitlist};
use crate::calendar::forms_ui::PanelHead;
use crate::calendar::model::Waiting;
use crate::calendar::text;
use crate::calendar::ui::CalState;
use crate::error::AppError;
use crate::ui::ErrorNote;
use leptos::prelude::*;

#[component]
pub fn WaitlistPanel() -> impl IntoView {
    let state = expect_context::<CalState>();
    let version = RwSignal::new(0u32);
    let list = crate::wire::load(
        move || (state.practice.get(), version.get()),
        |(practice, _)| async move {
            match practice {
                Some(p) => waitlist(p).await,
                None => Ok(vec![]),
            }
        },
    );
    let note = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    // Offers a row's slot to it and to every other row the same slot suits.
    let offer = move |row: Waiting, all: Vec<Waiting>| {
        let (Some(practice), Some(slot)) = (state.practice.get_untracked(), row.slot.clone()) else {
            return;
        };
        let ids = all
            .iter()
            .filter(|w| w.slot.as_ref() == Some(&slot) && w.has_email)
            .map(|w| w.id)
            .collect();
        error.set(None);
        leptos::task::spawn_local(async move {
            match offer_slot(practice, slot, ids).await {
                Ok(n) => {
                    note.set(Some(format!(
                        "Offered by e-mail to {n} patient{}.",
                        if n == 1 { "" } else { "s" }
                    )));
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |id| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match remove_from_waitlist(practice, id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <aside class="cal-panel" id="waitlist-panel" aria-label="Waitlist">
            <PanelHead title="Waitlist" />
            <p class="muted small">"Patients who would take an earlier slot. Add one from their appointment's details."</p>
            {move || note.get().map(|n| view! { <p class="note ok" role="status" id="waitlist-note">{n}</p> })}
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted" id="waitlist-empty">"Nobody is waiting."</p> }.into_any(),
                        Ok(rows) => {
                            let all = rows.clone();
                            view! {
                                <ul class="out-rows" id="waitlist">
                                    {rows.into_iter().map(|w| {
                                        let all = all.clone();
                                        let row = w.clone();
                                        let id = w.id;
                                        view! {
                                            <li>
                                                <span><strong>{w.patient.clone()}</strong>" · "{w.type_name.clone()}</span>
                                                <span class="muted small">{format!(
                                                    "Has {}; would come {} to {}{}",
                                                    text::when_short(w.booked_local), text::date_long(w.earliest), text::date_long(w.latest),
                                                    if w.has_email { "" } else { " (no e-mail: call)" },
                                                )}</span>
                                                {match w.slot.clone() {
                                                    Some(s) => view! {
                                                        <span class="small">{format!("Free: {} with {}", text::when_short(s.start_local), s.provider_name)}
                                                            {w.offered.then_some(" · offered")}</span>
                                                        <div class="row">
                                                            <button type="button" class="small offer-btn" disabled=!w.has_email on:click=move |_| offer(row.clone(), all.clone())>"Offer by e-mail"</button>
                                                            <button type="button" class="small" on:click=move |_| remove(id)>"Remove"</button>
                                                        </div>
                                                    }.into_any(),
                                                    None => view! {
                                                        <span class="muted small">"No free slot in their window yet."</span>
                                                        <div class="row"><button type="button" class="small" on:click=move |_| remove(id)>"Remove"</button></div>
                                                    }.into_any(),
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}
