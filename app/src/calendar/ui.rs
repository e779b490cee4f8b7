//! The Calendar section: day, week and month views per practice (providers as columns), per
//! provider and per room; booking by clicking a free slot, moving by dragging, keyboard
//! navigation, live updates. The view's state (date, span, lens) lives in the address.

use crate::calendar::api::{calendar_setup, calendar_view, move_entry, undo_change};
use crate::calendar::forms_ui::{describe, panel_view, Draft};
use crate::calendar::model::{Entry, EntryKind, Lens, Outcome, Setup, Status, View};
use crate::calendar::{rules, text};
use crate::error::AppError;
use crate::model::{EntryId, PracticeId, RoomId, UndoId, UserId};
use crate::practices::ui::practice_param;
use crate::realtime::ui::LiveFeed;
use crate::ui::PageError;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use leptos::prelude::*;

crate::lazy_page!(
    /// `/p/:practice/calendar`.
    calendar_page => CalendarPage
);

/// Clinicians' colours where the columns do not say whose an entry is (the legend's chips
/// `p0`..`p3`).
const CLINICIAN_COLORS: [&str; 4] = ["#234e78", "#24603a", "#7a4a14", "#5a3a80"];

/// Pixels per minute in the day and week grids.
const PX_PER_MIN: f64 = 1.2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span3 {
    Day,
    /// Three days in a row from the one chosen, closed ones too (a phone's few days).
    Three,
    Week,
    Month,
    /// A week as a list, day by day (phones, screen readers).
    List,
}

impl Span3 {
    /// A time grid with a column per day (clinicians told apart by colour).
    fn has_days(self) -> bool {
        matches!(self, Span3::Three | Span3::Week)
    }

    fn key(self) -> &'static str {
        match self {
            Span3::Day => "day",
            Span3::Three => "3day",
            Span3::Week => "week",
            Span3::Month => "month",
            Span3::List => "list",
        }
    }
}

/// What the side panel shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Panel {
    None,
    New(Draft),
    Detail(EntryId),
    /// A drag onto another clinician's column, asked before it is done.
    MoveTo(MoveAsk),
    Find,
    Feeds,
    Out,
    Waitlist,
    Setup,
}

/// A move of an entry from the grid, and the words for it once done.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveAsk {
    pub id: EntryId,
    pub version: i32,
    pub start: NaiveDateTime,
    pub provider: Option<UserId>,
    pub room: Option<RoomId>,
    /// "Moved Eleanor Vance to Dr Reyes, Tue 1 Dec 15:00".
    pub what: String,
}

/// An entry being moved from the keyboard, and where it would go.
#[derive(Clone, Debug, PartialEq)]
struct KeyMove {
    id: EntryId,
    version: i32,
    title: String,
    minutes: i64,
    /// An appointment's clinician (a move to another is asked first).
    clinician: Option<UserId>,
    /// The grid's column it would go to, and its start there.
    col: usize,
    start: NaiveDateTime,
}

/// The short-lived message at the foot of the calendar: what a change did (with its undo),
/// or what stopped a change made from the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    pub text: String,
    pub undo: Option<UndoId>,
    pub problem: bool,
    /// Counts the messages: the same words twice are two messages, each with its own time.
    pub n: u32,
}

/// How long a message stays (longer while the pointer or the focus is on it, up to the time
/// its change can be undone).
#[cfg(feature = "hydrate")]
const SAID_SECONDS: u64 = 10;

/// The page's state as read from the address, and how to change it.
#[derive(Clone, Copy)]
pub struct CalState {
    pub practice: Signal<Option<PracticeId>>,
    pub span: Memo<Span3>,
    pub date: Memo<Option<NaiveDate>>,
    pub lens: Memo<Lens>,
    pub panel: RwSignal<Panel>,
    /// Bumped after every change made from this page (live events re-read the rest).
    pub changed: RwSignal<u32>,
    /// Bumped after a change of the practice's rooms or appointment types: the setup (and so
    /// the whole calendar) is read and drawn again. Bookings leave it be.
    pub setup_changed: RwSignal<u32>,
    pub said: RwSignal<Option<Said>>,
    /// Minutes the browser's own zone is ahead of the practice's (None: the same, or not
    /// known yet: set in the browser only).
    pub own_shift: RwSignal<Option<i64>>,
    /// The week shows days the practice is closed (and nothing is booked) too: the person's
    /// choice, kept in the browser.
    pub show_closed: RwSignal<bool>,
    /// Appointments take their type's colour everywhere, rather than their clinician's in a
    /// column of everyone: the person's choice, kept in the browser.
    pub by_type: RwSignal<bool>,
    /// The entry just changed from this page: scrolled into view and marked.
    pub marked: RwSignal<Option<EntryId>>,
    /// The next grid drawn brings the marked entry into view (once: later redraws keep the
    /// person's scrolling).
    pub show_marked: StoredValue<bool>,
    /// Where the next grid drawn puts the focus, after a panel changed something and closed:
    /// an entry, or (`Some(None)`) the grid itself. A change redraws the whole grid.
    pub refocus: StoredValue<Option<Option<EntryId>>>,
    /// Where the person left the grid scrolled, for the days it showed: a re-drawn grid (a
    /// live change) keeps it.
    pub grid_scroll: StoredValue<Option<(NaiveDate, u32, i32)>>,
    /// The week whose list was last brought to today (once a week: a list drawn anew after a
    /// change keeps the person's scrolling).
    pub list_at_today: StoredValue<Option<NaiveDate>>,
}

/// A window as narrow as a phone's, in CSS pixels (the style sheet's breakpoint).
#[cfg(feature = "hydrate")]
const PHONE_WIDTH: f64 = 760.0;

/// Where the browser keeps whether the week shows closed days.
const CLOSED_DAYS_KEY: &str = "switchboard.calendar.closed-days";

/// Where the browser keeps whether appointments are coloured by their type.
const COLOUR_KEY: &str = "switchboard.calendar.colour";

/// Turns a choice of the person's on or off, kept in the browser under `key` (as `kept`).
fn flip(choice: RwSignal<bool>, key: &str, kept: &str) {
    let on = !choice.get_untracked();
    choice.set(on);
    #[cfg(feature = "hydrate")]
    crate::ui::remember(key, on.then_some(kept));
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, kept);
}

impl CalState {
    /// Marks the entry just changed from this page (or none), to be brought into view.
    pub fn mark(&self, id: Option<EntryId>) {
        self.marked.set(id);
        self.show_marked.set_value(id.is_some());
    }

    /// Says what a change did, offering its undo.
    pub fn say(&self, text: String, undo: Option<UndoId>) {
        self.tell(text, undo, false);
    }

    /// Says what stopped a change.
    pub fn warn(&self, text: String) {
        self.tell(text, None, true);
    }

    fn tell(&self, text: String, undo: Option<UndoId>, problem: bool) {
        let n = self.said.with_untracked(|s| s.as_ref().map_or(0, |s| s.n + 1));
        self.said.set(Some(Said {
            text,
            undo,
            problem,
            n,
        }));
    }

    /// Moves an entry as `ask` says, telling the patient if `notify`; says what it did.
    pub fn move_entry(&self, ask: MoveAsk, notify: bool) {
        let state = *self;
        let Some(practice) = state.practice.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let result = move_entry(
                practice,
                ask.id,
                ask.version,
                ask.start,
                ask.provider,
                ask.room,
                false,
                None,
                None,
                Some(notify),
            )
            .await;
            match result {
                Ok(Outcome::Done { undo, .. }) => {
                    state.mark(Some(ask.id));
                    state.say(ask.what, undo);
                }
                Ok(o) => state.warn(describe(&o)),
                Err(e) => state.warn(e.to_string()),
            }
            state.changed.update(|v| *v += 1);
        });
    }

    /// Undoes the change the message offers to, and says so.
    pub fn undo(&self) {
        let state = *self;
        let Some((undo, practice)) = state
            .said
            .with_untracked(|s| s.as_ref().and_then(|s| s.undo))
            .zip(state.practice.get_untracked())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            match undo_change(practice, undo).await {
                Ok(entry) => {
                    state.mark(Some(entry));
                    state.refocus.set_value(Some(Some(entry)));
                    state.say("Undone.".into(), None);
                }
                Err(e) => state.warn(e.to_string()),
            }
            state.changed.update(|v| *v += 1);
        });
    }
}

fn parse_lens(text: Option<String>) -> Lens {
    let text = text.unwrap_or_default();
    if let Some(id) = text.strip_prefix("provider:").and_then(|i| i.parse().ok()) {
        return Lens::Provider(UserId(id));
    }
    if let Some(id) = text.strip_prefix("room:").and_then(|i| i.parse().ok()) {
        return Lens::Room(RoomId(id));
    }
    Lens::Practice
}

fn lens_key(lens: Lens) -> String {
    match lens {
        Lens::Practice => String::new(),
        Lens::Provider(p) => format!("provider:{p}"),
        Lens::Room(r) => format!("room:{r}"),
    }
}

/// The first day a view shows and how many days it spans; a 3-day view spans its three
/// open days (`open`, the practice's weekdays; empty to count every day).
fn range_of(span: Span3, anchor: NaiveDate, open: &[u32]) -> (NaiveDate, u32) {
    match span {
        Span3::Day => (anchor, 1),
        Span3::Three => {
            let last = rules::three_days(anchor, open).last().copied().unwrap_or(anchor);
            (anchor, u32::try_from((last - anchor).num_days() + 1).unwrap_or(3))
        }
        Span3::Week | Span3::List => (
            anchor - Duration::days(anchor.weekday().num_days_from_monday().into()),
            7,
        ),
        Span3::Month => {
            let first = anchor.with_day(1).unwrap_or(anchor);
            let start = first - Duration::days(first.weekday().num_days_from_monday().into());
            (start, 42)
        }
    }
}

fn step(span: Span3, anchor: NaiveDate, forward: bool, open: &[u32]) -> NaiveDate {
    let sign = if forward { 1 } else { -1 };
    match span {
        Span3::Day => anchor + Duration::days(sign),
        Span3::Three => rules::three_days_step(anchor, open, forward),
        Span3::Week | Span3::List => anchor + Duration::days(7 * sign),
        Span3::Month => {
            let months = anchor.year() * 12 + anchor.month0() as i32 + sign as i32;
            NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
                .unwrap_or(anchor)
        }
    }
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let practice = practice_param();
    let query = crate::nav::query();
    let span = Memo::new(move |_| match query.read().get("span").as_deref() {
        Some("3day") => Span3::Three,
        Some("week") => Span3::Week,
        Some("month") => Span3::Month,
        Some("list") => Span3::List,
        _ => Span3::Day,
    });
    let date = Memo::new(move |_| query.read().get("date").and_then(|d| text::parse_date(&d)));
    let lens = Memo::new(move |_| parse_lens(query.read().get("lens")));
    let state = CalState {
        practice,
        span,
        date,
        lens,
        panel: RwSignal::new(Panel::None),
        changed: RwSignal::new(0),
        setup_changed: RwSignal::new(0),
        said: RwSignal::new(None),
        own_shift: RwSignal::new(None),
        show_closed: RwSignal::new(false),
        by_type: RwSignal::new(false),
        marked: RwSignal::new(None),
        show_marked: StoredValue::new(false),
        refocus: StoredValue::new(None),
        grid_scroll: StoredValue::new(None),
        list_at_today: StoredValue::new(None),
    };
    provide_context(state);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if crate::ui::remembered(CLOSED_DAYS_KEY).as_deref() == Some("shown") {
            state.show_closed.set(true);
        }
        if crate::ui::remembered(COLOUR_KEY).as_deref() == Some("type") {
            state.by_type.set(true);
        }
    });
    let setup = crate::wire::load(
        move || (practice.get(), state.setup_changed.get()),
        |(p, _)| async move { calendar_setup(p.ok_or(AppError::NotFound)?).await },
    );
    let live = use_context::<LiveFeed>();
    let live_version = RwSignal::new(0u32);
    if let Some(feed) = live {
        feed.on(crate::realtime::Kind::Calendar, practice, move || {
            live_version.update(|v| *v += 1)
        });
    }
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Loading the calendar…"</p> }>
            {move || Suspend::new(async move {
                match setup.await {
                    Ok(s) => view! { <Calendar setup=s live_version /> }.into_any(),
                    Err(e) => view! { <PageError error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Calendar(setup: Setup, live_version: RwSignal<u32>) -> impl IntoView {
    let state = expect_context::<CalState>();
    let today = setup.now_local.date();
    let anchor = Memo::new(move |_| state.date.get().unwrap_or(today));
    // The weekdays a 3-day view counts: the practice's open ones, or all when closed days
    // are shown.
    let weekdays = setup.open_weekdays.clone();
    let open_days = Memo::new(move |_| {
        if state.show_closed.get() {
            Vec::new()
        } else {
            weekdays.clone()
        }
    });
    let go = move |span: Span3, date: NaiveDate, lens: Lens| {
        if let Some(p) = state.practice.get_untracked() {
            let lens = lens_key(lens);
            let lens = if lens.is_empty() {
                String::new()
            } else {
                format!("&lens={lens}")
            };
            crate::nav::go(
                &format!("/p/{p}/calendar?span={}&date={date}{lens}", span.key()),
                true,
            );
        }
    };
    let go = StoredValue::new(go);
    let move_to = move |date: NaiveDate| {
        go.with_value(|g| g(state.span.get_untracked(), date, state.lens.get_untracked()))
    };
    let view_res = crate::wire::load(
        move || {
            let (first, days) = open_days.with(|o| range_of(state.span.get(), anchor.get(), o));
            (
                state.practice.get(),
                first,
                days,
                live_version.get() + state.changed.get(),
            )
        },
        |(p, first, days, _)| async move { calendar_view(p.ok_or(AppError::NotFound)?, first, days).await },
    );
    let zone = crate::practices::ui::short_zone(&setup.time_zone);
    #[cfg(feature = "hydrate")]
    {
        let practice_offset = i64::from(setup.utc_offset_minutes);
        Effect::new(move |_| {
            let own = -(js_sys::Date::new_0().get_timezone_offset() as i64);
            state
                .own_shift
                .set((own != practice_offset).then_some(own - practice_offset));
        });
    }
    let setup = StoredValue::new(setup);
    // Keyboard: ←/→ previous/next, t today, d/w/m the span, n new appointment, Esc closes.
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
                return;
            }
            // Single keys act on the calendar only where a key means nothing else: the page
            // itself or the grid, never a button, link or field; and only while the person
            // keeps them on (the shortcuts list, `?`, turns them off).
            let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let on_grid = target.as_ref().is_none_or(|el| {
                matches!(el.tag_name().as_str(), "BODY" | "MAIN")
                    || el.class_list().contains("timegrid")
                    || el.class_list().contains("monthgrid")
            });
            if !on_grid || !crate::ui::single_keys_on() {
                if ev.key() == "Escape" {
                    state.panel.set(Panel::None);
                }
                return;
            }
            let (span, lens, a) = (
                state.span.get_untracked(),
                state.lens.get_untracked(),
                anchor.get_untracked(),
            );
            match ev.key().as_str() {
                "ArrowLeft" | "ArrowRight" => {
                    let to = open_days.with_untracked(|o| step(span, a, ev.key() == "ArrowRight", o));
                    go.with_value(|g| g(span, to, lens))
                }
                "t" => go.with_value(|g| g(span, today, lens)),
                "d" => go.with_value(|g| g(Span3::Day, a, lens)),
                "3" => go.with_value(|g| g(Span3::Three, a, lens)),
                "w" => go.with_value(|g| g(Span3::Week, a, lens)),
                "m" => go.with_value(|g| g(Span3::Month, a, lens)),
                "l" => go.with_value(|g| g(Span3::List, a, lens)),
                "n" => {
                    let provider = match lens {
                        Lens::Provider(p) => Some(p),
                        _ => None,
                    };
                    state.panel.set(Panel::New(Draft::at(
                        a.and_hms_opt(9, 0, 0).unwrap_or_default(),
                        provider,
                    )));
                }
                "f" => state.panel.set(Panel::Find),
                "u" if state
                    .said
                    .with_untracked(|s| s.as_ref().is_some_and(|s| s.undo.is_some())) =>
                {
                    state.undo()
                }
                "Escape" => state.panel.set(Panel::None),
                _ => return,
            }
            ev.prevent_default();
        });
        on_cleanup(move || keys.remove());
    }
    let title = move || {
        let a = anchor.get();
        match state.span.get() {
            Span3::Day => text::day_long(a),
            Span3::Three => {
                let (_, days) = open_days.with(|o| range_of(Span3::Three, a, o));
                format!(
                    "{} – {}",
                    text::day_short(a),
                    text::day_short(a + Duration::days(i64::from(days) - 1))
                )
            }
            Span3::Week | Span3::List => {
                let (first, _) = range_of(Span3::Week, a, &[]);
                format!("Week of {}", text::date_long(first))
            }
            Span3::Month => text::month_year(a),
        }
    };
    let span_button = move |s: Span3, label: &'static str, key: &'static str| {
        view! {
            <button
                type="button"
                class="seg"
                aria-pressed=move || (state.span.get() == s).to_string()
                aria-keyshortcuts=key
                on:click=move |_| go.with_value(|g| g(s, anchor.get_untracked(), state.lens.get_untracked()))
            >
                {label}
            </button>
        }
    };
    let on_lens = move |ev: leptos::ev::Event| {
        let lens = parse_lens(Some(event_target_value(&ev)));
        go.with_value(|g| g(state.span.get_untracked(), anchor.get_untracked(), lens));
    };
    let lens_value = move || lens_key(state.lens.get());
    // The provider or room chosen is kept for the person in this browser, per practice: a
    // calendar opened without one shows the last chosen.
    #[cfg(feature = "hydrate")]
    {
        let me = use_context::<crate::shell::MeResource>();
        let key = move || {
            let person = me?.get_untracked()?.ok().flatten()?.id;
            Some(format!(
                "switchboard.calendar.lens.{person}.{}",
                state.practice.get_untracked()?
            ))
        };
        let mut lens = state.lens.get_untracked();
        if lens == Lens::Practice {
            if let Some(saved) = key().and_then(|k| crate::ui::remembered(&k)) {
                lens = parse_lens(Some(saved));
            }
        }
        // A phone opens the calendar as a list (its grid's columns would not fit) unless the
        // address names a span.
        let span_named = crate::nav::query().with_untracked(|q| q.get("span").is_some());
        let phone = window()
            .inner_width()
            .ok()
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w <= PHONE_WIDTH);
        let span = if phone && !span_named {
            Span3::List
        } else {
            state.span.get_untracked()
        };
        if lens != state.lens.get_untracked() || span != state.span.get_untracked() {
            // Only while the person is still here: not once they went back or on.
            let here = window().location().href().ok();
            request_animation_frame(move || {
                if window().location().href().ok() == here {
                    if let Some(anchor) = anchor.try_get_untracked() {
                        let _ = go.try_with_value(|g| g(span, anchor, lens));
                    }
                }
            });
        }
        Effect::watch(
            move || state.lens.get(),
            move |lens, _, _| {
                if let Some(k) = key() {
                    let text = lens_key(*lens);
                    crate::ui::remember(&k, (!text.is_empty()).then_some(text.as_str()));
                }
            },
            false,
        );
    }
    view! {
        <div class="calendar" id="calendar">
            <div class="cal-toolbar">
                <div class="seg-group">
                    <button type="button" on:click=move |_| move_to(today) aria-keyshortcuts="t">"Today"</button>
                    <button type="button" aria-label="Previous" aria-keyshortcuts="ArrowLeft" on:click=move |_| move_to(open_days.with_untracked(|o| step(state.span.get_untracked(), anchor.get_untracked(), false, o)))>"‹"</button>
                    <button type="button" aria-label="Next" aria-keyshortcuts="ArrowRight" on:click=move |_| move_to(open_days.with_untracked(|o| step(state.span.get_untracked(), anchor.get_untracked(), true, o)))>"›"</button>
                </div>
                <h1 class="cal-title" id="cal-title" aria-live="polite">{title}</h1>
                <span class="muted zone-note" id="cal-zone">
                    {format!("{zone} time")}
                    {move || state.own_shift.get().map(|m| format!(" · yours is {}", shift_words(m)))}
                </span>
                <div class="seg-group" role="group" aria-label="Span">
                    {span_button(Span3::Day, "Day", "d")}
                    {span_button(Span3::Three, "3 days", "3")}
                    {span_button(Span3::Week, "Week", "w")}
                    {span_button(Span3::Month, "Month", "m")}
                    {span_button(Span3::List, "List", "l")}
                </div>
                <button type="button" id="cal-closed" class="small" hidden=move || !matches!(state.span.get(), Span3::Week | Span3::Three)
                    aria-pressed=move || state.show_closed.get().to_string()
                    title="Show the days the practice is closed and nothing is booked"
                    on:click=move |_| flip(state.show_closed, CLOSED_DAYS_KEY, "shown")>
                    "Closed days"
                </button>
                <label class="lens">
                    <span class="sr-only">"Calendar of"</span>
                    <select id="cal-lens" on:change=on_lens prop:value=lens_value>
                        <option value="">"All providers"</option>
                        <optgroup label="Provider">
                            {setup.with_value(|s| s.providers.iter().map(|p| {
                                let v = format!("provider:{}", p.id);
                                view! { <option value=v.clone() selected=move || lens_value() == v>{p.name.clone()}</option> }
                            }).collect_view())}
                        </optgroup>
                        <optgroup label="Room">
                            {setup.with_value(|s| s.rooms.iter().map(|r| {
                                let v = format!("room:{}", r.id);
                                view! { <option value=v.clone() selected=move || lens_value() == v>{r.name.clone()}</option> }
                            }).collect_view())}
                        </optgroup>
                    </select>
                </label>
                <button type="button" class="primary" id="cal-new" aria-keyshortcuts="n"
                    on:click=move |_| state.panel.set(Panel::New(Draft::at(anchor.get_untracked().and_hms_opt(9, 0, 0).unwrap_or_default(), match state.lens.get_untracked() { Lens::Provider(p) => Some(p), _ => None })))>
                    "New"
                </button>
                <button type="button" id="cal-find" aria-keyshortcuts="f" on:click=move |_| state.panel.set(Panel::Find)>"Find a slot"</button>
                // The calendar's less daily tools, in a menu (the toolbar fits one line).
                <details class="menu cal-more" id="cal-more"
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { crate::ui::close_menu(&ev) }>
                    <summary class="button">"More"</summary>
                    <div class="menu-panel" role="group" aria-label="More of the calendar">
                        {[
                            ("cal-waitlist", "Waitlist", "Patients waiting for an earlier time", Panel::Waitlist),
                            ("cal-out", "Clinician out", "A clinician's absence, and the appointments it affects", Panel::Out),
                            ("cal-feeds", "Feeds", "Subscribe from Google Calendar or Outlook", Panel::Feeds),
                            ("cal-setup", "Setup", "Rooms, appointment types, weekly hours", Panel::Setup),
                        ].into_iter().map(|(id, label, title, panel)| view! {
                            <button type="button" id=id title=title on:click=move |ev| {
                                crate::ui::close_menu(&ev);
                                state.panel.set(panel.clone());
                            }>{label}</button>
                        }).collect_view()}
                        <button type="button" id="cal-colour" aria-pressed=move || state.by_type.get().to_string()
                            title="Colour appointments by their type rather than by their clinician"
                            on:click=move |_| flip(state.by_type, COLOUR_KEY, "type")>
                            "Colour by type"
                        </button>
                    </div>
                </details>
            </div>
            // What the colours mean: the types' (when chosen), or the clinicians' (in a column
            // of everyone).
            {move || {
                let span = state.span.get();
                // Each chip: its class, its style and its name.
                let chips: Vec<(String, String, String)> = if state.by_type.get() && !matches!(span, Span3::Month | Span3::List) {
                    setup.with_value(|s| s.types.iter().map(|t| ("chip type".into(), format!("border-left-color:{}", t.color), t.name.clone())).collect())
                } else if span.has_days() && state.lens.get() == Lens::Practice {
                    setup.with_value(|s| s.providers.iter().enumerate().map(|(i, p)| (format!("chip p{}", i % CLINICIAN_COLORS.len()), String::new(), p.name.clone())).collect())
                } else {
                    Vec::new()
                };
                (!chips.is_empty()).then(|| view! {
                    <p class="cal-legend" aria-hidden="true">
                        {chips.into_iter().map(|(class, style, name)| view! { <span class=class style=style>{name}</span> }).collect_view()}
                    </p>
                })
            }}
            <div class="cal-body">
                <Transition fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
                    {move || {
                        let show_closed = state.show_closed.get();
                        let by_type = state.by_type.get();
                        // Tracked: the week and its list read the same days.
                        let span = state.span.get();
                        Suspend::new(async move {
                            match view_res.await {
                                Ok(v) => match span {
                                    Span3::Month => view! { <MonthGrid view=v today /> }.into_any(),
                                    Span3::List => view! { <DayList view=v setup=setup.get_value() today /> }.into_any(),
                                    span => view! { <TimeGrid view=v setup=setup.get_value() span today show_closed by_type /> }.into_any(),
                                },
                                Err(e) => view! { <PageError error=e /> }.into_any(),
                            }
                        })
                    }}
                </Transition>
                <SidePanel setup view_res />
            </div>
            <SaidNote />
        </div>
    }
}

type ViewResource = crate::wire::Loaded<View>;

#[component]
fn SidePanel(setup: StoredValue<Setup>, view_res: ViewResource) -> impl IntoView {
    let state = expect_context::<CalState>();
    // A panel takes the focus when it opens (its title), and gives it back when it closes to
    // what opened it (or, when that is gone, to the grid, where the calendar's keys work).
    #[cfg(feature = "hydrate")]
    {
        let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
        Effect::new(move |before: Option<Panel>| {
            let now = state.panel.get();
            let was_open = before.as_ref().is_some_and(|p| *p != Panel::None);
            if now != Panel::None && before.as_ref() != Some(&now) {
                if !was_open {
                    opener.set_value(crate::ui::focused());
                }
                crate::ui::focus_when_drawn(".cal-panel .panel-title");
            } else if now == Panel::None && was_open {
                use wasm_bindgen::JsCast;
                // What the panel just booked or changed takes the focus, once drawn anew.
                if state.show_marked.get_value() {
                    state.refocus.set_value(Some(state.marked.get_untracked()));
                }
                if state.refocus.get_value().is_some() {
                    return now;
                }
                // An entry is drawn anew when it changes: the one with its id.
                let redrawn = |el: &web_sys::HtmlElement| {
                    let id = el.get_attribute("data-entry")?;
                    el.owner_document()?
                        .query_selector(&format!("[data-entry=\"{id}\"]"))
                        .ok()
                        .flatten()?
                        .dyn_into::<web_sys::HtmlElement>()
                        .ok()
                };
                let back =
                    opener
                        .get_value()
                        .and_then(|el| if el.is_connected() { Some(el) } else { redrawn(&el) });
                // (A panel opened from a menu was opened by the menu's button: closing the
                // menu gave it the focus.)
                match back {
                    Some(el) if el.tag_name() != "BODY" && el.id() != "content" => {
                        let _ = el.focus();
                    }
                    _ => crate::ui::focus_when_drawn(".cal-body [role=region]"),
                }
            }
            now
        });
    }
    move || {
        let panel = state.panel.get();
        if panel == Panel::None {
            return ().into_any();
        }
        let entry = match panel {
            // Tracked: the details follow the entry when it changes (its version too).
            Panel::Detail(id) | Panel::MoveTo(MoveAsk { id, .. }) => view_res
                .get()
                .and_then(|r| r.ok())
                .and_then(|v| v.entries.into_iter().find(|e| e.id == id)),
            _ => None,
        };
        let setup = setup.get_value();
        // The panels' code arrives with the first panel opened (a separate WASM chunk).
        view! {
            <Suspense fallback=|| view! { <aside class="cal-panel muted">"Loading…"</aside> }>
                {Suspend::new(async move { panel_view(panel, setup, entry).await })}
            </Suspense>
        }
        .into_any()
    }
}

/// A column of the time grid: a day, for a provider or a room (or everyone).
#[derive(Clone, Debug, PartialEq)]
struct Column {
    label: String,
    date: NaiveDate,
    provider: Option<UserId>,
    room: Option<RoomId>,
}

impl Column {
    fn shows(&self, e: &Entry) -> bool {
        if e.start_local.date() != self.date {
            return false;
        }
        match (self.provider, self.room) {
            (Some(p), _) => e.provider_id == Some(p) || e.attendees.contains(&p),
            (None, Some(r)) => e.room_id == Some(r),
            (None, None) => true,
        }
    }
}

fn columns(setup: &Setup, span: Span3, first: NaiveDate, days: u32, lens: Lens) -> Vec<Column> {
    let room_name = |r: RoomId| {
        setup
            .rooms
            .iter()
            .find(|x| x.id == r)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let provider_name = |p: UserId| {
        setup
            .providers
            .iter()
            .find(|x| x.id == p)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    match (span, lens) {
        (Span3::Day, Lens::Practice) => setup
            .providers
            .iter()
            .map(|p| Column {
                label: p.name.clone(),
                date: first,
                provider: Some(p.id),
                room: None,
            })
            .collect(),
        (Span3::Day, Lens::Provider(p)) => vec![Column {
            label: provider_name(p),
            date: first,
            provider: Some(p),
            room: None,
        }],
        (Span3::Day, Lens::Room(r)) => vec![Column {
            label: room_name(r),
            date: first,
            provider: None,
            room: Some(r),
        }],
        (_, lens) => (0..days)
            .map(|i| {
                let date = first + Duration::days(i.into());
                let (provider, room) = match lens {
                    Lens::Provider(p) => (Some(p), None),
                    Lens::Room(r) => (None, Some(r)),
                    Lens::Practice => (None, None),
                };
                Column {
                    label: text::weekday_day(date),
                    date,
                    provider,
                    room,
                }
            })
            .collect(),
    }
}

/// "3 h behind", "1 h 30 min ahead".
fn shift_words(minutes: i64) -> String {
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    let amount = match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    };
    format!("{amount} {}", if minutes < 0 { "behind" } else { "ahead" })
}

/// Minutes since local midnight.
fn minute_of(t: NaiveDateTime) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

#[component]
fn TimeGrid(
    view: View,
    setup: Setup,
    span: Span3,
    today: NaiveDate,
    show_closed: bool,
    by_type: bool,
) -> impl IntoView {
    let state = expect_context::<CalState>();
    let mut cols = columns(
        &setup,
        span,
        view.first_day,
        view.days,
        state.lens.get_untracked(),
    );
    // A week or three days leave out the days the practice is closed and nothing is booked
    // (unless the person asked to see them, or every day is closed); three days keep their
    // first.
    if matches!(span, Span3::Week | Span3::Three) && !show_closed {
        let busy = |d: NaiveDate| {
            view.open
                .iter()
                .any(|(_, spans)| spans.iter().any(|(s, _)| s.date() == d))
                || view.entries.iter().any(|e| e.start_local.date() == d)
        };
        if cols.iter().any(|c| busy(c.date)) {
            cols.retain(|c| busy(c.date) || (span == Span3::Three && c.date == view.first_day));
        }
    }
    let provider_names: Vec<(UserId, String)> =
        setup.providers.iter().map(|p| (p.id, p.name.clone())).collect();
    let names = StoredValue::new(provider_names.clone());
    let provider_name = move |id: Option<UserId>| {
        id.and_then(|id| provider_names.iter().find(|(p, _)| *p == id))
            .map(|(_, n)| n.clone())
    };
    // Hours shown: 7:00 to 19:00, widened to whatever is open or booked.
    let mut first_min = 7 * 60;
    let mut last_min = 19 * 60;
    for e in &view.entries {
        first_min = first_min.min(minute_of(e.start_local) / 60 * 60);
        let end = if e.end_local.date() > e.start_local.date() {
            24 * 60
        } else {
            minute_of(e.end_local)
        };
        last_min = last_min.max((end + 59) / 60 * 60);
    }
    for (_, spans) in &view.open {
        for (s, e) in spans {
            first_min = first_min.min(minute_of(*s) / 60 * 60);
            let end = if e.date() > s.date() {
                24 * 60
            } else {
                minute_of(*e)
            };
            last_min = last_min.max((end + 59) / 60 * 60);
        }
    }
    let height = ((last_min - first_min) as f64 * PX_PER_MIN).round();
    let slot = i64::from(setup.slot_minutes.max(5));
    let hours: Vec<i64> = (first_min / 60..last_min / 60).collect();
    let types = setup.types.clone();
    let grid_cols = format!(
        "grid-template-columns: 3.5rem repeat({}, minmax(7rem, 1fr))",
        cols.len()
    );
    let dragging = RwSignal::new(None::<(EntryId, i32)>);
    // The grid opens at the working day (or an hour before now, today); an entry just changed
    // from this page is brought into view.
    let scroll_to = {
        let now = setup.now_local;
        let earliest_open = view
            .open
            .iter()
            .flat_map(|(_, spans)| spans.iter())
            .filter(|(s, _)| cols.iter().any(|c| c.date == s.date()))
            .map(|(s, _)| minute_of(*s))
            .min();
        let showing_today = cols.iter().any(|c| c.date == today);
        let open = earliest_open.unwrap_or(first_min);
        // Late in the day, the opening time would push now below the fold: an hour before now.
        let now = minute_of(now);
        let minute = if showing_today && now - open > 6 * 60 {
            now - 60
        } else {
            open
        };
        ((minute - first_min).max(0) as f64 * PX_PER_MIN).round()
    };
    let grid = NodeRef::<leptos::html::Div>::new();
    let shown = (view.first_day, view.days);
    // Once the grid is in the page (a Transition builds it before it swaps it in).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            // A grid replaced before this frame (a live change right after one's own) is gone.
            let Some(grid) = grid.try_get_untracked().flatten() else {
                return;
            };
            // Where the person left this grid (a live change redraws it), else the working day.
            let top = match state.grid_scroll.get_value() {
                Some((first, days, top)) if (first, days) == shown => top,
                _ => scroll_to as i32,
            };
            grid.set_scroll_top(top);
            let entry = |id: EntryId| {
                grid.query_selector(&format!("[data-entry=\"{id}\"]"))
                    .ok()
                    .flatten()?
                    .dyn_into::<web_sys::HtmlElement>()
                    .ok()
            };
            // An entry just changed from this page comes into view, once.
            if state.show_marked.get_value() {
                if let Some(el) = state.marked.get_untracked().and_then(entry) {
                    state.show_marked.set_value(false);
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Center);
                    el.scroll_into_view_with_scroll_into_view_options(&options);
                    state
                        .grid_scroll
                        .set_value(Some((shown.0, shown.1, grid.scroll_top())));
                }
            }
            if let Some(target) = state.refocus.get_value() {
                state.refocus.set_value(None);
                let _ = match target.and_then(entry) {
                    Some(el) => el.focus(),
                    None => grid.focus(),
                };
            }
        })
    });
    let keep_scroll = move |_| {
        if let Some(grid) = grid.get_untracked() {
            state
                .grid_scroll
                .set_value(Some((shown.0, shown.1, grid.scroll_top())));
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = scroll_to;
    let view = StoredValue::new(view);
    let name_of =
        move |p: UserId| names.with_value(|n| n.iter().find(|(x, _)| *x == p).map(|(_, n)| n.clone()));
    // A move from the grid (a drop, or Enter after the arrow keys); onto another clinician,
    // only once asked (then true).
    let place = move |id: EntryId,
                      version: i32,
                      start: NaiveDateTime,
                      provider: Option<UserId>,
                      room: Option<RoomId>| {
        let Some(e) = view.with_value(|v| v.entries.iter().find(|e| e.id == id).cloned()) else {
            return false;
        };
        let other = e.kind == EntryKind::Appointment && provider.is_some() && provider != e.provider_id;
        let to = provider.filter(|_| other).and_then(name_of);
        let ask = MoveAsk {
            id,
            version,
            start,
            provider,
            room,
            what: text::moved(&e.title, to.as_deref(), start),
        };
        if other {
            state.panel.set(Panel::MoveTo(ask));
        } else {
            state.move_entry(ask, true);
        }
        other
    };
    // Shift with the arrows walks a focused entry through the slots and the columns (an
    // outline shows where it would go), and Enter moves it there: the patient hears of one
    // move, not of every step.
    let key_move = RwSignal::new(None::<KeyMove>);
    let places: Vec<(NaiveDate, Option<UserId>, Option<RoomId>)> =
        cols.iter().map(|c| (c.date, c.provider, c.room)).collect();
    let places = StoredValue::new(places);
    let key_move_words = move || {
        key_move.get().map(|k| {
            let (_, provider, _) = places.with_value(|p| p[k.col]);
            let to = provider
                .filter(|p| k.clinician.is_some_and(|c| c != *p))
                .and_then(name_of);
            let what = text::to_move(&k.title, to.as_deref(), k.start);
            format!("{what}? Enter moves it there, Escape keeps it where it is.")
        })
    };
    view! {
        <div class="timegrid" style=grid_cols.clone() node_ref=grid on:scroll=keep_scroll tabindex="0"
            role="region" aria-label="Calendar grid: Tab reaches free times and appointments; Shift with the arrows moves the focused one"
            aria-keyshortcuts="Shift+ArrowUp Shift+ArrowDown Shift+ArrowLeft Shift+ArrowRight">
            <p class="sr-only" aria-live="polite">{key_move_words}</p>
            <div class="tg-corner"></div>
            {cols.iter().map(|c| {
                let is_today = c.date == today;
                view! { <div class="tg-head" class:today=is_today aria-hidden="true">{c.label.clone()}</div> }
            }).collect_view()}
            <div class="tg-hours" style=format!("height:{height}px") aria-hidden="true">
                {hours.iter().map(|h| {
                    let h = *h;
                    view! {
                        <div class="tg-hour" style=format!("top:{}px", ((h * 60 - first_min) as f64 * PX_PER_MIN).round())>
                            {text::hour(h as u32)}
                            {move || state.own_shift.get().map(|m| {
                                let own = (h * 60 + m).rem_euclid(24 * 60) as u32;
                                let own = NaiveTime::from_hms_opt(own / 60, own % 60, 0).unwrap_or_default();
                                view! { <span class="own">{text::hm(own)}</span> }
                            })}
                        </div>
                    }
                }).collect_view()}
            </div>
            {cols.into_iter().enumerate().map(|(ci, col)| {
                // A column of several days' grid names its day for whoever's name it lacks.
                let one_provider = col.provider.is_some() && span == Span3::Day;
                let col = StoredValue::new(col);
                let (open, entries): (Vec<(NaiveDateTime, NaiveDateTime)>, Vec<Entry>) = view.with_value(|v| {
                    col.with_value(|c| {
                        let open = v.open.iter()
                            .filter(|(p, _)| c.provider.is_none_or(|cp| cp == *p))
                            .flat_map(|(_, s)| s.iter().copied())
                            .filter(|(s, _)| s.date() == c.date)
                            .collect();
                        (open, v.entries.iter().filter(|e| c.shows(e)).cloned().collect())
                    })
                });
                let shade_open = col.with_value(|c| c.room.is_none());
                // A clinician's free times, as buttons the keyboard reaches (the pointer books
                // anywhere in the column): Enter books at the start of one.
                let provider = col.with_value(|c| c.provider);
                let free = match provider {
                    Some(_) => {
                        let busy: Vec<_> = entries.iter().filter(|e| e.status.holds_time()).map(|e| (e.start_local, e.end_local)).collect();
                        rules::free_times(&open, &busy, Duration::minutes(slot))
                    }
                    None => Vec::new(),
                };
                let who = col.with_value(|c| provider_name(c.provider)).unwrap_or_default();
                // A column of everyone draws the blocks several people share (lunch) once, and
                // colours appointments by clinician (the columns do not say whose they are),
                // unless the person chose colours by type.
                let everyone = col.with_value(|c| c.provider.is_none() && c.room.is_none());
                let entries: Vec<(Entry, usize)> = if everyone {
                    rules::drawn_once(&entries, shared_block).into_iter().map(|(i, n)| (entries[i].clone(), n)).collect()
                } else {
                    entries.into_iter().map(|e| (e, 1)).collect()
                };
                let placed = rules::lanes(&entries.iter().map(|(e, _)| (e.start_local, e.end_local)).collect::<Vec<_>>());
                // The start time under the pointer, snapped to the slot grid.
                let time_at = move |ev: &leptos::ev::MouseEvent| -> Option<NaiveDateTime> {
                    let y = pointer_y(ev)?;
                    let minute = first_min + ((y / PX_PER_MIN) as i64) / slot * slot;
                    let date = col.with_value(|c| c.date);
                    date.and_hms_opt(0, 0, 0).map(|d| d + Duration::minutes(minute))
                };
                let on_click = move |ev: leptos::ev::MouseEvent| {
                    if let Some(start) = time_at(&ev) {
                        let provider = col.with_value(|c| c.provider);
                        let room = col.with_value(|c| c.room);
                        let mut draft = Draft::at(start, provider.or(match state.lens.get_untracked() { Lens::Provider(p) => Some(p), _ => None }));
                        draft.room = room;
                        state.panel.set(Panel::New(draft));
                    }
                };
                // A drop moves the entry there; onto another clinician, only once asked.
                let on_drop = move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    let Some((id, version)) = dragging.get_untracked() else { return };
                    dragging.set(None);
                    let Some(start) = time_at(&ev) else { return };
                    let (provider, room) = col.with_value(|c| (c.provider, c.room));
                    let _ = place(id, version, start, provider, room);
                };
                // A screen reader meets the grid column by column, each named by its day and
                // whose it is (the heads and the hours are for the eye).
                let col_name = col.with_value(|c| {
                    let day = text::day_long(c.date);
                    if c.label == text::weekday_day(c.date) { day } else { format!("{}, {day}", c.label) }
                });
                view! {
                    <div
                        class="tg-col"
                        role="group"
                        aria-label=col_name
                        style=format!("height:{height}px")
                        on:click=on_click
                        on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                        on:drop=on_drop
                        title="Click a free time to book"
                    >
                        {shade_open.then(|| open.iter().map(|(s, e)| {
                            let top = ((minute_of(*s) - first_min) as f64 * PX_PER_MIN).max(0.0);
                            let end = if e.date() > s.date() { 24 * 60 } else { minute_of(*e) };
                            let h = ((end - minute_of(*s)) as f64 * PX_PER_MIN).max(0.0);
                            view! { <div class="tg-open" style=format!("top:{top}px;height:{h}px")></div> }
                        }).collect_view())}
                        {move || key_move.get().filter(|k| k.col == ci).map(|k| {
                            let top = ((minute_of(k.start) - first_min) as f64 * PX_PER_MIN).max(0.0);
                            let h = (k.minutes as f64 * PX_PER_MIN).max(14.0);
                            view! { <div class="tg-ghost" aria-hidden="true" style=format!("top:{top}px;height:{h}px")>{format!("→ {}", text::hm(k.start.time()))}</div> }
                        })}
                        {free.into_iter().map(|(s, e)| {
                            let top = ((minute_of(s) - first_min) as f64 * PX_PER_MIN).max(0.0);
                            let end = if e.date() > s.date() { 24 * 60 } else { minute_of(e) };
                            let h = ((end - minute_of(s)) as f64 * PX_PER_MIN).max(0.0);
                            view! {
                                <button type="button" class="tg-free" style=format!("top:{top}px;height:{h}px")
                                    on:click=move |ev| {
                                        ev.stop_propagation();
                                        state.panel.set(Panel::New(Draft::at(s, provider)));
                                    }>
                                    {format!("Free {}–{}", text::hm(s.time()), text::hm(e.time()))}
                                    <span class="sr-only">{format!(", {}, {who}: book", text::day_long(s.date()))}</span>
                                </button>
                            }
                        }).collect_view()}
                        {placed.into_iter().map(|(i, lane, n)| {
                            let (e, people) = entries[i].clone();
                            let top = ((minute_of(e.start_local) - first_min) as f64 * PX_PER_MIN).max(0.0);
                            let end = if e.end_local.date() > e.start_local.date() { 24 * 60 } else { minute_of(e.end_local) };
                            let h = ((end - minute_of(e.start_local)) as f64 * PX_PER_MIN).max(14.0);
                            let width = 100.0 / n as f64;
                            let tone = (everyone && !by_type && e.kind == EntryKind::Appointment)
                                .then(|| names.with_value(|n| n.iter().position(|(p, _)| Some(*p) == e.provider_id)))
                                .flatten()
                                .map(|i| CLINICIAN_COLORS[i % CLINICIAN_COLORS.len()].to_string());
                            let color = tone.or_else(|| e.type_id.and_then(|t| types.iter().find(|x| x.id == t)).map(|t| t.color.clone()))
                                .unwrap_or_else(|| if e.kind == EntryKind::Block { "#8a8f98".into() } else { "#6b5ca5".into() });
                            let type_name = e.type_id.and_then(|t| types.iter().find(|x| x.id == t)).map(|t| t.name.clone())
                                .unwrap_or_else(|| match e.kind { EntryKind::Meeting => "Meeting".into(), EntryKind::Block => "Blocked".into(), EntryKind::Appointment => String::new() });
                            let style = format!(
                                "top:{top}px;height:{h}px;left:calc({}% + 2px);width:calc({width}% - 4px);border-left-color:{color}",
                                width * lane as f64
                            );
                            let (id, version) = (e.id, e.version);
                            let short = h < 36.0;
                            // Its name is what it shows, then (for screen readers) the rest.
                            let provider = provider_name(e.provider_id);
                            let badged = e.kind == EntryKind::Appointment && e.status != Status::Scheduled;
                            let unbadged = if e.kind == EntryKind::Appointment && !badged { e.status.label() } else { "" };
                            let rest = text::entry_rest(e.start_local, e.end_local, unbadged, provider.as_deref().filter(|_| one_provider));
                            let who = if people > 1 { Some(format!("{people} people")) } else { (!one_provider).then_some(provider).flatten() };
                            let badge = badged.then(|| {
                                view! { <span class=format!("st st-{}", e.status.as_str())>{e.status.label()}</span>" " }
                            });
                            view! {
                                <button
                                    type="button"
                                    class=format!("tg-entry st-{}", e.status.as_str())
                                    class:short=short
                                    class:block={e.kind == EntryKind::Block}
                                    class:marked=move || state.marked.get() == Some(id)
                                    data-entry=e.id.to_string()
                                    style=style
                                    draggable="true"
                                    on:click=move |ev| {
                                        ev.stop_propagation();
                                        state.panel.set(Panel::Detail(id));
                                    }
                                    on:dragstart=move |_| dragging.set(Some((id, version)))
                                    on:keydown={
                                        let (title, start, minutes) = (e.title.clone(), e.start_local, (e.end_local - e.start_local).num_minutes());
                                        let clinician = e.provider_id.filter(|_| e.kind == EntryKind::Appointment);
                                        move |ev: leptos::ev::KeyboardEvent| {
                                            let going = key_move.get_untracked().filter(|k| k.id == id);
                                            let by = match ev.key().as_str() {
                                                _ if !ev.shift_key() => None,
                                                "ArrowUp" => Some((-1, 0)),
                                                "ArrowDown" => Some((1, 0)),
                                                "ArrowLeft" => Some((0, -1)),
                                                "ArrowRight" => Some((0, 1)),
                                                _ => None,
                                            };
                                            if let Some(by) = by {
                                                ev.prevent_default();
                                                let (from, at) = going.as_ref().map_or((ci, start), |k| (k.col, k.start));
                                                let dates: Vec<NaiveDate> = places.with_value(|p| p.iter().map(|(d, _, _)| *d).collect());
                                                if let Some((col, start)) = rules::key_step(at, from, &dates, Duration::minutes(slot), by) {
                                                    key_move.set(Some(KeyMove { id, version, title: title.clone(), minutes, clinician, col, start }));
                                                }
                                                return;
                                            }
                                            let Some(k) = going else { return };
                                            match ev.key().as_str() {
                                                "Enter" | " " => {
                                                    ev.prevent_default();
                                                    key_move.set(None);
                                                    if (k.col, k.start) != (ci, start) {
                                                        let (_, provider, room) = places.with_value(|p| p[k.col]);
                                                        // Moved: the focus is back on the entry once the grid is
                                                        // drawn anew (asked first: the question's panel gives it back).
                                                        if !place(id, version, k.start, provider, room) {
                                                            state.refocus.set_value(Some(Some(id)));
                                                        }
                                                    }
                                                }
                                                "Escape" => key_move.set(None),
                                                _ => {}
                                            }
                                        }
                                    }
                                    on:blur=move |_| if key_move.get_untracked().is_some_and(|k| k.id == id) { key_move.set(None) }
                                >
                                    <span class="t">{text::hm(e.start_local.time())}</span>
                                    " "
                                    <strong>{e.title.clone()}</strong>
                                    " "
                                    <span class="sub">{badge}{type_name}{who.map(|p| format!(" · {p}"))}</span>
                                    // (Its opening comma is for the ear: the card shows the rest alone.)
                                    <span class="sr-only">", "</span>
                                    <span class="sr-only rest">{rest.trim_start_matches(", ").to_owned()}</span>
                                </button>
                            }
                        }).collect_view()}
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

/// The vertical offset of the pointer within the element the handler is on.
fn pointer_y(ev: &leptos::ev::MouseEvent) -> Option<f64> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let el = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let rect = el.get_bounding_client_rect();
        Some(f64::from(ev.client_y()) - rect.top())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

/// Blocks of several people at one time under one title (lunch): drawn once where everyone
/// is shown.
fn shared_block(a: &Entry, b: &Entry) -> bool {
    a.kind == EntryKind::Block
        && b.kind == EntryKind::Block
        && a.title == b.title
        && (a.start_local, a.end_local) == (b.start_local, b.end_local)
}

/// The week as a list: each day with something on it, its entries in order (time, who,
/// what, status), each opening its details; a block several people share, once.
#[component]
fn DayList(view: View, setup: Setup, today: NaiveDate) -> impl IntoView {
    let state = expect_context::<CalState>();
    let lens = state.lens.get_untracked();
    let name = |id: Option<UserId>| {
        id.and_then(|id| setup.staff.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
    };
    let mut days: Vec<(NaiveDate, Vec<Entry>)> = Vec::new();
    for e in view.entries.iter().filter(|e| match lens {
        Lens::Practice => true,
        Lens::Provider(p) => e.provider_id == Some(p) || e.attendees.contains(&p),
        Lens::Room(r) => e.room_id == Some(r),
    }) {
        let d = e.start_local.date();
        match days.last_mut() {
            Some((day, list)) if *day == d => list.push(e.clone()),
            _ => days.push((d, vec![e.clone()])),
        }
    }
    // Where a panel that changed something and closed sends the focus, once this list is in
    // the page (a change draws the list anew).
    // A week that holds today opens at today (a phone's first view is this list).
    let week = view.first_day;
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(target) = state.refocus.get_value() {
            state.refocus.set_value(None);
            request_animation_frame(move || {
                crate::ui::focus_when_drawn(match target {
                    Some(id) => format!("#day-list [data-entry=\"{id}\"]"),
                    None => "#day-list".to_owned(),
                })
            });
        } else if state.list_at_today.get_value() != Some(week) {
            state.list_at_today.set_value(Some(week));
            // Only when today is well down the page (the week's first days are past).
            crate::ui::when_drawn("#day-list h2.today", |h| {
                let seen = window()
                    .inner_height()
                    .ok()
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0);
                if h.get_bounding_client_rect().top() > seen / 3.0 {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Start);
                    h.scroll_into_view_with_scroll_into_view_options(&options);
                }
            });
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = week;
    if days.is_empty() {
        return view! { <p class="muted pad" id="day-list" tabindex="-1">"Nothing is booked this week."</p> }
            .into_any();
    }
    view! {
        <div class="day-list" id="day-list" tabindex="0" role="region" aria-label="The week, day by day">
            {days.into_iter().map(|(d, list)| view! {
                <section>
                    <h2 class:today={d == today}>{text::day_long(d)}</h2>
                    <ul>
                        {rules::drawn_once(&list, |a, b| lens == Lens::Practice && shared_block(a, b)).into_iter().map(|(i, people)| {
                            let e = &list[i];
                            let id = e.id;
                            let what = e.type_id.and_then(|t| setup.types.iter().find(|x| x.id == t)).map(|t| t.name.clone())
                                .unwrap_or_else(|| match e.kind { EntryKind::Meeting => "Meeting".into(), EntryKind::Block => "Blocked".into(), EntryKind::Appointment => String::new() });
                            let who = if people > 1 {
                                format!(" · {people} people")
                            } else {
                                name(e.provider_id).map(|p| format!(" · {p}")).unwrap_or_default()
                            };
                            let badge = (e.kind == EntryKind::Appointment).then(|| view! {
                                <span class=format!("st st-{}", e.status.as_str())>{e.status.label()}</span>
                            });
                            view! {
                                <li>
                                    <button type="button" class="dl-entry" data-entry=id.to_string()
                                        class:marked=move || state.marked.get() == Some(id)
                                        on:click=move |_| state.panel.set(Panel::Detail(id))>
                                        <span class="t">{format!("{}–{}", text::hm(e.start_local.time()), text::hm(e.end_local.time()))}</span>
                                        <strong>{e.title.clone()}</strong>
                                        <span class="sub">{format!("{what}{who}")}</span>
                                        {badge}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// "no appointments", "1 appointment", "4 appointments".
fn appointments(n: usize) -> String {
    match n {
        0 => "no appointments".into(),
        1 => "1 appointment".into(),
        n => format!("{n} appointments"),
    }
}

#[component]
fn MonthGrid(view: View, today: NaiveDate) -> impl IntoView {
    let state = expect_context::<CalState>();
    let lens = state.lens.get_untracked();
    let month = state.date.get_untracked().unwrap_or(today).month();
    let days: Vec<NaiveDate> = (0..view.days)
        .map(|i| view.first_day + Duration::days(i.into()))
        .collect();
    view! {
        <div class="monthgrid" tabindex="0" role="region" aria-label="Month: each day opens its calendar">
            {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].into_iter().map(|d| view! { <div class="mg-head" aria-hidden="true">{d}</div> }).collect_view()}
            {days.into_iter().map(|d| {
                let items: Vec<Entry> = view.entries.iter().filter(|e| {
                    e.start_local.date() == d && match lens {
                        Lens::Practice => true,
                        Lens::Provider(p) => e.provider_id == Some(p) || e.attendees.contains(&p),
                        Lens::Room(r) => e.room_id == Some(r),
                    }
                }).cloned().collect();
                let count = items.iter().filter(|e| e.kind == EntryKind::Appointment).count();
                let open_day = move |_| {
                    if let Some(p) = state.practice.get_untracked() {
                        let l = lens_key(lens);
                        let l = if l.is_empty() { String::new() } else { format!("&lens={l}") };
                        crate::nav::go(&format!("/p/{p}/calendar?span=day&date={d}{l}"), false);
                    }
                };
                view! {
                    // Its name is what it shows, the day written out for screen readers.
                    <button type="button" class="mg-day" class:other={d.month() != month} class:today={d == today} on:click=open_day>
                        <span class="mg-date">{d.day()}</span>
                        <span class="sr-only">{format!(" {}, ", text::day_long(d))}</span>
                        <span class="mg-count" class:sr-only={count == 0}>{appointments(count)}</span>
                        <ul aria-hidden="true">
                            {items.iter().take(3).map(|e| view! {
                                <li>{format!("{} {}", text::hm(e.start_local.time()), e.title)}</li>
                            }).collect_view()}
                        </ul>
                    </button>
                }
            }).collect_view()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_and_month_ranges_start_on_monday() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 6).unwrap(); // a Wednesday
        assert_eq!(
            range_of(Span3::Week, d, &[]),
            (NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(), 7)
        );
        let (first, days) = range_of(Span3::Month, d, &[]);
        assert_eq!((first, days), (NaiveDate::from_ymd_opt(2026, 4, 27).unwrap(), 42));
        assert_eq!(
            step(
                Span3::Month,
                NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                true,
                &[]
            ),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            step(
                Span3::Month,
                NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
                false,
                &[]
            ),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
    }

    #[test]
    fn the_lens_round_trips_through_the_address() {
        let p = Lens::Provider(UserId(uuid::Uuid::from_u128(7)));
        assert_eq!(parse_lens(Some(lens_key(p))), p);
        assert_eq!(parse_lens(Some("nonsense".into())), Lens::Practice);
    }
}

/// The message at the foot of the page: a polite live region that is always there (so what
/// appears in it is announced), its message gone after a while, or at once by its ✕.
#[component]
fn SaidNote() -> impl IntoView {
    let state = expect_context::<CalState>();
    // Held while the pointer or the focus is on it.
    let held = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let Some(n) = state.said.with(|s| s.as_ref().map(|s| s.n)) else {
            return;
        };
        fn wait(state: CalState, held: RwSignal<bool>, n: u32, waited: u64) {
            set_timeout(
                move || {
                    // A change redraws the calendar: the note drawn anew keeps its own time,
                    // and this one (its signals gone with it) has nothing left to do.
                    let (Some(Some(shown)), Some(held_now)) = (
                        state.said.try_with_untracked(|s| s.as_ref().map(|s| s.n)),
                        held.try_get_untracked(),
                    ) else {
                        return;
                    };
                    if shown != n {
                        return;
                    }
                    let waited = waited + SAID_SECONDS;
                    let undo_left = waited + SAID_SECONDS < crate::calendar::model::UNDO_SECONDS as u64;
                    if held_now && undo_left {
                        wait(state, held, n, waited);
                    } else {
                        state.said.set(None);
                    }
                },
                std::time::Duration::from_secs(SAID_SECONDS),
            );
        }
        wait(state, held, n, 0);
    });
    view! {
        <div class="said-region" role="status" aria-live="polite"
            on:mouseenter=move |_| held.set(true) on:mouseleave=move |_| held.set(false)
            on:focusin=move |_| held.set(true) on:focusout=move |_| held.set(false)>
            {move || state.said.get().map(|s| view! {
                <div class="said" class:problem=s.problem role=s.problem.then_some("alert") id="cal-said">
                    <span class="said-text">{s.text}</span>
                    {s.undo.map(|_| view! {
                        <button type="button" class="link" id="said-undo" aria-keyshortcuts="u" on:click=move |_| state.undo()>"Undo"</button>
                    })}
                    <button type="button" class="link said-close" aria-label="Dismiss the message" on:click=move |_| state.said.set(None)>"✕"</button>
                </div>
            })}
        </div>
    }
}
