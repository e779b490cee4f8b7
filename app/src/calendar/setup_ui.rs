//! The calendar's setup panel: rooms, appointment types, each provider's weekly hours and
//! their one-off extra hours and time off. Part of the lazy panels chunk.

use crate::calendar::api::{
    add_extra_hours, add_room, hour_exceptions, save_type, set_weekly_hours, weekly_hours, withdraw_exception,
};
use crate::calendar::forms_ui::{PanelHead, PeopleChecks, TimeField};
use crate::calendar::model::{ApptType, Exception, Setup};
use crate::calendar::rules::ExceptionKind;
use crate::calendar::text;
use crate::calendar::ui::CalState;
use crate::error::AppError;
use crate::model::{TypeId, UserId};
use crate::ui::ErrorNote;
use leptos::prelude::*;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[component]
pub fn SetupPanel(setup: Setup) -> impl IntoView {
    view! {
        <aside class="cal-panel" id="setup-panel" aria-label="Calendar setup">
            <PanelHead title="Setup" />
            <HoursForm setup=setup.clone() />
            <ExtraHoursForm setup=setup.clone() />
            <TypesForm setup=setup.clone() />
            <RoomsForm setup />
        </aside>
    }
}

/// A provider's weekly hours from a date on (the live event of the change redraws the grid).
#[component]
fn HoursForm(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    let today = setup.now_local.date();
    let provider = RwSignal::new(setup.providers.first().map(|p| p.id));
    let from = RwSignal::new(today.to_string());
    let days: [RwSignal<String>; 7] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let saved = RwSignal::new(None::<Result<Vec<String>, AppError>>);
    // The hours in force today, read again when another provider is chosen.
    let current = crate::wire::load(
        move || (state.practice.get(), provider.get()),
        move |(practice, p)| async move {
            match (practice, p) {
                (Some(practice), Some(p)) => weekly_hours(practice, p, today).await,
                _ => Ok(vec![]),
            }
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(list)) = current.get() {
            for (signal, text) in days
                .iter()
                .zip(list.into_iter().chain(std::iter::repeat(String::new())))
            {
                signal.set(text::day_hours(&text));
            }
            saved.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(practice), Some(p)) = (state.practice.get_untracked(), provider.get_untracked()) else {
            return;
        };
        let Some(start) = text::parse_date(&from.get_untracked()) else {
            saved.set(Some(Err(AppError::invalid("Give the day the hours start."))));
            return;
        };
        let texts: Vec<String> = days.iter().map(|d| d.get_untracked()).collect();
        leptos::task::spawn_local(async move {
            saved.set(Some(set_weekly_hours(practice, p, start, texts).await));
        });
    };
    view! {
        <form class="setup" id="hours-form" on:submit=submit>
            <h3>"Weekly hours"</h3>
            <div class="row">
                <label>"Provider"
                    <select id="hours-provider" on:change=move |ev| provider.set(event_target_value(&ev).parse::<UserId>().ok())>
                        {setup.providers.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"From"<crate::calendar::forms_ui::DateField id="hours-from" value=from /></label>
            </div>
            <p class="muted small" id="hours-what">
                {format!("When this clinician can be booked, e.g. {}; empty: not working. ", text::day_hours("08:30-12:00, 13:00-17:00"))}
                "The practice's opening hours (Admin, Settings) are when it answers the phone and is open; "
                "set the two apart only on purpose."
            </p>
            {WEEKDAYS.iter().zip(days).enumerate().map(|(i, (name, day))| view! {
                <label class="inline">
                    <span>{*name}</span>
                    <input id=format!("hours-{i}") prop:value=day on:input=move |ev| day.set(event_target_value(&ev)) />
                </label>
            }).collect_view()}
            <button type="submit" id="hours-save">"Save hours"</button>
            {move || saved.get().map(|r| match r {
                Ok(outside) => view! {
                    <div role="status" id="hours-saved">
                        <p class="note ok">"Saved."</p>
                        {(!outside.is_empty()).then(|| view! {
                            <ul class="notice" id="hours-outside">
                                {outside.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                            </ul>
                        })}
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
            })}
        </form>
    }
}

/// One-off extra hours (a Saturday clinic) and the provider's time off ahead, each of which
/// can be withdrawn. Time off itself is entered through "Clinician out", which also moves
/// the appointments it touches.
#[component]
fn ExtraHoursForm(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    let provider = RwSignal::new(setup.providers.first().map(|p| p.id));
    let day = RwSignal::new(setup.now_local.date().to_string());
    let from = RwSignal::new(text::hm_of(9, 0));
    let to = RwSignal::new(text::hm_of(13, 0));
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    // Read again for another provider and after each change here (the calendar itself
    // redraws on the change's live event; redrawing the setup would reset this form).
    let version = RwSignal::new(0u32);
    let list = crate::wire::load(
        move || (state.practice.get(), provider.get(), version.get()),
        move |(practice, p, _)| async move {
            match (practice, p) {
                (Some(practice), Some(p)) => hour_exceptions(practice, p).await,
                _ => Ok(vec![]),
            }
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(practice), Some(p)) = (state.practice.get_untracked(), provider.get_untracked()) else {
            return;
        };
        let (Some(d), Some(f), Some(t)) = (
            text::parse_date(&day.get_untracked()),
            text::parse_hm(&from.get_untracked()),
            text::parse_hm(&to.get_untracked()),
        ) else {
            error.set(Some(AppError::invalid(
                "Give the day and the times the extra hours start and end.",
            )));
            return;
        };
        let n = note.get_untracked();
        leptos::task::spawn_local(async move {
            match add_extra_hours(practice, p, d, f, t, n).await {
                Ok(()) => {
                    error.set(None);
                    note.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let withdraw = move |id: uuid::Uuid| {
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match withdraw_exception(practice, id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let row = move |x: Exception| {
        let what = match x.kind {
            ExceptionKind::Extra => "Extra",
            ExceptionKind::Off => "Out",
        };
        let until = if x.end_local.date() == x.start_local.date() {
            text::hm(x.end_local.time())
        } else {
            text::when_short(x.end_local)
        };
        view! {
            <li class=format!("exception {}", what.to_lowercase())>
                <span class="tag">{what}</span>
                <span>{format!("{} – {}", text::when_short(x.start_local), until)}</span>
                <span class="muted">{x.note}</span>
                <button type="button" class="link" on:click=move |_| withdraw(x.id)>"Withdraw"</button>
            </li>
        }
    };
    view! {
        <form class="setup" id="extra-form" on:submit=submit>
            <h3>"Extra hours and time off"</h3>
            <label>"Provider"
                <select id="extra-provider" on:change=move |ev| provider.set(event_target_value(&ev).parse::<UserId>().ok())>
                    {setup.providers.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}
                </select>
            </label>
            <Transition fallback=|| view! { <p class="muted small">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! { <p class="muted small" id="exception-list">"None ahead."</p> }.into_any(),
                        Ok(items) => view! { <ul class="exception-list" id="exception-list">{items.into_iter().map(row).collect_view()}</ul> }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Transition>
            <label>"Day"<crate::calendar::forms_ui::DateField id="extra-day" value=day /></label>
            <div class="row">
                <label>"From"<TimeField id="extra-from" value=from /></label>
                <label>"To"<TimeField id="extra-to" value=to /></label>
            </div>
            <label>"Note"<input id="extra-note" maxlength="500" placeholder="e.g. Saturday flu clinic" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) /></label>
            <button type="submit" id="extra-add">"Add extra hours"</button>
            <p class="muted small">"Time off: use “Clinician out”, which also moves the appointments it touches."</p>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
        </form>
    }
}

/// Appointment types: pick one to change it, or fill the empty form for a new one.
#[component]
fn TypesForm(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    let editing = RwSignal::new(None::<TypeId>);
    let name = RwSignal::new(String::new());
    let minutes = RwSignal::new("20".to_string());
    let before = RwSignal::new("0".to_string());
    let after = RwSignal::new("0".to_string());
    let color = RwSignal::new("#3b6ea5".to_string());
    let needs_room = RwSignal::new(false);
    let allowed = RwSignal::new(Vec::<UserId>::new());
    let error = RwSignal::new(None::<AppError>);
    let types = setup.types.clone();
    let pick = move |t: Option<ApptType>| {
        editing.set(t.as_ref().map(|t| t.id));
        let t = t.unwrap_or(ApptType {
            id: TypeId(uuid::Uuid::nil()),
            name: String::new(),
            minutes: 20,
            buffer_before: 0,
            buffer_after: 0,
            color: "#3b6ea5".into(),
            needs_room: false,
            provider_ids: vec![],
        });
        name.set(t.name);
        minutes.set(t.minutes.to_string());
        before.set(t.buffer_before.to_string());
        after.set(t.buffer_after.to_string());
        color.set(t.color);
        needs_room.set(t.needs_room);
        allowed.set(t.provider_ids);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<i32>().unwrap_or(-1);
        let t = ApptType {
            id: editing.get_untracked().unwrap_or(TypeId(uuid::Uuid::nil())),
            name: name.get_untracked(),
            minutes: number(minutes),
            buffer_before: number(before),
            buffer_after: number(after),
            color: color.get_untracked(),
            needs_room: needs_room.get_untracked(),
            provider_ids: allowed.get_untracked(),
        };
        let id = editing.get_untracked();
        leptos::task::spawn_local(async move {
            match save_type(practice, id, t).await {
                // The setup is read again: the panel is drawn anew with the saved type.
                Ok(_) => state.setup_changed.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="setup" id="types-form" on:submit=submit>
            <h3>"Appointment types"</h3>
            <ul class="type-list">
                {types.into_iter().map(|t| {
                    let shown = t.clone();
                    view! {
                        <li>
                            <button type="button" class="link" on:click=move |_| pick(Some(shown.clone()))>
                                <span class="swatch" style=format!("background:{}", t.color)></span>
                                {format!("{} · {} min{}", t.name, t.minutes, if t.needs_room { " · room" } else { "" })}
                            </button>
                        </li>
                    }
                }).collect_view()}
                <li><button type="button" class="link" id="type-new" on:click=move |_| pick(None)>"+ New type"</button></li>
            </ul>
            <label>"Name"<input id="type-name" maxlength="80" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            <div class="row">
                <label>"Minutes"<input id="type-minutes" type="number" min="5" max="480" prop:value=minutes on:input=move |ev| minutes.set(event_target_value(&ev)) /></label>
                <label>"Before"<input type="number" min="0" max="120" prop:value=before on:input=move |ev| before.set(event_target_value(&ev)) /></label>
                <label>"After"<input type="number" min="0" max="120" prop:value=after on:input=move |ev| after.set(event_target_value(&ev)) /></label>
                <label>"Colour"<input type="color" prop:value=color on:input=move |ev| color.set(event_target_value(&ev)) /></label>
            </div>
            <label class="check"><input type="checkbox" prop:checked=needs_room on:change=move |ev| needs_room.set(event_target_checked(&ev)) />"Needs a room"</label>
            <PeopleChecks legend="Providers (none ticked: all)" people=setup.providers.clone() chosen=allowed />
            <button type="submit" id="type-save">{move || if editing.get().is_some() { "Save type" } else { "Add type" }}</button>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
        </form>
    }
}

#[component]
fn RoomsForm(setup: Setup) -> impl IntoView {
    let state = expect_context::<CalState>();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        let n = name.get_untracked();
        leptos::task::spawn_local(async move {
            match add_room(practice, n).await {
                Ok(_) => state.setup_changed.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="setup" id="rooms-form" on:submit=submit>
            <h3>"Rooms"</h3>
            <p class="small" id="room-list">{setup.rooms.iter().map(|r| r.name.clone()).collect::<Vec<_>>().join(", ")}</p>
            <div class="row">
                <label>"New room"<input id="room-name" maxlength="80" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) /></label>
            </div>
            <button type="submit" id="room-add">"Add room"</button>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
        </form>
    }
}
