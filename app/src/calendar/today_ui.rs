//! `/p/:practice/today`: the assistant's overlay of today across all its practices: each
//! practice's own today as a column on one time axis, labelled (in the browser) in the
//! assistant's own time, and the same entries as a list in time order. A lazy route.

use crate::calendar::api::today_across;
use crate::calendar::model::{DayEntry, DayOf, Status};
use crate::calendar::{rules, text};
use crate::ui::PageError;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/p/:practice/today`.
    today_page => TodayPage
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
    let days = crate::wire::load(|| (), |_| today_across());
    // Becomes true once the page runs in the browser, which knows the person's own zone.
    let in_browser = RwSignal::new(false);
    Effect::new(move |_| in_browser.set(true));
    view! {
        <section class="panel today" id="today">
            <h1>"Today across your practices"</h1>
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

/// Pixels a minute, as on the calendar's own grid.
const PX_PER_MIN: f64 = 1.2;

/// The browser's clock (None on the server).
fn browser_now() -> Option<DateTime<Utc>> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

fn ends_at(e: &DayEntry) -> DateTime<Utc> {
    e.starts_at + (e.end_local - e.start_local)
}

/// Each practice a column on one time axis (absolute time, labelled in the person's own
/// time), then the same entries as a list in time order.
#[component]
fn Overlay(list: Vec<DayOf>, in_browser: RwSignal<bool>) -> impl IntoView {
    let mut rows: Vec<(usize, DayEntry)> = list
        .iter()
        .enumerate()
        .flat_map(|(i, d)| d.entries.iter().cloned().map(move |e| (i, e)))
        .collect();
    rows.sort_by_key(|(_, e)| e.starts_at);
    let names: Vec<String> = list.iter().map(|d| d.name.clone()).collect();
    let legend = view! {
        <ul class="legend">
            {list.iter().enumerate().map(|(i, d)| view! {
                <li><span class=format!("chip p{}", i % 4)>{d.name.clone()}</span>
                    <span class="muted small">{format!(" {} · {} today", d.time_zone, d.entries.len())}</span></li>
            }).collect_view()}
        </ul>
    };
    if list.is_empty() {
        return view! {
            <p class="muted" id="today-empty">
                "You are not on any practice's calendar: My day shows the calendars of the practices you are a member of."
            </p>
        }
        .into_any();
    }
    let (Some(first), Some(last)) = (
        rows.iter().map(|(_, e)| e.starts_at).min(),
        rows.iter().map(|(_, e)| ends_at(e)).max(),
    ) else {
        return view! { {legend}<p class="muted">"Nothing on any calendar today."</p> }.into_any();
    };
    // Whole hours around the day's entries (the practices' zones are whole hours apart).
    let first = DateTime::from_timestamp(first.timestamp().div_euclid(3600) * 3600, 0).unwrap_or(first);
    let hours = ((last - first).num_minutes() + 59) / 60;
    let y = move |t: DateTime<Utc>| ((t - first).num_minutes() as f64 * PX_PER_MIN).max(0.0);
    let height = format!("height:{}px", (hours * 60) as f64 * PX_PER_MIN);
    // A column per practice; a clinician's own entries first, in a column of their own.
    let mut columns: Vec<(String, usize, Vec<DayEntry>)> = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let (mine, rest): (Vec<DayEntry>, Vec<DayEntry>) = d.entries.iter().cloned().partition(|e| e.mine);
        if mine.is_empty() {
            columns.push((d.name.clone(), i, rest));
        } else {
            columns.push((format!("You · {}", d.name), i, mine));
            columns.push((format!("{}: others", d.name), i, rest));
        }
    }
    let practices: Vec<_> = list
        .iter()
        .map(|d| (d.practice, crate::practices::ui::short_zone(&d.time_zone)))
        .collect();
    let widths = format!(
        "grid-template-columns: 4rem repeat({}, minmax(9rem, 1fr))",
        columns.len()
    );
    let grid = view! {
        <div class="timegrid today-grid" id="today-grid" style=widths>
            <div class="tg-corner muted small">"Your time"</div>
            {columns.iter().map(|(head, i, _)| view! {
                <div class="tg-head"><span class=format!("chip p{}", i % 4)>{head.clone()}</span></div>
            }).collect_view()}
            <div class="tg-hours" style=height.clone()>
                {(0..hours).map(|h| {
                    let at = first + Duration::hours(h);
                    view! {
                        <div class="tg-hour" style=format!("top:{}px", y(at))>
                            {move || own_time(at, in_browser.get()).map(|t| text::hm(t.time()))}
                        </div>
                    }
                }).collect_view()}
            </div>
            {columns.into_iter().map(|(_, i, mut entries)| {
                entries.sort_by_key(|e| e.starts_at);
                let placed = rules::lanes(&entries.iter().map(|e| (e.starts_at, ends_at(e))).collect::<Vec<_>>());
                let (practice, zone) = practices[i].clone();
                view! {
                    <div class="tg-col" style=height.clone()>
                        {move || in_browser.get().then(browser_now).flatten().filter(|now| *now >= first && *now <= last)
                            .map(|now| view! { <div class="tg-now" style=format!("top:{}px", y(now))></div> })}
                        {placed.into_iter().map(|(k, lane, n)| {
                            let e = entries[k].clone();
                            let top = y(e.starts_at);
                            let h = (y(ends_at(&e)) - top).max(14.0);
                            let width = 100.0 / n as f64;
                            let style = format!("top:{top}px;height:{h}px;left:calc({}% + 2px);width:calc({width}% - 4px)", width * lane as f64);
                            // The axis's clock on the card (the person's own, once the page
                            // knows it); the practice's own time in its details.
                            let theirs = format!("{}–{} {zone} time", text::hm(e.start_local.time()), text::hm(e.end_local.time()));
                            let (at, practice_start) = (e.starts_at, text::hm(e.start_local.time()));
                            let badge = (e.status != Status::Scheduled).then(|| view! { <span class=format!("st st-{}", e.status.as_str())>{e.status.label()}</span> });
                            view! {
                                <a
                                    class=format!("tg-entry pc{} st-{}", i % 4, e.status.as_str())
                                    class:short=h < 36.0
                                    href=format!("/p/{practice}/calendar?span=day&date={}", e.start_local.date())
                                    style=style
                                    title=format!("{theirs} · {} · {}", e.what, e.provider)
                                >
                                    <span class="t">{move || own_time(at, in_browser.get()).map(|t| text::hm(t.time())).unwrap_or_else(|| practice_start.clone())}</span>
                                    " "
                                    <strong>{e.title.clone()}</strong>
                                    <span class="sub">{badge}{e.what.clone()}{(!e.provider.is_empty()).then(|| format!(" · {}", e.provider))}" · "{theirs.clone()}</span>
                                </a>
                            }
                        }).collect_view()}
                    </div>
                }
            }).collect_view()}
        </div>
    };
    view! {
        {legend}
        {grid}
        <details class="today-list">
            <summary>"As a list"</summary>
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
        </details>
    }
    .into_any()
}
