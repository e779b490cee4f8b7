//! `/p/:practice/tasks`: the open tasks of every practice the person serves, most urgent
//! first, and what they asked for; a task opened beside the list (`?task=`), with its
//! checklist, changes, comments and history; a form for a new one. Worked by keyboard:
//! j/k move, Enter opens, t takes, d marks done, n makes a new one. A lazy route.

use crate::calendar::text;
use crate::model::{EntryId, Me, PracticeId, TaskId, UserId};
use crate::shell::MeResource;
use crate::tasks::api::{
    act_on_task, assign_task, comment_on_task, create_task, list_tasks, read_task, take_next, take_task,
    tasks_setup, tick_step,
};
use crate::tasks::model::{Act, NewTask, Priority, Status, Taken, TaskDetail, TaskRow, WaitingOn};
use crate::ui::{ErrorNote, PageError};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/p/:practice/tasks`.
    tasks_page => TasksPage
);

/// What the page shares with its parts.
#[derive(Clone, Copy)]
pub struct TaskState {
    /// Counts changes: the list and the open task are read again on each.
    pub(crate) changed: RwSignal<u32>,
    /// The task open beside the list.
    pub(crate) open: RwSignal<Option<(PracticeId, TaskId)>>,
    /// A short message of what the last action did (polite live region).
    pub(crate) said: RwSignal<Option<String>>,
    pub(crate) creating: RwSignal<bool>,
    /// The open task takes the focus when next drawn (it was opened on purpose).
    focus_panel: StoredValue<bool>,
    /// The practices where the person works the queues (takes tasks).
    pub(crate) desk: RwSignal<Vec<PracticeId>>,
    /// The appointment a task being made is about (`?new=`, from the calendar).
    about: RwSignal<Option<EntryId>>,
    /// A task opens beside the list (the Tasks page); otherwise opening one goes there.
    beside: bool,
}

impl TaskState {
    pub(crate) fn new(beside: bool) -> TaskState {
        TaskState {
            beside,
            changed: RwSignal::new(0),
            open: RwSignal::new(None),
            said: RwSignal::new(None),
            creating: RwSignal::new(false),
            focus_panel: StoredValue::new(false),
            desk: RwSignal::new(Vec::new()),
            about: RwSignal::new(None),
        }
    }

    pub(crate) fn reread(self) {
        self.changed.update(|v| *v += 1);
    }

    /// Opens a task beside the list and gives it the focus.
    pub(crate) fn open_task(self, practice: PracticeId, task: TaskId) {
        if !self.beside {
            crate::nav::go(&format!("/p/{practice}/tasks?task={task}"), false);
            return;
        }
        self.focus_panel.set_value(true);
        self.open.set(Some((practice, task)));
    }
}

/// The person works queues (takes tasks) in `practice`.
pub(crate) fn works_queues(me: &Me, practice: PracticeId) -> bool {
    me.practice(practice)
        .is_some_and(|p| crate::tasks::rules::DESK.contains(&p.role))
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let practice = crate::practices::ui::practice_param();
    let query = crate::nav::query();
    let which = RwSignal::new("open");
    let state = TaskState::new(true);
    // A notification's link names the task to open.
    Effect::new(move |_| {
        let asked = query.read().get("task").and_then(|t| t.parse::<TaskId>().ok());
        if let (Some(p), Some(t)) = (practice.get(), asked) {
            state.open.set(Some((p, t)));
        }
    });
    // The calendar's "Make a task about this appointment" names the appointment.
    Effect::new(move |_| {
        if let Some(new) = query.read().get("new") {
            state.about.set(new.parse::<EntryId>().ok());
            state.creating.set(true);
        }
    });
    if let Some(feed) = use_context::<crate::realtime::ui::LiveFeed>() {
        feed.on_any(crate::realtime::Kind::Task, move |_| state.reread());
    }
    let list = crate::wire::load(
        move || (which.get(), state.changed.get()),
        |(w, _)| list_tasks(w.to_string()),
    );
    let me = expect_context::<MeResource>();
    view! {
        <div class="tasks-page" id="tasks">
            <div class="task-main">
            <NewTaskSlot state />
            <Transition fallback=|| view! { <p class="muted pad">"Loading tasks…"</p> }>
                {move || Suspend::new(async move {
                    let me = me.await.ok().flatten();
                    let (Some(me), Some(here)) = (me, practice.get()) else {
                        return view! { <PageError error=crate::error::AppError::Unauthenticated /> }.into_any();
                    };
                    if me.practice(here).is_none() {
                        return view! { <PageError error=crate::error::AppError::Forbidden /> }.into_any();
                    }
                    let rows = list.await;
                    view! { <TaskBoard me rows which state /> }.into_any()
                })}
            </Transition>
            </div>
            {move || state.open.get().map(|(p, t)| view! { <TaskPanel practice=p task=t state /> })}
        </div>
    }
}

#[component]
fn TaskBoard(
    me: Me,
    rows: Result<Vec<TaskRow>, crate::error::AppError>,
    which: RwSignal<&'static str>,
    state: TaskState,
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
    let many = me.practices.len() > 1;
    let error = RwSignal::new(None::<crate::error::AppError>);
    let desk_next = desk.clone();
    let next = move |_| {
        let practices = desk_next.clone();
        leptos::task::spawn_local(async move {
            match take_next(practices).await {
                Ok(Some((p, t))) => {
                    state.said.set(Some("Took the most urgent task.".into()));
                    state.open_task(p, t);
                    state.reread();
                }
                Ok(None) => state.said.set(Some("Nothing is waiting in your queues.".into())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let rows_shown = StoredValue::new(rows.as_ref().ok().cloned().unwrap_or_default());
    // Drawn anew after a change: the row that had the focus keeps it.
    #[cfg(feature = "hydrate")]
    if let Some(i) = focused_row() {
        request_animation_frame(move || focus_row(i));
    }
    let me_id = me.id;
    let desk_rows = desk.clone();
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
        match ev.key().as_str() {
            "j" | "ArrowDown" => focus_row(i + 1),
            "k" | "ArrowUp" => focus_row(i.saturating_sub(1)),
            "Enter" => state.open_task(row.practice, row.id),
            "t" if desk_rows.contains(&row.practice) => take(state, error, &row),
            "d" if row.status.is_open() => act(
                state,
                error,
                row.practice,
                row.id,
                row.version,
                Act::Done,
                "Marked it done.",
            ),
            _ => return,
        }
        ev.prevent_default();
    };
    new_task_key(state);
    view! {
        <section class="panel task-list">
            <div class="task-bar">
                <h1>"Tasks"</h1>
                <div class="seg-group" role="group" aria-label="Which tasks">
                    <button type="button" aria-pressed=move || (which.get() == "open").to_string() on:click=move |_| which.set("open")>"Open"</button>
                    <button type="button" id="tasks-asked" aria-pressed=move || (which.get() == "asked").to_string() on:click=move |_| which.set("asked")>"Asked by me"</button>
                </div>
                <button type="button" id="task-new" aria-keyshortcuts="n" on:click=move |_| state.creating.set(true)>"New task"</button>
                {(!desk.is_empty()).then(|| view! {
                    <button type="button" id="task-next" on:click=next>"Take next"</button>
                })}
            </div>
            <p class="sr-only" role="status" aria-live="polite" id="task-said">{move || state.said.get()}</p>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            {match rows {
                Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                Ok(rows) if rows.is_empty() => view! {
                    <p class="muted" id="tasks-empty">
                        {if which.get_untracked() == "open" { "No open tasks in any of your practices." } else { "You have not asked for anything lately." }}
                    </p>
                }.into_any(),
                Ok(rows) => view! {
                    <ul class="task-rows" id="task-list" aria-label="Tasks, most urgent first" aria-keyshortcuts="j k Enter t d" on:keydown=keys>
                        {rows.into_iter().map(|row| {
                            let can_take = row.status == Status::New && row.assignee.as_ref().is_none_or(|a| a.id == me_id) && desk.contains(&row.practice);
                            view! { <TaskLine row me=me_id many can_take state error minutes_left=None /> }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

/// One task in a list: priority, number, title, kind and practice, due, who has it, "Take".
#[component]
pub fn TaskLine(
    row: TaskRow,
    me: UserId,
    /// The person serves several practices: each row names its own.
    many: bool,
    can_take: bool,
    state: TaskState,
    error: RwSignal<Option<crate::error::AppError>>,
    /// Minutes of opening hours left on its SLA, when the list ranks by them.
    minutes_left: Option<i64>,
) -> impl IntoView {
    let key = (row.practice, row.id);
    let who = match (&row.assignee, row.status) {
        (_, Status::Done | Status::Cancelled) => row.status.label().to_string(),
        (Some(a), _) if a.id == me => format!("{} · you", row.status.label()),
        (Some(a), _) => format!("{} · {}", row.status.label(), a.name),
        (None, _) => format!("{} · {}", row.status.label(), row.queue_name),
    };
    let waiting = row
        .waiting_on
        .map(|w| format!(" on {}", w.label()))
        .unwrap_or_default();
    let prio = row.priority.key();
    let late = minutes_left
        .map(crate::inbox::rules::urgency_class)
        .unwrap_or_default();
    let due = match minutes_left {
        Some(m) => format!(
            "Due {} · {}",
            text::when_short(row.due_local),
            crate::inbox::rules::left_words(m)
        ),
        None => format!("Due {}", text::when_short(row.due_local)),
    };
    let shown = row.clone();
    view! {
        <li tabindex="0" data-task=row.id.to_string()
            class=move || format!("task-row prio-{prio} {late}{}", if state.open.get() == Some(key) { " open-now" } else { "" })
            on:click=move |_| state.open_task(key.0, key.1)>
            <span class="badge prio">{row.priority.label()}</span>
            <span class="num">{format!("#{}", row.number)}</span>
            <span class="title">{row.title.clone()}</span>
            <span class="muted type">
                {row.type_name.clone()}
                {many.then(|| view! { " · " <span class="practice-tag">{row.practice_name.clone()}</span> })}
            </span>
            <span class="due">{due}</span>
            <span class="who">{who}{waiting}</span>
            {can_take.then(|| view! {
                <button type="button" class="small take" on:click=move |ev| {
                    ev.stop_propagation();
                    take(state, error, &shown);
                }>"Take"</button>
            })}
        </li>
    }
}

/// "n" anywhere on the page (not in a field) opens the new-task form, while the caller lives.
pub(crate) fn new_task_key(state: TaskState) {
    #[cfg(feature = "hydrate")]
    {
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "n"
                && keys_on()
                && !ev.alt_key()
                && !ev.ctrl_key()
                && !ev.meta_key()
                && on_page(&ev)
            {
                state.creating.set(true);
                ev.prevent_default();
            }
        });
        on_cleanup(move || keys.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}

/// Whether the person keeps single-key shortcuts on.
pub(crate) fn keys_on() -> bool {
    #[cfg(feature = "hydrate")]
    return crate::ui::single_keys_on();
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Whether a key was pressed on the page itself, not in a field or on a control.
#[cfg(feature = "hydrate")]
fn on_page(ev: &leptos::ev::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_none_or(|el| !matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON"))
}

/// The index of the task row that has the focus.
pub(crate) fn focused_row() -> Option<usize> {
    #[cfg(feature = "hydrate")]
    {
        let active = crate::ui::focused()?;
        if !active.class_list().contains("task-row") {
            return None;
        }
        let rows = web_sys::window()?
            .document()?
            .query_selector_all("ul.task-rows .task-row")
            .ok()?;
        (0..rows.length()).position(|i| {
            rows.item(i)
                .is_some_and(|n| n.is_same_node(Some(active.as_ref())))
        })
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

pub(crate) fn focus_row(i: usize) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let row = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector_all("ul.task-rows .task-row").ok())
            .and_then(|rows| rows.item(u32::try_from(i).unwrap_or(u32::MAX)))
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(row) = row {
            let _ = row.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = i;
}

/// Closes the open task; the focus goes back to its row.
fn close_panel(state: TaskState, task: TaskId) {
    state.open.set(None);
    #[cfg(feature = "hydrate")]
    crate::ui::focus_when_drawn(format!("ul.task-rows .task-row[data-task=\"{task}\"]"));
    #[cfg(not(feature = "hydrate"))]
    let _ = task;
}

pub(crate) fn take(state: TaskState, error: RwSignal<Option<crate::error::AppError>>, row: &TaskRow) {
    let (p, t, n) = (row.practice, row.id, row.number);
    leptos::task::spawn_local(async move {
        match take_task(p, t).await {
            Ok(Taken::Yours { .. }) => {
                state.said.set(Some(format!("Took task #{n}.")));
                if state.beside && state.open.get_untracked() != Some((p, t)) {
                    state.open.set(Some((p, t)));
                }
            }
            Ok(Taken::Theirs(Some(name))) => state.said.set(Some(format!("{name} took task #{n} first."))),
            Ok(Taken::Theirs(None)) => state.said.set(Some(format!("Task #{n} is closed."))),
            Err(e) => error.set(Some(e)),
        }
        state.reread();
    });
}

pub(crate) fn act(
    state: TaskState,
    error: RwSignal<Option<crate::error::AppError>>,
    practice: PracticeId,
    task: TaskId,
    version: i32,
    what: Act,
    said: &'static str,
) {
    leptos::task::spawn_local(async move {
        match act_on_task(practice, task, version, what).await {
            Ok(_) => {
                state.said.set(Some(said.into()));
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
        state.reread();
    });
}

#[component]
pub fn TaskPanel(practice: PracticeId, task: TaskId, state: TaskState) -> impl IntoView {
    let detail = crate::wire::load(move || state.changed.get(), move |_| read_task(practice, task));
    view! {
        <aside class="panel task-panel" id="task-detail" aria-labelledby="task-heading" on:keydown=move |ev| {
            if ev.key() == "Escape" {
                close_panel(state, task);
            }
        }>
            <Transition fallback=|| view! { <p class="muted">"Opening the task…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <TaskView d state /> }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

#[component]
fn TaskView(d: TaskDetail, state: TaskState) -> impl IntoView {
    let error = RwSignal::new(None::<crate::error::AppError>);
    let (p, t, v) = (d.row.practice, d.row.id, d.row.version);
    let status = d.row.status;
    let on = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let give_to = RwSignal::new(String::new());
    let people = crate::wire::load(move || (), move |_| tasks_setup(p));
    let close = move |_| close_panel(state, t);
    let wait = move |_| match WaitingOn::from_key(&on.get_untracked()) {
        Some(on) => act(
            state,
            error,
            p,
            t,
            v,
            Act::Wait { on, follow_up: None },
            "Marked it waiting.",
        ),
        None => error.set(Some(crate::error::AppError::invalid(
            "Choose whom the task waits on.",
        ))),
    };
    let cancel = move |_| {
        let reason = reason.get_untracked();
        act(state, error, p, t, v, Act::Cancel { reason }, "Cancelled it.")
    };
    let send_comment = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = comment.get_untracked();
        leptos::task::spawn_local(async move {
            match comment_on_task(p, t, text).await {
                Ok(()) => {
                    comment.set(String::new());
                    state.said.set(Some("Comment added.".into()));
                }
                Err(e) => error.set(Some(e)),
            }
            state.reread();
        });
    };
    let give = move |_| {
        let to = give_to.get_untracked().parse::<UserId>().ok();
        leptos::task::spawn_local(async move {
            match assign_task(p, t, v, to, String::new()).await {
                Ok(()) => state.said.set(Some("Handed on.".into())),
                Err(e) => error.set(Some(e)),
            }
            state.reread();
        });
    };
    let tick = move |index: u32, done: bool| {
        leptos::task::spawn_local(async move {
            if let Err(e) = tick_step(p, t, index, done).await {
                error.set(Some(e));
            }
            state.reread();
        });
    };
    let row = d.row.clone();
    // The focus comes to the task when it was opened on purpose, or was in it before it was
    // drawn anew (after a change); a live change elsewhere leaves it where it is.
    #[cfg(feature = "hydrate")]
    {
        let inside = crate::ui::focused().is_some_and(|f| f.closest("#task-detail").ok().flatten().is_some());
        if state.focus_panel.get_value() || inside {
            state.focus_panel.set_value(false);
            crate::ui::focus_when_drawn("#task-heading");
        }
    }
    view! {
        <div class="task-head">
            <h2 id="task-heading" class="panel-title" tabindex="-1">{format!("#{} {}", row.number, row.title)}</h2>
            <button type="button" class="small" aria-label="Close the task" on:click=close>"×"</button>
        </div>
        <p class="task-meta">
            <span class=format!("badge prio prio-{}", row.priority.key())>{row.priority.label()}</span>
            {format!(" {} · {} · {} · due {}", row.type_name, row.practice_name, row.status.label(), text::when_short(row.due_local))}
        </p>
        <p class="muted small">
            {format!("Asked by {}", row.creator.name)}
            {row.assignee.as_ref().map(|a| format!(" · with {}", a.name))}
            {d.patient.as_ref().map(|(_, name)| format!(" · patient {name}"))}
            {d.cancel_reason.clone().map(|r| format!(" · cancelled: {r}"))}
        </p>
        {(!d.details.is_empty()).then(|| view! { <p class="prewrap task-details">{d.details.clone()}</p> })}
        {(!d.checklist.is_empty()).then(|| view! {
            <fieldset class="checklist" id="task-checklist">
                <legend>"Checklist"</legend>
                {d.checklist.iter().enumerate().map(|(i, s)| {
                    let i = u32::try_from(i).unwrap_or(u32::MAX);
                    view! {
                        <label class="inline">
                            <input type="checkbox" prop:checked=s.done disabled=!status.is_open()
                                on:change=move |ev| tick(i, event_target_checked(&ev)) />
                            {s.text.clone()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        })}
        {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
        <div class="task-actions" id="task-actions">
            {match status {
                Status::Done | Status::Cancelled => view! {
                    <button type="button" id="task-reopen" on:click=move |_| act(state, error, p, t, v, Act::Reopen, "Reopened it.")>"Reopen"</button>
                }.into_any(),
                _ => view! {
                    {(status == Status::New).then(|| {
                        let r = row.clone();
                        view! {
                            <button type="button" id="task-take" hidden=move || !state.desk.with(|d| d.contains(&p))
                                on:click=move |_| take(state, error, &r)>"Take"</button>
                        }
                    })}
                    {(status == Status::Waiting).then(|| view! {
                        <button type="button" id="task-resume" on:click=move |_| act(state, error, p, t, v, Act::Resume, "Back at work on it.")>"Resume"</button>
                    })}
                    <button type="button" id="task-done" on:click=move |_| act(state, error, p, t, v, Act::Done, "Marked it done.")>"Done"</button>
                    {(status != Status::New).then(|| view! {
                        <button type="button" id="task-release" on:click=move |_| act(state, error, p, t, v, Act::Release, "Gave it back to the queue.")>"Give back"</button>
                    })}
                    <span class="inline-form">
                        <label class="sr-only" for="task-wait-on">"Waiting on"</label>
                        <select id="task-wait-on" on:change=move |ev| on.set(event_target_value(&ev))>
                            <option value="">"Waiting on…"</option>
                            {WaitingOn::ALL.into_iter().map(|w| view! { <option value=w.key()>{w.label()}</option> }).collect_view()}
                        </select>
                        <button type="button" id="task-wait" on:click=wait>"Wait"</button>
                    </span>
                    <span class="inline-form">
                        <label class="sr-only" for="task-cancel-reason">"Why cancel"</label>
                        <input id="task-cancel-reason" placeholder="Why cancel?" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                        <button type="button" id="task-cancel" on:click=cancel>"Cancel task"</button>
                    </span>
                    <span class="inline-form">
                        <label class="sr-only" for="task-give-to">"Give to"</label>
                        <select id="task-give-to" on:change=move |ev| give_to.set(event_target_value(&ev))>
                            <option value="">"The queue"</option>
                            <Transition>
                                {move || Suspend::new(async move {
                                    people.await.map(|s| s.people.into_iter().map(|p| view! {
                                        <option value=p.id.to_string()>{p.name}</option>
                                    }).collect_view()).ok()
                                })}
                            </Transition>
                        </select>
                        <button type="button" id="task-give" on:click=give>"Hand on"</button>
                    </span>
                }.into_any(),
            }}
        </div>
        <form class="task-comment" on:submit=send_comment>
            <label for="task-comment">"Comment (@name tells them)"</label>
            <textarea id="task-comment" rows="2" prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            <button type="submit" id="task-comment-send">"Comment"</button>
        </form>
        <h3>"History"</h3>
        <ol class="task-history" id="task-history">
            {d.events.into_iter().map(|e| view! {
                <li>
                    <span class="muted">{text::when_short(e.at_local)}</span>
                    {format!(" {}: {}", e.actor, e.what)}
                    {e.comment.map(|c| view! { <p class="prewrap">{c}</p> })}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// The new-task form while it is asked for. It lives outside the list, so that a live change
/// of the list never draws it anew (losing what is being typed).
#[component]
pub fn NewTaskSlot(state: TaskState) -> impl IntoView {
    let practice = crate::practices::ui::practice_param();
    let me = expect_context::<MeResource>();
    move || {
        state.creating.get().then(|| {
            view! {
                <Suspense>
                    {move || Suspend::new(async move {
                        let me = me.await.ok().flatten()?;
                        let here = practice.get_untracked()?;
                        Some(view! { <NewTaskForm practices=me.practices.clone() here state /> })
                    })}
                </Suspense>
            }
        })
    }
}

#[component]
fn NewTaskForm(
    practices: Vec<crate::model::PracticeSummary>,
    here: PracticeId,
    state: TaskState,
) -> impl IntoView {
    let practice = RwSignal::new(here);
    let setup = crate::wire::load(move || practice.get(), tasks_setup);
    let type_id = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let details = RwSignal::new(String::new());
    let priority = RwSignal::new(String::new());
    let assignee = RwSignal::new(String::new());
    let error = RwSignal::new(None::<crate::error::AppError>);
    #[cfg(feature = "hydrate")]
    crate::ui::focus_when_drawn("#new-task-type");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(type_id) = type_id.get_untracked().parse() else {
            error.set(Some(crate::error::AppError::invalid("Choose the kind of task.")));
            return;
        };
        let task = NewTask {
            type_id,
            queue: None,
            title: title.get_untracked(),
            details: details.get_untracked(),
            priority: Priority::from_key(&priority.get_untracked()),
            due: None,
            patient: None,
            entry: state.about.get_untracked(),
            assignee: assignee.get_untracked().parse().ok(),
        };
        let p = practice.get_untracked();
        leptos::task::spawn_local(async move {
            match create_task(p, task).await {
                Ok((id, number)) => {
                    state.said.set(Some(format!("Made task #{number}.")));
                    state.creating.set(false);
                    state.about.set(None);
                    state.open_task(p, id);
                    state.reread();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let cancel = move |_| {
        state.creating.set(false);
        state.about.set(None);
    };
    let escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            state.creating.set(false);
            state.about.set(None);
            #[cfg(feature = "hydrate")]
            crate::ui::focus_when_drawn("#task-new");
        }
    };
    view! {
        <form class="new-task" id="new-task" aria-label="New task" on:submit=submit on:keydown=escape>
            {move || state.about.get().is_some().then(|| view! {
                <p class="wide notice" id="new-task-about">"About the appointment you came from: its patient is linked to the task."</p>
            })}
            {(practices.len() > 1 && state.about.get_untracked().is_none()).then(|| view! {
                <label>"Practice"
                    <select id="new-task-practice" on:change=move |ev| if let Ok(p) = event_target_value(&ev).parse() { practice.set(p) }>
                        {practices.iter().map(|p| view! { <option value=p.id.to_string() selected=p.id == here>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
            })}
            <Transition>
                {move || Suspend::new(async move {
                    match setup.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(s) => view! {
                        <label>"Kind"
                            <select id="new-task-type" on:change=move |ev| type_id.set(event_target_value(&ev))>
                                <option value="">"Choose…"</option>
                                {s.types.iter().map(|t| view! {
                                    <option value=t.id.to_string()>{format!("{} ({})", t.name, t.default_priority.label())}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Give to"
                            <select id="new-task-assignee" on:change=move |ev| assignee.set(event_target_value(&ev))>
                                <option value="">{s.queues.iter().find(|q| q.is_default).map(|q| format!("The queue ({})", q.name)).unwrap_or_else(|| "The queue".into())}</option>
                                {s.people.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                    }.into_any(),
                    }
                })}
            </Transition>
            <label>"Priority"
                <select id="new-task-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                    <option value="">"The kind's usual"</option>
                    {Priority::ALL.into_iter().map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                </select>
            </label>
            <label class="wide">"Title (no patient names here: they go in the details)"
                <input id="new-task-title" maxlength="200" prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
            </label>
            <label class="wide">"Details"
                <textarea id="new-task-details" rows="3" prop:value=details on:input=move |ev| details.set(event_target_value(&ev))></textarea>
            </label>
            {move || error.get().map(|e| view! { <ErrorNote error=e /> })}
            <div class="row">
                <button type="submit" id="new-task-save">"Make the task"</button>
                <button type="button" class="link" on:click=cancel>"Cancel"</button>
            </div>
        </form>
    }
}
