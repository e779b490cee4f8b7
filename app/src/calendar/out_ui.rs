//! The "clinician out" panel: mark a provider out for a range, review the proposed new slot
//! of every affected appointment (accept, pick another, or leave it), apply all at once; and
//! the call-back list of patients without e-mail. Part of the lazy panels chunk.

use crate::calendar::api::{apply_out, call_backs, finish_call_back, plan_out};
use crate::calendar::forms_ui::TimeField;
use crate::calendar::model::{OutChoice, OutDone, OutRow, Setup};
use crate::calendar::text;
use crate::calendar::ui::CalState;
use crate::error::AppError;
use crate::model::UserId;
use crate::ui::ErrorNote;
use chrono::NaiveDateTime;
use leptos::prelude::*;

fn at(date: &str, time: &str) -> Option<NaiveDateTime> {
    Some(text::parse_date(date)?.and_time(text::parse_hm(time)?))
}

#[component]
pub fn OutPanel(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    let today = setup.now_local.date().to_string();
    let provider = RwSignal::new(setup.providers.first().map(|p| p.id));
    let (from_day, from_time) = (RwSignal::new(today.clone()), RwSignal::new(text::hm_of(8, 0)));
    let (to_day, to_time) = (RwSignal::new(today), RwSignal::new(text::hm_of(18, 0)));
    let note = RwSignal::new(String::new());
    let rows = RwSignal::new(None::<Vec<OutRow>>);
    // Per row: the index of the chosen offer, or None to leave it.
    let picks = RwSignal::new(Vec::<Option<usize>>::new());
    let done = RwSignal::new(None::<OutDone>);
    let error = RwSignal::new(None::<AppError>);
    let list_version = RwSignal::new(0u32);
    let range = move || {
        at(&from_day.get_untracked(), &from_time.get_untracked())
            .zip(at(&to_day.get_untracked(), &to_time.get_untracked()))
    };
    let show = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(practice), Some(p)) = (state.practice.get_untracked(), provider.get_untracked()) else {
            return;
        };
        let Some((from, to)) = range() else {
            error.set(Some(AppError::invalid("Give the first and last day and time.")));
            return;
        };
        error.set(None);
        done.set(None);
        leptos::task::spawn_local(async move {
            match plan_out(practice, p, from, to).await {
                Ok(r) => {
                    picks.set(
                        r.iter()
                            .map(|row| (!row.offers.is_empty()).then_some(0))
                            .collect(),
                    );
                    rows.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let apply = move |_| {
        let (Some(practice), Some(p), Some((from, to))) =
            (state.practice.get_untracked(), provider.get_untracked(), range())
        else {
            return;
        };
        let chosen = picks.get_untracked();
        let choices: Vec<OutChoice> = rows
            .get_untracked()
            .unwrap_or_default()
            .into_iter()
            .zip(chosen)
            .map(|(row, pick)| OutChoice {
                id: row.id,
                version: row.version,
                to: pick.and_then(|i| row.offers.get(i).cloned()),
            })
            .collect();
        let note = note.get_untracked();
        leptos::task::spawn_local(async move {
            match apply_out(practice, p, from, to, note, choices).await {
                Ok(d) => {
                    done.set(Some(d));
                    rows.set(None);
                    // The calendar follows by the live events of the moves (bumping
                    // `state.changed` would re-read the setup and rebuild this panel).
                    list_version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let providers = setup.providers.clone();
    view! {
        <aside class="cal-panel" id="out-panel" aria-label="Clinician out">
            <crate::calendar::forms_ui::PanelHead title="Clinician out" />
            <form on:submit=show>
                <label>"Who"
                    <select id="out-provider" on:change=move |ev| provider.set(event_target_value(&ev).parse::<UserId>().ok())>
                        {providers.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <div class="row">
                    <label>"From"<crate::calendar::forms_ui::DateField id="out-from-day" value=from_day /></label>
                    <label>"at"<TimeField id="out-from-time" value=from_time /></label>
                </div>
                <div class="row">
                    <label>"Until"<crate::calendar::forms_ui::DateField id="out-to-day" value=to_day /></label>
                    <label>"at"<TimeField id="out-to-time" value=to_time /></label>
                </div>
                <label>"Note (optional)"<input id="out-note" maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) /></label>
                <button type="submit" id="out-show">"Show affected appointments"</button>
            </form>
            <p class="small" id="out-count" role="status">
                {move || rows.with(|r| r.as_ref().map(|list| match list.len() {
                    0 => "No appointments are affected.".to_string(),
                    1 => "1 appointment is affected.".into(),
                    n => format!("{n} appointments are affected."),
                }))}
            </p>
            {move || rows.get().map(|list| {
                let count = list.len();
                view! {
                    <ul class="out-rows" id="out-rows">
                        {list.into_iter().enumerate().map(|(i, row)| view! { <OutRowView i row picks /> }).collect_view()}
                    </ul>
                    <button type="button" class="primary" id="out-apply" on:click=apply>
                        {if count == 0 { "Mark out".to_string() } else { "Mark out and move the chosen".to_string() }}
                    </button>
                }
            })}
            {move || done.get().map(|d| view! {
                <p class="note ok" role="status" id="out-done">{format!(
                    "Marked out. {} moved: {} e-mailed, {} to call.", d.moved, d.emailed, d.call_backs
                )}</p>
            })}
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            <CallBacks version=list_version />
        </aside>
    }
}

#[component]
fn OutRowView(i: usize, row: OutRow, picks: RwSignal<Vec<Option<usize>>>) -> impl IntoView {
    let choose = move |ev: leptos::ev::Event| {
        let pick = event_target_value(&ev).parse::<usize>().ok();
        picks.update(|p| {
            if let Some(slot) = p.get_mut(i) {
                *slot = pick;
            }
        });
    };
    let first = (!row.offers.is_empty()).then_some(0usize);
    view! {
        <li>
            <span><strong>{text::when_short(row.start_local)}</strong>" "{row.patient.clone()}" · "{row.type_name.clone()}
                {(!row.has_email).then(|| view! { <span class="muted small">" (no e-mail: to call)"</span> })}
            </span>
            <select class="out-choice" aria-label=format!("New time for {}", row.patient) on:change=choose>
                {row.offers.iter().enumerate().map(|(k, o)| view! {
                    <option value=k.to_string() selected=first == Some(k)>
                        {format!("→ {} with {}", text::when_short(o.start_local), o.provider_name)}
                    </option>
                }).collect_view()}
                <option value="" selected=first.is_none()>"Leave as booked"</option>
            </select>
        </li>
    }
}

/// Patients to phone about a change, with "Done".
#[component]
fn CallBacks(version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<CalState>();
    let list = crate::wire::load(
        move || (state.practice.get(), version.get()),
        |(practice, _)| async move {
            match practice {
                Some(p) => call_backs(p).await,
                None => Ok(vec![]),
            }
        },
    );
    let finish = move |id| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if finish_call_back(practice, id).await.is_ok() {
                version.update(|v| *v += 1);
            }
        });
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => ().into_any(),
                    Ok(items) => view! {
                        <h3 class="small">"To call"</h3>
                        <ul class="feed-list" id="call-backs">
                            {items.into_iter().map(|c| {
                                let id = c.id;
                                let task = format!(
                                    "/p/{}/tasks?task={}",
                                    state.practice.get_untracked().map(|p| p.to_string()).unwrap_or_default(),
                                    c.id
                                );
                                view! {
                                    <li>
                                        <span><strong>{c.patient}</strong>" "{c.phone}</span>
                                        <span class="muted small">{c.reason}" "<a href=task>{format!("Task #{}", c.number)}</a></span>
                                        <button type="button" class="small" on:click=move |_| finish(id)>"Done"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}
