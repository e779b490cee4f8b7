//! `/p/:practice/today`: the assistant's overlay of today across all its practices: every
//! entry of each practice's own today on one list, in time order, with the practice's time
//! and (in the browser) the assistant's own. A lazy route.

use crate::calendar::api::today_across;
use crate::calendar::model::{DayEntry, DayOf};
use crate::calendar::text;
use crate::ui::PageError;
use chrono::{DateTime, NaiveDateTime, Utc};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/p/:practice/today`.
    TodayRoute => TodayPage
);

/// The same instant in the browser's zone (None on the server and before hydration).
fn own_time(at: DateTime<Utc>, known: bool) -> Option<NaiveDateTime> {
    #[cfg(feature = "hydrate")]
    {
        let offset = -js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64))
            .get_timezone_offset();
        known.then(|| at.naive_utc() + chrono::Duration::minutes(offset as i64))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (at, known);
        None
    }
}

#[component]
pub fn TodayPage() -> impl IntoView {
    let days = Resource::new(|| (), |_| today_across());
    // Becomes true once the page runs in the browser, which knows the person's own zone.
    let in_browser = RwSignal::new(false);
    Effect::new(move |_| in_browser.set(true));
    view! {
        <section class="panel today" id="today">
            <h2>"Today across your practices"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match days.await {
                        Ok(list) => view! { <Overlay list in_browser /> }.into_any(),
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Overlay(list: Vec<DayOf>, in_browser: RwSignal<bool>) -> impl IntoView {
    let mut rows: Vec<(usize, DayEntry)> = list
        .iter()
        .enumerate()
        .flat_map(|(i, d)| d.entries.iter().cloned().map(move |e| (i, e)))
        .collect();
    rows.sort_by_key(|(_, e)| e.starts_at);
    let names: Vec<String> = list.iter().map(|d| d.name.clone()).collect();
    view! {
        <ul class="legend">
            {list.iter().enumerate().map(|(i, d)| view! {
                <li><span class=format!("chip p{}", i % 4)>{d.name.clone()}</span>
                    <span class="muted small">{format!(" {} · {} today", d.time_zone, d.entries.len())}</span></li>
            }).collect_view()}
        </ul>
        {if rows.is_empty() {
            view! { <p class="muted">"Nothing on any calendar today."</p> }.into_any()
        } else {
            view! {
                <table class="dense" id="today-list">
                    <thead><tr><th>"Your time"</th><th>"Practice"</th><th>"Their time"</th><th>"Who / what"</th><th>"Provider"</th><th>"Status"</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(i, e)| {
                            let at = e.starts_at;
                            view! {
                                <tr>
                                    <td class="own">{move || own_time(at, in_browser.get()).map(|t| text::hm(t.time()))}</td>
                                    <td><span class=format!("chip p{}", i % 4)>{names[i].clone()}</span></td>
                                    <td>{format!("{}–{}", text::hm(e.start_local.time()), text::hm(e.end_local.time()))}</td>
                                    <td><strong>{e.title}</strong>" "<span class="muted">{e.what}</span></td>
                                    <td>{e.provider}</td>
                                    <td>{e.status.label()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
