//! The calendar's side panels: booking, an entry's details (status, move, cancel), the
//! free-slot search, subscription feeds, the question before a drag to another clinician.

use crate::calendar::api::{
    add_feed, add_patient, add_to_waitlist, book_entry, calendar_feeds, change_rule, find_patients,
    free_slots, move_entry, revoke_feed, set_feed_names, set_status, PatientHit,
};
use crate::calendar::model::{Entry, EntryKind, Feed, NewEntry, Offer, Outcome, Reach, Setup, Status};
use crate::calendar::text;
use crate::calendar::ui::{CalState, MoveAsk, Panel};
use crate::error::AppError;
use crate::model::{EntryId, PatientId, RoomId, TypeId, UserId};
use crate::ui::ErrorNote;
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc};
use leptos::prelude::*;

/// The side panel's content. Its code (booking, details, slot search and the server calls
/// behind them) is a separate WASM chunk, fetched the first time a panel opens.
#[leptos::lazy]
pub fn panel_view(panel: Panel, setup: Setup, entry: Option<Entry>) -> AnyView {
    match (panel, entry) {
        (Panel::New(draft), _) => view! { <BookingPanel setup draft /> }.into_any(),
        (Panel::Find, _) => view! { <SlotFinder setup /> }.into_any(),
        (Panel::Feeds, _) => view! { <FeedsPanel setup /> }.into_any(),
        (Panel::Out, _) => view! { <crate::calendar::out_ui::OutPanel setup /> }.into_any(),
        (Panel::Waitlist, _) => view! { <crate::calendar::waitlist_ui::WaitlistPanel /> }.into_any(),
        (Panel::Setup, _) => view! { <crate::calendar::setup_ui::SetupPanel setup /> }.into_any(),
        (Panel::Detail(_), Some(entry)) => view! { <DetailPanel setup entry /> }.into_any(),
        (Panel::MoveTo(ask), Some(entry)) => view! { <MoveToPanel setup entry ask /> }.into_any(),
        _ => ().into_any(),
    }
}

/// What a new booking starts from (a clicked slot, an offer, the "New" button).
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub start: NaiveDateTime,
    /// The offer's instant, when the draft comes from one (see `NewEntry::at`).
    pub at: Option<DateTime<Utc>>,
    pub provider: Option<UserId>,
    pub room: Option<RoomId>,
    pub type_id: Option<TypeId>,
}

impl Draft {
    pub fn at(start: NaiveDateTime, provider: Option<UserId>) -> Draft {
        Draft {
            start,
            at: None,
            provider,
            room: None,
            type_id: None,
        }
    }
}

fn parse_id<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

fn when(start: NaiveDateTime, end: NaiveDateTime) -> String {
    format!("{}–{}", text::when_short(start), text::hm(end.time()))
}

/// A time typed as the person reads times ("14:30" or "2:30 pm"; either is understood), not
/// the browser's own time field, whose format follows the browser's language instead. Once
/// left, it is written back in the person's way.
#[component]
pub fn TimeField(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    let example = text::hm_of(14, 30);
    view! {
        <input id=id type="text" class="time" autocomplete="off" spellcheck="false" maxlength="12"
            placeholder=example.clone() title=format!("A time, e.g. {example}")
            prop:value=value
            on:input=move |ev| value.set(event_target_value(&ev))
            on:change=move |ev| if let Some(t) = text::parse_hm(&event_target_value(&ev)) { value.set(text::hm(t)) } />
    }
}

/// A date typed as the person reads dates ("15 Dec 2026", "15/12"; or the month first), with
/// the browser's calendar under the button beside it (its order is the browser's language's,
/// so it is only the picker). `value` holds the date as "2026-12-15", what the forms read,
/// or what was typed while it is no date. Arrow keys step a day; once left, the field is
/// written back in the person's way.
#[component]
pub fn DateField(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    let shown = RwSignal::new(String::new());
    // A date typed without its year is in the year of the date there, else this year.
    let year = move || text::parse_date(&value.get_untracked()).map_or_else(this_year, |d| d.year());
    // A date set from elsewhere (the picker, a chosen day) shows in the person's way.
    Effect::new(move |_| {
        let v = value.get();
        if let Some(d) = text::parse_date(&v) {
            if text::parse_typed_date(&shown.get_untracked(), d.year()) != Some(d) {
                shown.set(text::date_field(d));
            }
        }
    });
    let typed = move |t: String| {
        value.set(text::parse_typed_date(&t, year()).map_or_else(|| t.clone(), |d| d.to_string()));
        shown.set(t);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let by = match ev.key().as_str() {
            "ArrowUp" => 1,
            "ArrowDown" => -1,
            _ => return,
        };
        if let Some(d) = text::parse_date(&value.get_untracked()) {
            ev.prevent_default();
            let d = d + Duration::days(by);
            shown.set(text::date_field(d));
            value.set(d.to_string());
        }
    };
    let example = text::date_field(chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or_default());
    view! {
        <span class="date-field">
            <input id=id type="text" class="date" autocomplete="off" spellcheck="false" maxlength="24"
                placeholder=example.clone() title=format!("A date, e.g. {example}; the arrow keys step a day")
                prop:value=shown
                on:input=move |ev| typed(event_target_value(&ev))
                on:keydown=on_key
                on:change=move |ev| if let Some(d) = text::parse_typed_date(&event_target_value(&ev), year()) { shown.set(text::date_field(d)) } />
            <input type="date" class="date-pick" tabindex="-1" aria-hidden="true" title="Choose on a calendar"
                prop:value=move || text::parse_date(&value.get()).map(|d| d.to_string()).unwrap_or_default()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn this_year() -> i32 {
    js_sys::Date::new_0().get_full_year() as i32
}

#[cfg(not(feature = "hydrate"))]
fn this_year() -> i32 {
    Utc::now().year()
}

/// A panel's title and its close button.
#[component]
pub fn PanelHead(#[prop(into)] title: String) -> impl IntoView {
    let state = expect_context::<CalState>();
    view! {
        <header>
            <h2 tabindex="-1" class="panel-title">{title}</h2>
            <button type="button" class="link" on:click=move |_| state.panel.set(Panel::None) aria-label="Close the panel" aria-keyshortcuts="Escape">"✕"</button>
        </header>
    }
}

/// A tick box per person; `chosen` holds the ticked ones.
#[component]
pub fn PeopleChecks(
    legend: &'static str,
    people: Vec<crate::calendar::model::Person>,
    chosen: RwSignal<Vec<UserId>>,
) -> impl IntoView {
    view! {
        <fieldset class="attendees">
            <legend>{legend}</legend>
            {people.into_iter().map(|p| {
                let id = p.id;
                view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || chosen.get().contains(&id)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                            } />
                        {p.name}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// The offers of a conflict, as buttons; `pick` takes the chosen one.
#[component]
fn Offers(offers: Vec<Offer>, pick: Callback<Offer>) -> impl IntoView {
    if offers.is_empty() {
        return view! { <p class="muted">"No free slot in the next four weeks."</p> }.into_any();
    }
    view! {
        <p>"Next free:"</p>
        <ul class="offers">
            {offers.into_iter().map(|o| {
                // The hour clocks go back happens twice: say which one this is.
                let again = if o.second_pass { " (again, clocks back)" } else { "" };
                let label = format!("{}{again} · {}", when(o.start_local, o.end_local), o.provider_name);
                view! { <li><button type="button" class="link offer" on:click=move |_| pick.run(o.clone())>{label}</button></li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A search's offers grouped by day and clinician, each group's times in a row.
#[component]
fn OffersByDay(offers: Vec<Offer>, pick: Callback<Offer>) -> impl IntoView {
    if offers.is_empty() {
        return view! { <p class="muted">"No free slot in those days."</p> }.into_any();
    }
    let mut groups: Vec<(String, Vec<Offer>)> = Vec::new();
    for o in offers {
        let head = format!("{} · {}", text::day_short(o.start_local.date()), o.provider_name);
        match groups.last_mut() {
            Some((h, list)) if *h == head => list.push(o),
            _ => groups.push((head, vec![o])),
        }
    }
    view! {
        <ul class="offer-groups">
            {groups.into_iter().map(|(head, list)| view! {
                <li>
                    <span class="offer-head">{head.clone()}</span>
                    <span class="offer-times">
                        {list.into_iter().map(|o| {
                            let again = if o.second_pass { " (again)" } else { "" };
                            let shown = format!("{}{again}", text::hm(o.start_local.time()));
                            let name = format!("{head}, {} to {}{again}", text::hm(o.start_local.time()), text::hm(o.end_local.time()));
                            view! { <button type="button" class="small offer" aria-label=name on:click=move |_| pick.run(o.clone())>{shown}</button> }
                        }).collect_view()}
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Says what happened in words: what is in the way of a conflict, no patient data.
pub fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done { ids, skipped, .. } if skipped.is_empty() => {
            if ids.len() > 1 {
                format!("Booked {} occurrences.", ids.len())
            } else {
                "Saved.".into()
            }
        }
        Outcome::Done { ids, skipped, .. } => format!(
            "Booked {} occurrences; left out {} that conflict: {}.",
            ids.len(),
            skipped.len(),
            skipped
                .iter()
                .map(|t| text::when_short(*t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Outcome::Conflict { clashes, .. } if clashes.len() == 1 => {
            let (_, c) = &clashes[0];
            format!(
                "That time is taken: {} has {} {}.",
                if c.resource.is_empty() {
                    "the calendar"
                } else {
                    &c.resource
                },
                c.what,
                when(c.start_local, c.end_local)
            )
        }
        Outcome::Conflict { clashes, .. } => format!(
            "{} occurrences conflict: {}.",
            clashes.len(),
            clashes
                .iter()
                .take(6)
                .map(|(t, c)| format!("{} ({} has {})", text::when_short(*t), c.resource, c.what))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Outcome::Unavailable { .. } => "The provider is not available then.".into(),
    }
}

/// The result of the last booking or move made on the page.
/// After a booking or move: done closes the panel (whose signals are then gone, so nothing
/// of the panel may be touched after this) and says `what` it did (a series: how many),
/// offering its undo; anything else stays in the panel as `problem`, errors as `error`.
fn settle(
    state: CalState,
    result: Result<Outcome, AppError>,
    problem: RwSignal<Option<Outcome>>,
    error: RwSignal<Option<AppError>>,
    what: String,
) {
    match result {
        Ok(o @ Outcome::Done { .. }) => {
            if let Outcome::Done { ids, skipped, undo } = &o {
                state.mark(ids.first().copied());
                let one = ids.len() == 1 && skipped.is_empty();
                state.say(if one { what } else { describe(&o) }, *undo);
            }
            state.panel.set(Panel::None);
            state.changed.update(|v| *v += 1);
        }
        Ok(o) => problem.set(Some(o)),
        Err(e) => error.set(Some(e)),
    }
}

/// Brings a panel's problem (what is in the way, and the offers) or error into view when
/// one appears: it is announced (role alert) and must be seen where the person is.
fn keep_problems_in_view(problem: RwSignal<Option<Outcome>>, error: RwSignal<Option<AppError>>) {
    Effect::new(move |_| {
        let shown = problem.with(Option::is_some) || error.with(Option::is_some);
        #[cfg(feature = "hydrate")]
        if shown {
            crate::ui::when_drawn(".cal-panel .problem, .cal-panel .error", |el| {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                el.scroll_into_view_with_scroll_into_view_options(&options);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = shown;
    });
}

#[component]
fn BookingPanel(setup: Setup, draft: Draft) -> impl IntoView {
    let state = expect_context::<CalState>();
    let setup = StoredValue::new(setup);
    let kind = RwSignal::new(EntryKind::Appointment);
    let patient = RwSignal::new(None::<(PatientId, String)>);
    let query = RwSignal::new(String::new());
    let default_type = draft.type_id.or_else(|| {
        setup.with_value(|s| {
            s.types
                .iter()
                .find(|t| draft.provider.is_none_or(|p| t.allows(p)))
                .map(|t| t.id)
        })
    });
    let type_id = RwSignal::new(default_type);
    let provider = RwSignal::new(
        draft
            .provider
            .or_else(|| setup.with_value(|s| s.providers.first().map(|p| p.id))),
    );
    let room = RwSignal::new(draft.room);
    // The instant of the offer picked last: it tells the two 01:30s of the autumn night apart.
    let picked_at = RwSignal::new(draft.at);
    let date = RwSignal::new(draft.start.date().to_string());
    let time = RwSignal::new(text::hm(draft.start.time()));
    let minutes = RwSignal::new("30".to_string());
    let title = RwSignal::new(String::new());
    let attendees = RwSignal::new(Vec::<UserId>::new());
    let repeat = RwSignal::new(String::new());
    let count = RwSignal::new("10".to_string());
    let notes = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Outcome>);
    let error = RwSignal::new(None::<AppError>);
    keep_problems_in_view(problem, error);
    let busy = RwSignal::new(false);
    let adding = RwSignal::new(false);

    let hits = crate::wire::load(
        move || (state.practice.get(), query.get()),
        |(p, q)| async move {
            match p {
                Some(p) if q.trim().chars().count() >= 2 => find_patients(p, q).await,
                _ => Ok(Vec::<PatientHit>::new()),
            }
        },
    );

    let submit = move |override_availability: bool, skip_conflicts: bool| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        error.set(None);
        let start = text::parse_date(&date.get_untracked())
            .zip(text::parse_hm(&time.get_untracked()))
            .map(|(d, t)| d.and_time(t));
        let Some(start) = start else {
            error.set(Some(AppError::invalid("Give the date and the time.")));
            return;
        };
        let rrule = match repeat.get_untracked().as_str() {
            "" => None,
            freq => Some(format!("FREQ={freq};COUNT={}", count.get_untracked().trim())),
        };
        let entry = NewEntry {
            kind: kind.get_untracked(),
            patient: patient.get_untracked().map(|p| p.0),
            type_id: type_id.get_untracked(),
            provider: provider.get_untracked(),
            room: room.get_untracked(),
            attendees: attendees.get_untracked(),
            title: title.get_untracked(),
            start,
            at: picked_at.get_untracked(),
            minutes: minutes.get_untracked().trim().parse().ok(),
            notes: notes.get_untracked(),
            rrule,
            override_availability,
            skip_conflicts,
        };
        let with = setup.with_value(|s| {
            s.staff
                .iter()
                .find(|p| Some(p.id) == entry.provider)
                .map(|p| p.name.clone())
        });
        let what = match entry.kind {
            EntryKind::Appointment => {
                let name = patient.get_untracked().map(|p| p.1).unwrap_or_default();
                text::booked(&name, with.as_deref(), start)
            }
            EntryKind::Meeting => text::booked(&entry.title, None, start),
            EntryKind::Block => text::booked(&entry.title, with.as_deref(), start),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = book_entry(practice, entry).await;
            busy.set(false);
            settle(state, result, problem, error, what);
        });
    };
    let pick = Callback::new(move |o: Offer| {
        provider.set(Some(o.provider));
        room.set(o.room.or(room.get_untracked()));
        date.set(o.start_local.date().to_string());
        time.set(text::hm(o.start_local.time()));
        picked_at.set(Some(o.starts_at));
        problem.set(None);
    });
    let kind_button = move |k: EntryKind, label: &'static str| {
        view! {
            <button type="button" class="seg" aria-pressed=move || (kind.get() == k).to_string() on:click=move |_| kind.set(k)>
                {label}
            </button>
        }
    };
    let is = move |k: EntryKind| kind.get() == k;
    view! {
        <aside class="cal-panel" id="booking" aria-label="New booking">
            <PanelHead title="New" />
            <div class="seg-group">
                {kind_button(EntryKind::Appointment, "Appointment")}
                {kind_button(EntryKind::Meeting, "Meeting")}
                {kind_button(EntryKind::Block, "Block")}
            </div>
            <form on:submit=move |ev| { ev.prevent_default(); submit(false, false); }>
                <Show when=move || is(EntryKind::Appointment)>
                    <fieldset>
                        <legend>"Patient"</legend>
                        {move || match patient.get() {
                            Some((_, name)) => view! {
                                <p class="chosen" id="chosen-patient">
                                    <strong>{name}</strong>
                                    " "
                                    <button type="button" class="link" on:click=move |_| {
                                        patient.set(None);
                                        #[cfg(feature = "hydrate")]
                                        crate::ui::focus_when_drawn("#patient-search");
                                    }>"change"</button>
                                </p>
                            }.into_any(),
                            None => view! {
                                <input id="patient-search" type="search" placeholder=format!("Name or date of birth ({})", text::date_field(chrono::NaiveDate::from_ymd_opt(1950, 3, 15).unwrap_or_default()))
                                    autocomplete="off" prop:value=query on:input=move |ev| query.set(event_target_value(&ev)) />
                                <Transition>
                                    {move || Suspend::new(async move {
                                        match hits.await {
                                            Ok(list) => view! {
                                                <ul class="hits">
                                                    {list.into_iter().map(|h| {
                                                        let label = format!("{}{}", h.name, h.born.map(|b| format!(" · born {}", text::date_field(b))).unwrap_or_default());
                                                        view! { <li><button type="button" class="link hit" on:click=move |_| {
                                                            patient.set(Some((h.id, h.name.clone())));
                                                            #[cfg(feature = "hydrate")]
                                                            crate::ui::focus_when_drawn("#book-type");
                                                        }>{label}</button></li> }
                                                    }).collect_view()}
                                                </ul>
                                            }.into_any(),
                                            Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                                        }
                                    })}
                                </Transition>
                                <button type="button" class="link" id="new-patient" on:click=move |_| adding.set(true)>"New patient…"</button>
                                <Show when=move || adding.get()>
                                    <NewPatient patient adding name=query.get_untracked() />
                                </Show>
                            }.into_any(),
                        }}
                    </fieldset>
                    <label>"Type"
                        <select id="book-type" on:change=move |ev| type_id.set(parse_id(&event_target_value(&ev)))>
                            {setup.with_value(|s| s.types.iter().map(|t| {
                                let id = t.id;
                                view! { <option value=t.id.to_string() selected=move || type_id.get() == Some(id)>{format!("{} ({} min)", t.name, t.minutes)}</option> }
                            }).collect_view())}
                        </select>
                    </label>
                </Show>
                <Show when=move || !is(EntryKind::Meeting)>
                    <label>{move || if is(EntryKind::Block) { "Whose time" } else { "Provider" }}
                        <select id="book-provider" on:change=move |ev| provider.set(parse_id(&event_target_value(&ev)))>
                            {move || {
                                let list = setup.with_value(|s| if is(EntryKind::Block) { s.staff.clone() } else { s.providers.clone() });
                                list.into_iter().map(|p| {
                                    let id = p.id;
                                    view! { <option value=p.id.to_string() selected=move || provider.get() == Some(id)>{p.name}</option> }
                                }).collect_view()
                            }}
                        </select>
                    </label>
                </Show>
                <Show when=move || !is(EntryKind::Appointment)>
                    <label>"Title"<input id="book-title" prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) placeholder="Lunch, staff meeting…" /></label>
                    <label>"Minutes"<input id="book-minutes" type="number" min="5" max="720" step="5" prop:value=minutes on:input=move |ev| minutes.set(event_target_value(&ev)) /></label>
                </Show>
                <Show when=move || is(EntryKind::Meeting)>
                    <PeopleChecks legend="Attendees" people=setup.with_value(|s| s.staff.clone()) chosen=attendees />
                </Show>
                <div class="row">
                    <label>"Date"<DateField id="book-date" value=date /></label>
                    <label>"Time"<TimeField id="book-time" value=time /></label>
                </div>
                <label>"Room"
                    <select id="book-room" on:change=move |ev| room.set(parse_id(&event_target_value(&ev)))>
                        <option value="" selected=move || room.get().is_none()>"No room"</option>
                        {setup.with_value(|s| s.rooms.iter().map(|r| {
                            let id = r.id;
                            view! { <option value=r.id.to_string() selected=move || room.get() == Some(id)>{r.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <div class="row">
                    <label>"Repeat"
                        <select id="book-repeat" on:change=move |ev| repeat.set(event_target_value(&ev))>
                            <option value="">"Does not repeat"</option>
                            <option value="DAILY">"Daily"</option>
                            <option value="WEEKLY">"Weekly"</option>
                            <option value="WEEKLY;INTERVAL=2">"Every 2 weeks"</option>
                            <option value="MONTHLY">"Monthly"</option>
                        </select>
                    </label>
                    <Show when=move || !repeat.get().is_empty()>
                        <label>"Times"<input id="book-count" type="number" min="1" max="400" prop:value=count on:input=move |ev| count.set(event_target_value(&ev)) /></label>
                    </Show>
                </div>
                <label>"Notes"<textarea id="book-notes" rows="2" prop:value=notes on:input=move |ev| notes.set(event_target_value(&ev))></textarea></label>
                {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
                {move || problem.get().map(|o| {
                    let text = describe(&o);
                    let (offers, unavailable, series) = match o {
                        Outcome::Conflict { offers, clashes } => (offers, false, clashes.len() > 1 || !repeat.get_untracked().is_empty()),
                        Outcome::Unavailable { offers } => (offers, true, false),
                        Outcome::Done { .. } => (vec![], false, false),
                    };
                    view! {
                        <div class="problem" role="alert" id="book-problem">
                            <p>{text}</p>
                            {unavailable.then(|| view! {
                                <button type="button" id="book-anyway" on:click=move |_| submit(true, false)>"Book anyway (outside hours)"</button>
                            })}
                            {series.then(|| view! {
                                <button type="button" id="book-rest" on:click=move |_| submit(false, true)>"Book the others"</button>
                            })}
                            <Offers offers pick />
                        </div>
                    }
                })}
                <button type="submit" class="primary" id="book-submit" disabled=move || busy.get()>"Book"</button>
            </form>
        </aside>
    }
}

#[component]
fn NewPatient(
    patient: RwSignal<Option<(PatientId, String)>>,
    adding: RwSignal<bool>,
    name: String,
) -> impl IntoView {
    let state = expect_context::<CalState>();
    let name = RwSignal::new(name);
    let born = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let save = move |_| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let (n, b, p, e) = (
            name.get_untracked(),
            born.get_untracked(),
            phone.get_untracked(),
            email.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match add_patient(practice, n.clone(), b, p, e).await {
                Ok(id) => {
                    patient.set(Some((id, n.split_whitespace().collect::<Vec<_>>().join(" "))));
                    adding.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="subform" id="new-patient-form">
            <label>"Full name"<input id="np-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            <label>"Date of birth"<DateField id="np-born" value=born /></label>
            <label>"Phone"<input id="np-phone" type="tel" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) /></label>
            <label>"E-mail"<input id="np-email" type="email" prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) /></label>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            <button type="button" id="np-save" on:click=save>"Add patient"</button>
        </div>
    }
}

#[component]
fn DetailPanel(setup: Setup, entry: Entry) -> impl IntoView {
    let state = expect_context::<CalState>();
    let error = RwSignal::new(None::<AppError>);
    let problem = RwSignal::new(None::<Outcome>);
    keep_problems_in_view(problem, error);
    let reason = RwSignal::new(String::new());
    let date = RwSignal::new(entry.start_local.date().to_string());
    let time = RwSignal::new(text::hm(entry.start_local.time()));
    let provider = RwSignal::new(entry.provider_id);
    let reach = RwSignal::new(Reach::This);
    // Whether the patient hears of a move, or of a cancellation (by e-mail, if they have it).
    let notify = RwSignal::new(true);
    let notify_cancel = RwSignal::new(true);
    let (id, version) = (entry.id, entry.version);
    let (title, start_local, was_with) = (
        StoredValue::new(entry.title.clone()),
        entry.start_local,
        entry.provider_id,
    );
    let names = StoredValue::new(setup.staff.clone());
    let type_name = entry
        .type_id
        .and_then(|t| setup.types.iter().find(|x| x.id == t))
        .map(|t| t.name.clone());
    let provider_name = entry
        .provider_id
        .and_then(|p| setup.staff.iter().find(|x| x.id == p))
        .map(|p| p.name.clone());
    let room_name = entry
        .room_id
        .and_then(|r| setup.rooms.iter().find(|x| x.id == r))
        .map(|r| r.name.clone());
    let attendees: Vec<String> = entry
        .attendees
        .iter()
        .filter_map(|a| setup.staff.iter().find(|x| x.id == *a).map(|x| x.name.clone()))
        .collect();
    let change_status = move |status: Status| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let why = (status == Status::Cancelled).then(|| reason.get_untracked());
        let reach = (status == Status::Cancelled).then(|| reach.get_untracked());
        let what = title.with_value(|t| text::status_set(t, start_local, status.label()));
        let notify = Some(notify_cancel.get_untracked());
        leptos::task::spawn_local(async move {
            match set_status(practice, id, version, status, why, reach, notify).await {
                // Done: the panel closes, the focus goes back to the entry (or, cancelled and
                // gone, to the grid).
                Ok(undo) => {
                    state.say(what, undo);
                    state.mark((status != Status::Cancelled).then_some(id));
                    if status == Status::Cancelled {
                        state.refocus.set_value(Some(None));
                    }
                    state.panel.set(Panel::None);
                    state.changed.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let do_move = move |start: NaiveDateTime,
                        to: Option<UserId>,
                        override_availability: bool,
                        at: Option<DateTime<Utc>>| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let reach = Some(reach.get_untracked());
        let notify = Some(notify.get_untracked());
        let to_name = names.with_value(|n| {
            n.iter()
                .find(|p| Some(p.id) == to && to != was_with)
                .map(|p| p.name.clone())
        });
        let what = title.with_value(|t| text::moved(t, to_name.as_deref(), start));
        leptos::task::spawn_local(async move {
            let result = move_entry(
                practice,
                id,
                version,
                start,
                to,
                None,
                override_availability,
                reach,
                at,
                notify,
            )
            .await;
            settle(state, result, problem, error, what);
        });
    };
    let submit_move = move |override_availability: bool| {
        let start = text::parse_date(&date.get_untracked())
            .zip(text::parse_hm(&time.get_untracked()))
            .map(|(d, t)| d.and_time(t));
        match start {
            Some(s) => do_move(s, provider.get_untracked(), override_availability, None),
            None => error.set(Some(AppError::invalid("Give the new date and time."))),
        }
    };
    let pick =
        Callback::new(move |o: Offer| do_move(o.start_local, Some(o.provider), false, Some(o.starts_at)));
    let freq = RwSignal::new("WEEKLY".to_string());
    let count = RwSignal::new("10".to_string());
    let rule_problem = RwSignal::new(None::<Outcome>);
    let submit_rule = move |override_availability: bool, skip_conflicts: bool| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let rrule = format!(
            "FREQ={};COUNT={}",
            freq.get_untracked(),
            count.get_untracked().trim()
        );
        let reach = reach.get_untracked();
        leptos::task::spawn_local(async move {
            let result = change_rule(
                practice,
                id,
                version,
                rrule,
                reach,
                override_availability,
                skip_conflicts,
            )
            .await;
            settle(state, result, rule_problem, error, "Changed the repeat.".into());
        });
    };
    // Arrival and the like only on the appointment's day (the server holds to it too).
    let today = setup.now_local.date();
    let next: Vec<Status> = entry
        .status
        .next()
        .iter()
        .copied()
        .filter(|s| *s != Status::Cancelled && s.fits_day(entry.start_local.date(), today))
        .collect();
    let can_cancel = entry.status.next().contains(&Status::Cancelled);
    let movable = matches!(
        entry.status,
        Status::Scheduled | Status::Confirmed | Status::Arrived
    );
    let is_appointment = entry.kind == EntryKind::Appointment;
    let providers = setup.providers.clone();
    view! {
        <aside class="cal-panel" id="entry-detail" aria-label="Booking details">
            <PanelHead title=entry.title.clone() />
            <dl class="facts">
                <dt>"When"</dt><dd id="detail-when">{when(entry.start_local, entry.end_local)}<OwnTime at=entry.starts_at local=entry.start_local /></dd>
                {type_name.map(|t| view! { <dt>"Type"</dt><dd>{t}</dd> })}
                {provider_name.map(|p| view! { <dt>{if is_appointment { "Provider" } else { "Person" }}</dt><dd>{p}</dd> })}
                {(!attendees.is_empty()).then(|| view! { <dt>"Attendees"</dt><dd>{attendees.join(", ")}</dd> })}
                {room_name.map(|r| view! { <dt>"Room"</dt><dd>{r}</dd> })}
                <dt>"Status"</dt><dd id="detail-status">{entry.status.label()}</dd>
                {entry.series_id.map(|_| view! { <dt>"Repeats"</dt><dd id="detail-repeats">{entry.repeats.clone().unwrap_or_else(|| "Part of a series".into())}</dd> })}
                {entry.outside_availability.then(|| view! { <dt>"Note"</dt><dd>"Booked outside the provider's hours"</dd> })}
            </dl>
            {entry.series_id.map(|_| view! {
                <fieldset class="reach" id="reach">
                    <legend>"Changes apply to"</legend>
                    {[(Reach::This, "this one", "reach-this"), (Reach::Following, "this and the following", "reach-following"), (Reach::All, "all still to come", "reach-all")]
                        .into_iter()
                        .map(|(r, label, key)| view! {
                            <label class="check"><input type="radio" name="reach" id=key prop:checked=move || reach.get() == r on:change=move |_| reach.set(r) />{label}</label>
                        })
                        .collect_view()}
                </fieldset>
            })}
            {(!next.is_empty()).then(|| view! {
                <div class="actions">
                    {next.into_iter().map(|s| view! {
                        <button type="button" class="status-btn" data-status=s.as_str() on:click=move |_| change_status(s)>{s.label()}</button>
                    }).collect_view()}
                </div>
            })}
            {is_appointment.then(|| {
                let practice = state.practice.get_untracked().map(|p| p.to_string()).unwrap_or_default();
                view! { <p class="small"><a id="entry-task" href=format!("/p/{practice}/tasks?new={id}")>"Make a task about this appointment"</a></p> }
            })}
            {movable.then(|| view! {
                <form class="move" on:submit=move |ev| { ev.prevent_default(); submit_move(false); }>
                    <h3>"Move"</h3>
                    <div class="row">
                        <label>"Date"<DateField id="move-date" value=date /></label>
                        <label>"Time"<TimeField id="move-time" value=time /></label>
                    </div>
                    {is_appointment.then(|| view! {
                        <label>"Provider"
                            <select id="move-provider" on:change=move |ev| provider.set(parse_id(&event_target_value(&ev)))>
                                {providers.iter().map(|p| {
                                    let pid = p.id;
                                    view! { <option value=p.id.to_string() selected=move || provider.get() == Some(pid)>{p.name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    })}
                    {move || problem.get().map(|o| {
                        let text = describe(&o);
                        let (offers, unavailable) = match o {
                            Outcome::Conflict { offers, .. } => (offers, false),
                            Outcome::Unavailable { offers } => (offers, true),
                            Outcome::Done { .. } => (vec![], false),
                        };
                        view! {
                            <div class="problem" role="alert" id="move-problem">
                                <p>{text}</p>
                                {unavailable.then(|| view! { <button type="button" on:click=move |_| submit_move(true)>"Move anyway (outside hours)"</button> })}
                                <Offers offers pick />
                            </div>
                        }
                    })}
                    {is_appointment.then(|| view! { <TellPatient id="move-notify" on=notify /> })}
                    <button type="submit" id="move-submit">"Move"</button>
                </form>
            })}
            {(entry.series_id.is_some() && matches!(entry.status, Status::Scheduled | Status::Confirmed)).then(|| view! {
                <form class="move" id="rule" on:submit=move |ev| { ev.prevent_default(); submit_rule(false, false); }>
                    <h3>"New repeat"</h3>
                    <div class="row">
                        <label>"Repeat"
                            <select id="rule-freq" on:change=move |ev| freq.set(event_target_value(&ev))>
                                <option value="DAILY">"Daily"</option>
                                <option value="WEEKLY" selected>"Weekly"</option>
                                <option value="WEEKLY;INTERVAL=2">"Every 2 weeks"</option>
                                <option value="MONTHLY">"Monthly"</option>
                            </select>
                        </label>
                        <label class="count">"Times"<input id="rule-count" type="number" min="1" max="400" prop:value=count on:input=move |ev| count.set(event_target_value(&ev)) /></label>
                    </div>
                    {move || rule_problem.get().map(|o| view! {
                        <div class="problem" role="alert" id="rule-problem">
                            <p>{describe(&o)}</p>
                            <button type="button" id="rule-rest" on:click=move |_| submit_rule(false, true)>"Change it, leaving those out"</button>
                            <button type="button" on:click=move |_| submit_rule(true, false)>"Book outside hours too"</button>
                        </div>
                    })}
                    <button type="submit" id="rule-submit">"Change the repeat"</button>
                </form>
            })}
            {(is_appointment && matches!(entry.status, Status::Scheduled | Status::Confirmed)).then(|| view! {
                <WaitlistForm id booked=entry.start_local.date() today=setup.now_local.date() />
            })}
            {can_cancel.then(|| view! {
                <form class="cancel" on:submit=move |ev| { ev.prevent_default(); change_status(Status::Cancelled); }>
                    <label>"Reason for cancelling"<input id="cancel-reason" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) /></label>
                    {is_appointment.then(|| view! { <TellPatient id="cancel-notify" on=notify_cancel /> })}
                    <button type="submit" class="danger" id="cancel-submit">"Cancel it"</button>
                </form>
            })}
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
        </aside>
    }
}

/// "Tell the patient by e-mail", ticked unless the person says otherwise.
#[component]
fn TellPatient(id: &'static str, on: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="check">
            <input type="checkbox" id=id prop:checked=on on:change=move |ev| on.set(event_target_checked(&ev)) />
            "Tell the patient by e-mail (if we have their address)"
        </label>
    }
}

/// A drag onto another clinician's column: asked before it is done, with whether the patient
/// is told.
#[component]
fn MoveToPanel(setup: Setup, entry: Entry, ask: MoveAsk) -> impl IntoView {
    let state = expect_context::<CalState>();
    let notify = RwSignal::new(true);
    let from = entry
        .provider_id
        .and_then(|p| setup.staff.iter().find(|x| x.id == p))
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let to = ask
        .provider
        .and_then(|p| setup.staff.iter().find(|x| x.id == p))
        .map(|p| p.name.clone());
    let question = format!(
        "{} is with {from} at {}. {}?",
        entry.title,
        text::when_short(entry.start_local),
        text::to_move(&entry.title, to.as_deref(), ask.start)
    );
    let go = move |_| {
        state.panel.set(Panel::None);
        state.move_entry(ask.clone(), notify.get_untracked());
    };
    view! {
        <aside class="cal-panel" id="move-to" aria-label="Move to another clinician">
            <PanelHead title="Move to another clinician?" />
            <p id="move-to-question">{question}</p>
            <TellPatient id="move-to-notify" on=notify />
            <div class="actions">
                <button type="button" class="primary" id="move-to-yes" on:click=go>"Move"</button>
                <button type="button" id="move-to-no" on:click=move |_| state.panel.set(Panel::None)>"Keep it where it is"</button>
            </div>
        </aside>
    }
}

/// Puts the appointment's patient on the waitlist for an earlier slot.
#[component]
fn WaitlistForm(id: EntryId, booked: chrono::NaiveDate, today: chrono::NaiveDate) -> impl IntoView {
    let state = expect_context::<CalState>();
    let earliest = RwSignal::new(today.to_string());
    let latest = RwSignal::new((booked - Duration::days(1)).max(today).to_string());
    let result = RwSignal::new(None::<Result<(), AppError>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let Some((from, to)) =
            text::parse_date(&earliest.get_untracked()).zip(text::parse_date(&latest.get_untracked()))
        else {
            result.set(Some(Err(AppError::invalid(
                "Give the first and last day they could come.",
            ))));
            return;
        };
        leptos::task::spawn_local(async move {
            result.set(Some(
                add_to_waitlist(practice, id, from, to, String::new())
                    .await
                    .map(|_| ()),
            ));
        });
    };
    view! {
        <form class="move" id="waitlist-form" on:submit=submit>
            <h3>"Wants an earlier slot"</h3>
            <div class="row">
                <label>"From"<DateField id="wait-from" value=earliest /></label>
                <label>"Until"<DateField id="wait-to" value=latest /></label>
            </div>
            <button type="submit" id="wait-add">"Add to waitlist"</button>
            {move || result.get().map(|r| match r {
                Ok(()) => view! { <p class="note ok" role="status" id="wait-added">"On the waitlist."</p> }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </form>
    }
}

/// The same instant in the browser's own zone, when that differs from the practice's
/// (an assistant working from another zone). Only in the browser.
#[component]
fn OwnTime(at: chrono::DateTime<chrono::Utc>, local: NaiveDateTime) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let offset = -js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64))
            .get_timezone_offset();
        let own = at.naive_utc() + Duration::minutes(offset as i64);
        (own != local).then(
            || view! { <span class="own-time">{format!(" ({} your time)", text::hm(own.time()))}</span> },
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (at, local);
    }
}

#[component]
fn SlotFinder(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    // From the day being viewed (today at the earliest), two weeks.
    let today = setup.now_local.date();
    let first = state.date.get_untracked().unwrap_or(today).max(today);
    let type_id = RwSignal::new(setup.types.first().map(|t| t.id));
    let chosen = RwSignal::new(Vec::<UserId>::new());
    let from = RwSignal::new(first.to_string());
    let to = RwSignal::new((first + Duration::days(13)).to_string());
    let result = RwSignal::new(None::<Result<Vec<Offer>, AppError>>);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let Some(t) = type_id.get_untracked() else {
            result.set(Some(Err(AppError::invalid("Choose the appointment type."))));
            return;
        };
        let dates = text::parse_date(&from.get_untracked()).zip(text::parse_date(&to.get_untracked()));
        let Some((f, t2)) = dates else {
            result.set(Some(Err(AppError::invalid("Give the first and last day."))));
            return;
        };
        let providers = chosen.get_untracked();
        leptos::task::spawn_local(async move {
            result.set(Some(free_slots(practice, t, providers, f, t2).await));
        });
    };
    let providers = setup.providers.clone();
    view! {
        <aside class="cal-panel" id="slot-finder" aria-label="Find a free slot">
            <PanelHead title="Find a slot" />
            <form on:submit=search>
                <label>"Type"
                    <select id="find-type" on:change=move |ev| type_id.set(parse_id(&event_target_value(&ev)))>
                        {setup.types.iter().map(|t| view! { <option value=t.id.to_string()>{format!("{} ({} min)", t.name, t.minutes)}</option> }).collect_view()}
                    </select>
                </label>
                <PeopleChecks legend="Providers (none ticked: all)" people=providers chosen />
                <div class="row">
                    <label>"From"<DateField id="find-from" value=from /></label>
                    <label>"To"<DateField id="find-to" value=to /></label>
                </div>
                <button type="submit" class="primary" id="find-submit">"Search"</button>
            </form>
            <p class="sr-only" role="status">
                {move || result.with(|r| r.as_ref().map(|r| match r {
                    Ok(offers) if offers.is_empty() => "No free slot in those days.".to_string(),
                    Ok(offers) => format!("{} free slots found, by day and clinician.", offers.len()),
                    Err(_) => String::new(),
                }))}
            </p>
            {move || result.get().map(|r| match r {
                Ok(offers) => {
                    let t = type_id.get_untracked();
                    let pick = Callback::new(move |o: Offer| {
                        state.panel.set(Panel::New(Draft { start: o.start_local, at: Some(o.starts_at), provider: Some(o.provider), room: o.room, type_id: t }));
                    });
                    view! { <div id="find-results"><OffersByDay offers pick /></div> }.into_any()
                }
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </aside>
    }
}

/// A change to the feeds, answering with a new feed's address when it made one.
type FeedChange = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<String>, AppError>>>>;

/// Subscription feeds: the ones the person may see (revocable), a new one (its secret
/// address shown once), and, for practice admins, whether feeds name patients.
#[component]
fn FeedsPanel(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    let version = RwSignal::new(0u32);
    let feeds = crate::wire::load(
        move || (state.practice.get(), version.get()),
        |(practice, _)| async move {
            match practice {
                Some(p) => calendar_feeds(p).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let whose = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let lasts = RwSignal::new(String::new());
    let made = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    // Runs a feed change; a new address is kept to show, and the list is read again.
    let run = move |f: FeedChange| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match f.await {
                Ok(url) => {
                    if url.is_some() {
                        made.set(url);
                    }
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let provider = parse_id::<UserId>(&whose.get_untracked());
        let label = label.get_untracked();
        let days = lasts.get_untracked().parse().ok();
        run(Box::pin(async move {
            add_feed(practice, provider, label, days).await.map(Some)
        }));
    };
    let revoke = move |id| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        run(Box::pin(
            async move { revoke_feed(practice, id).await.map(|()| None) },
        ));
    };
    let names = move |on: bool| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        run(Box::pin(async move {
            set_feed_names(practice, on).await.map(|()| None)
        }));
    };
    let row = move |f: Feed| {
        let id = f.id;
        let whom = f
            .provider
            .map(|p| p.name)
            .unwrap_or_else(|| "Whole practice".into());
        let read = f
            .last_read_at
            .map(|t| format!("read {}", text::date_long(t.date_naive())))
            .unwrap_or_else(|| "never read".into());
        let ends = f
            .expires_at
            .map(|t| format!(", stops {}", text::date_long(t.date_naive())))
            .unwrap_or_default();
        view! {
            <li>
                <span><strong>{whom}</strong>" "{f.label}</span>
                <span class="muted small">{format!("by {}, {read}{ends}", f.created_by)}</span>
                <button type="button" class="small danger" on:click=move |_| revoke(id)>"Revoke"</button>
            </li>
        }
    };
    view! {
        <aside class="cal-panel" id="feeds-panel" aria-label="Calendar feeds">
            <PanelHead title="Subscribe" />
            <p class="muted small">"A private address that Google Calendar (Other calendars → From URL) or Outlook (Add calendar → Subscribe from web) polls. Anyone holding it sees the calendar: revoke it when it is no longer needed."</p>
            <form on:submit=create>
                <label>"Calendar of"
                    <select id="feed-whose" on:change=move |ev| whose.set(event_target_value(&ev))>
                        <option value="">"Whole practice"</option>
                        {setup.providers.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Label (optional)"<input id="feed-label" maxlength="80" prop:value=label on:input=move |ev| label.set(event_target_value(&ev)) /></label>
                <label>"Works"
                    <select id="feed-lasts" on:change=move |ev| lasts.set(event_target_value(&ev))>
                        <option value="">"Until revoked"</option>
                        <option value="7">"For a week"</option>
                        <option value="30">"For 30 days"</option>
                        <option value="90">"For 90 days"</option>
                        <option value="366">"For a year"</option>
                    </select>
                </label>
                <button type="submit" class="primary" id="feed-add">"Make address"</button>
            </form>
            {move || made.get().map(|url| view! {
                <div class="note ok" role="status">
                    <p>"Copy it now: it is shown only once."</p>
                    <input id="feed-url" readonly aria-label="Feed address" prop:value=url />
                </div>
            })}
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match feeds.await {
                        Ok(list) => {
                            let (on, may) = (list.patient_names, list.may_set_names);
                            view! {
                                <ul class="feed-list" id="feed-list">
                                    {list.feeds.into_iter().map(row).collect_view()}
                                </ul>
                                {may.then(|| view! {
                                    <label class="check"><input type="checkbox" id="feed-names" prop:checked=on
                                        on:change=move |ev| names(event_target_checked(&ev)) />
                                        "Feeds name patients (off: the appointment type only)"</label>
                                })}
                                {(!may).then(|| view! { <p class="muted small">{if on { "Feeds of this practice name patients." } else { "Feeds of this practice show appointment types, not patients." }}</p> })}
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}
