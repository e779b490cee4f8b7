//! `/p/:practice` and `/p/:practice/inbox`: the person's one list across their practices,
//! most urgent first, each row tagged with its practice and that practice's time, with the
//! practice's phone script and people beside it; a task opens on the Tasks page. Worked by
//! keyboard: j/k move, Enter opens, t takes, d marks done (a task) or confirmed / in the
//! room (an appointment), n makes a task. A lazy route.

use crate::calendar::model::Status as Visiting;
use crate::calendar::text;
use crate::error::AppError;
use crate::inbox::api::inbox_items;
use crate::inbox::model::{Inbox, Item, Need, Ranked, Visit};
use crate::inbox::rules::{left_words, span_words, urgency_class};
use crate::model::{Me, PracticeId};
use crate::shell::MeResource;
use crate::tasks::model::{Act, Status};
use crate::tasks::ui::{
    act, focus_row, focused_row, keys_on, take, works_queues, NewTaskSlot, TaskLine, TaskState,
};
use crate::ui::{ErrorNote, PageError};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/p/:practice` and `/p/:practice/inbox`.
    inbox_page => InboxPage
);

#[component]
pub fn InboxPage() -> impl IntoView {
    let practice = crate::practices::ui::practice_param();
    // A task opens on the Tasks page (its panel is that page's code, not the inbox's).
    let state = TaskState::new(false);
    if let Some(feed) = use_context::<crate::realtime::ui::LiveFeed>() {
        feed.on_any(crate::realtime::Kind::Task, move |_| state.reread());
        feed.on_any(crate::realtime::Kind::Calendar, move |_| state.reread());
    }
    let inbox = crate::wire::load(move || state.changed.get(), |_| inbox_items());
    // Practices left out of the list (the chips above it); kept for the page's life.
    let hidden = RwSignal::new(Vec::<PracticeId>::new());
    let me = expect_context::<MeResource>();
    view! {
        <div class="inbox-page" id="inbox">
            <div class="task-main">
            <NewTaskSlot state />
            <Transition fallback=|| view! { <p class="muted pad">"Loading your inbox…"</p> }>
                {move || {
                hidden.track();
                Suspend::new(async move {
                    let me = me.await.ok().flatten();
                    let (Some(me), Some(here)) = (me, practice.get()) else {
                        return view! { <PageError error=AppError::Unauthenticated /> }.into_any();
                    };
                    if me.practice(here).is_none() && !me.agency_admin {
                        return view! { <PageError error=AppError::Forbidden /> }.into_any();
                    }
                    let inbox = inbox.await;
                    view! { <InboxList me inbox state hidden /> }.into_any()
                })
                }}
            </Transition>
            </div>
            <crate::practices::ui::PracticeCard />
        </div>
    }
}

#[component]
fn InboxList(
    me: Me,
    inbox: Result<Inbox, AppError>,
    state: TaskState,
    hidden: RwSignal<Vec<PracticeId>>,
) -> impl IntoView {
    let desk: Vec<PracticeId> = me
        .practices
        .iter()
        .filter(|p| works_queues(&me, p.id))
        .map(|p| p.id)
        .collect();
    if state.desk.get_untracked() != desk {
        state.desk.set(desk.clone());
    }
    let error = RwSignal::new(None::<AppError>);
    let inbox = match inbox {
        Ok(i) => i,
        Err(e) => return view! { <section class="panel inbox-list"><h1>"Inbox"</h1><ErrorNote error=e /></section> }.into_any(),
    };
    let shut = hidden.get_untracked();
    let rows: Vec<Ranked> = inbox
        .items
        .into_iter()
        .filter(|r| !shut.contains(&r.item.practice()))
        .collect();
    let many = me.practices.len() > 1;
    let rows_shown = StoredValue::new(rows.clone());
    #[cfg(feature = "hydrate")]
    if let Some(i) = focused_row() {
        request_animation_frame(move || focus_row(i));
    }
    let desk_keys = desk.clone();
    let keys = move |ev: leptos::ev::KeyboardEvent| {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || !keys_on() {
            return;
        }
        let Some(i) = focused_row() else {
            return;
        };
        let Some(row) = rows_shown.with_value(|r| r.get(i).cloned()) else {
            return;
        };
        match (ev.key().as_str(), &row.item) {
            ("j" | "ArrowDown", _) => focus_row(i + 1),
            ("k" | "ArrowUp", _) => focus_row(i.saturating_sub(1)),
            ("Enter", Item::Task(t)) => state.open_task(t.practice, t.id),
            ("Enter", Item::Visit(v)) => crate::nav::go(&calendar_day(v), false),
            ("t", Item::Task(t)) if desk_keys.contains(&t.practice) => take(state, error, t),
            ("d", Item::Task(t)) if t.status.is_open() => act(
                state,
                error,
                t.practice,
                t.id,
                t.version,
                Act::Done,
                "Marked it done.",
            ),
            ("d", Item::Visit(v)) => move_visit(state, error, v),
            _ => return,
        }
        ev.prevent_default();
    };
    crate::tasks::ui::new_task_key(state);
    let next = {
        let practices = desk.clone();
        move |_| {
            let practices = practices.clone();
            leptos::task::spawn_local(async move {
                match crate::tasks::api::take_next(practices).await {
                    Ok(Some((p, t))) => {
                        state.said.set(Some("Took the most urgent task.".into()));
                        state.open_task(p, t);
                        state.reread();
                    }
                    Ok(None) => state.said.set(Some("Nothing is waiting in your queues.".into())),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let me_id = me.id;
    let count = rows.len();
    view! {
        <section class="panel inbox-list task-list">
            <div class="task-bar">
                <h1>"Inbox"</h1>
                <span class="muted" id="inbox-count">{match count { 0 => "nothing to do".to_string(), 1 => "1 to do".to_string(), n => format!("{n} to do") }}</span>
                <button type="button" id="task-new" aria-keyshortcuts="n" on:click=move |_| state.creating.set(true)>"New task"</button>
                {(!desk.is_empty()).then(|| view! { <button type="button" id="task-next" on:click=next>"Take next"</button> })}
            </div>
            {many.then(|| view! {
                <div class="practice-clocks" role="group" aria-label="Practices shown">
                    {inbox.practices.iter().map(|p| {
                        let id = p.id;
                        let label = format!("{} {} · {}", p.name, text::hm(p.local_now.time()), if p.open_now { "open" } else { "closed" });
                        view! {
                            <button type="button" class="chip" aria-pressed=(!shut.contains(&id)).to_string()
                                on:click=move |_| hidden.update(|h| if h.contains(&id) { h.retain(|x| *x != id) } else { h.push(id) })>
                                {label}
                            </button>
                        }
                    }).collect_view()}
                </div>
            })}
            <p class="sr-only" role="status" aria-live="polite" id="task-said">{move || state.said.get()}</p>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            {if rows.is_empty() {
                view! { <p class="muted" id="inbox-empty">"Nothing needs you now in any of your practices."</p> }.into_any()
            } else {
                view! {
                    <ul class="task-rows" id="inbox-list" aria-label="What needs doing, most urgent first" aria-keyshortcuts="j k Enter t d" on:keydown=keys>
                        {rows.into_iter().map(|r| match r.item {
                            Item::Task(row) => {
                                let can_take = row.status == Status::New && row.assignee.as_ref().is_none_or(|a| a.id == me_id) && desk.contains(&row.practice);
                                view! { <TaskLine row me=me_id many can_take state error minutes_left=Some(r.minutes_left) /> }.into_any()
                            }
                            Item::Visit(v) => view! { <VisitLine v minutes=r.minutes_left many state error /> }.into_any(),
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The calendar's day of an appointment.
fn calendar_day(v: &Visit) -> String {
    format!("/p/{}/calendar?date={}", v.practice, v.start_local.date())
}

/// What a visit's button does, in words, and the status it sets.
fn next_step(need: Need) -> (&'static str, Visiting) {
    match need {
        Need::Confirm => ("Confirmed", Visiting::Confirmed),
        Need::Waiting => ("In room", Visiting::InRoom),
    }
}

/// Confirms an appointment, or takes its waiting patient into the room.
fn move_visit(state: TaskState, error: RwSignal<Option<AppError>>, v: &Visit) {
    let (p, id, version, need) = (v.practice, v.entry, v.version, v.need);
    leptos::task::spawn_local(async move {
        let (words, status) = next_step(need);
        match crate::calendar::api::set_status(p, id, version, status, None, None, None).await {
            Ok(_) => {
                state
                    .said
                    .set(Some(format!("Marked it {}.", words.to_lowercase())));
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
        state.reread();
    });
}

/// An appointment that needs someone: confirm it, or see the patient waiting.
#[component]
fn VisitLine(
    v: Visit,
    minutes: i64,
    many: bool,
    state: TaskState,
    error: RwSignal<Option<AppError>>,
) -> impl IntoView {
    let (what, prio, due) = match v.need {
        Need::Confirm => (
            "Confirm",
            "soon",
            format!("Confirm by close · {}", left_words(minutes)),
        ),
        Need::Waiting => (
            "Waiting",
            "urgent",
            if minutes < 0 {
                format!("{} past their time", span_words(-minutes))
            } else {
                "Arrived early".to_string()
            },
        ),
    };
    let (button, _) = next_step(v.need);
    let href = calendar_day(&v);
    let shown = v.clone();
    view! {
        <li tabindex="0" class=format!("task-row visit-row prio-{prio} {}", urgency_class(minutes)) data-entry=v.entry.to_string()>
            <span class="badge prio">{what}</span>
            <span class="num"></span>
            <a class="title" href=href tabindex="-1">{format!("{} · {}", v.patient, text::when_short(v.start_local))}</a>
            <span class="muted type">
                {format!("Appointment with {}", v.provider)}
                {many.then(|| view! { " · " <span class="practice-tag">{v.practice_name.clone()}</span> })}
            </span>
            <span class="due">{due}</span>
            <span class="who">{match v.need { Need::Confirm => "Not confirmed", Need::Waiting => "Arrived" }}</span>
            <button type="button" class="small take" aria-keyshortcuts="d" on:click=move |ev| {
                ev.stop_propagation();
                move_visit(state, error, &shown);
            }>{button}</button>
        </li>
    }
}
