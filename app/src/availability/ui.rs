//! The top bar's availability control: one state for all practices, and each practice's own.

use crate::availability::api::{my_availability, set_availability};
use crate::availability::model::{Availability, InPractice};
use crate::availability::rules;
use crate::error::AppError;
use crate::model::{Me, PracticeId};
use crate::realtime::ui::LiveFeed;
use crate::realtime::Kind;
use leptos::prelude::*;

/// Shows the person's availability (the practice at hand's) and lets them set it for all
/// practices or one. Browser-only data: the server renders the control empty and the page
/// fills it in (nothing to mismatch on hydration).
#[component]
pub fn AvailabilityControl(me: Me, practice: Signal<Option<PracticeId>>) -> impl IntoView {
    let mine = RwSignal::new(None::<Vec<InPractice>>);
    let error = RwSignal::new(None::<AppError>);
    let reread = RwSignal::new(0u32);
    if let Some(feed) = use_context::<LiveFeed>() {
        feed.on(Kind::Availability, practice, move || reread.update(|n| *n += 1));
    }
    let answered = move |result: Result<Vec<InPractice>, AppError>| match result {
        Ok(list) => {
            mine.set(Some(list));
            error.set(None);
        }
        Err(e) => error.set(Some(e)),
    };
    Effect::new(move |_| {
        reread.track();
        leptos::task::spawn_local(async move { answered(my_availability().await) });
    });
    let set = move |availability: Availability, practice: Option<PracticeId>| {
        leptos::task::spawn_local(async move { answered(set_availability(availability, practice).await) });
    };
    let shown = move || mine.with(|m| m.as_deref().and_then(|m| rules::shown(m, practice.get())));
    let mixed = move || mine.with(|m| m.as_deref().is_some_and(rules::mixed));
    let state_of = move |id: PracticeId| {
        mine.with(|m| {
            m.as_ref()
                .and_then(|m| m.iter().find(|a| a.practice == id))
                .map(|a| a.now.as_str())
                .unwrap_or_default()
        })
    };
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            crate::ui::close_menu(&ev);
        }
    };
    view! {
        <details class="menu availability" id="availability" on:keydown=close_on_escape>
            <summary title="Your availability: whether you take calls and tasks">
                <span class=move || format!("dot {}", shown().map(|a| a.as_str()).unwrap_or("unknown")) aria-hidden="true"></span>
                <span id="availability-now">{move || shown().map(|a| a.label()).unwrap_or("Availability")}</span>
                <span class="muted small" hidden=move || !mixed()>" (varies)"</span>
            </summary>
            <div class="availability-panel" role="group" aria-label="Your availability">
                <p class="small muted">"All your practices"</p>
                <div class="choices" id="availability-all">
                    {Availability::ALL
                        .into_iter()
                        .map(|a| view! {
                            <button type="button" data-state=a.as_str() on:click=move |ev| {
                                set(a, None);
                                crate::ui::close_menu(&ev);
                            }>
                                <span class=format!("dot {}", a.as_str()) aria-hidden="true"></span>
                                {a.label()}
                            </button>
                        })
                        .collect_view()}
                </div>
                <table class="dense" id="availability-each">
                    <tbody>
                        {me.practices
                            .into_iter()
                            .map(|p| {
                                let id = p.id;
                                view! {
                                    <tr>
                                        <td>{p.name.clone()}</td>
                                        <td>
                                            <select
                                                aria-label=format!("Availability at {}", p.name)
                                                data-practice=id.to_string()
                                                prop:value=move || state_of(id)
                                                on:change=move |ev| {
                                                    if let Some(a) = Availability::parse(&event_target_value(&ev)) {
                                                        set(a, Some(id));
                                                    }
                                                }
                                            >
                                                {Availability::ALL
                                                    .into_iter()
                                                    .map(|a| view! { <option value=a.as_str()>{a.label()}</option> })
                                                    .collect_view()}
                                            </select>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                {move || error.get().map(|e| view! { <crate::ui::ErrorNote error=e /> })}
            </div>
        </details>
    }
    .into_any()
}
