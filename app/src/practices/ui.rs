//! The workspace frame (top bar, practice switcher, navigation, idle guard) and the
//! practice's pages.

use crate::model::{Me, PracticeId};
use crate::nav::rules::{section_in, sections_for};
use crate::nav::{Redirect, Section};
use crate::practices::api::practice_overview;
use crate::shell::MeResource;
use crate::ui::{ErrorNote, PageError, SignOut};
use leptos::prelude::*;

/// `/`: send the person to their first practice, or to sign in.
#[component]
pub fn Home() -> impl IntoView {
    let me = expect_context::<MeResource>();
    view! {
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if me.must_enrol_mfa() => view! { <Redirect path="/account" /> }.into_any(),
                    Ok(Some(me)) => match me.practices.first() {
                        Some(p) => view! { <Redirect path=format!("/p/{}/inbox", p.id) /> }.into_any(),
                        None if me.agency_admin => view! { <Redirect path="/agency" /> }.into_any(),
                        None => view! { <NoPractice me /> }.into_any(),
                    },
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NoPractice(me: Me) -> impl IntoView {
    view! {
        <main class="centered">
            <div class="card narrow" id="home">
                <h1>{format!("Welcome, {}", me.display_name)}</h1>
                <p>"You are not a member of any practice yet. Ask your practice admin for an invitation."</p>
                <SignOut />
            </div>
        </main>
    }
}

/// The practice in the address (`/p/:practice/...`), fixed for the page.
pub(crate) fn practice_param() -> Signal<Option<PracticeId>> {
    Signal::stored(match crate::nav::page() {
        crate::nav::Page::Practice(p, _) => p,
        _ => None,
    })
}

/// The practice and section the address names, reactive: for the frame, which outlives the
/// pages it shows.
fn place() -> (Signal<Option<PracticeId>>, Signal<Section>) {
    let page = crate::nav::current();
    let practice = Signal::derive(move || match page.get() {
        crate::nav::Page::Practice(p, _) => p,
        _ => None,
    });
    let section = Signal::derive(move || match page.get() {
        crate::nav::Page::Practice(_, s) => s,
        _ => Section::Inbox,
    });
    (practice, section)
}

/// `/p/:practice/...`: the frame of a practice's pages, around the section's page. The frame
/// stays while the person moves between sections and practices (`nav::go`); only the page
/// inside is replaced.
#[component]
pub fn Workspace() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let (_, section) = place();
    crate::realtime::ui::provide_live_feed();
    // Only the frame waits for the person. The page sits outside the Suspense:
    // on the server a Suspense renders its children more than once (a dry run to find their
    // resources, then for real), so a page inside it was built three times, each copy with its
    // own resources: repeated queries, repeated audit records, and hydration reading the
    // values of a discarded copy. Each page checks access through its own server functions
    // and shows "No access" (403) when refused.
    view! {
        <div class="app">
            <crate::ui::SkipLink />
            <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(me)) if me.must_enrol_mfa() => view! { <Redirect path="/account" /> }.into_any(),
                        Ok(Some(me)) => view! {
                            <TopBar me=me.clone() />
                            <IdleGuard timeout_seconds=me.idle_timeout_seconds />
                        }
                            .into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <main class="content" id="content" tabindex="-1">
                {move || {
                    section.track();
                    crate::nav::lazy_view(&crate::nav::page())
                }}
            </main>
        </div>
    }
}

#[component]
fn TopBar(me: Me) -> impl IntoView {
    let (practice, section) = place();
    let me = StoredValue::new(me);
    let open_practice = move |value: String| {
        let Ok(id) = value.parse::<PracticeId>() else {
            return;
        };
        if practice.get_untracked() == Some(id) {
            return;
        }
        let key = section.with_untracked(|s| s.key().to_owned());
        let key = me.with_value(|me| section_in(me, id, &key).to_owned());
        crate::nav::go(&format!("/p/{id}/{key}"), false);
    };
    // A choice made with the pointer opens the practice at once. Arrow keys (and typing a
    // name) on the closed list only move the choice: Enter opens it, leaving puts the
    // current practice back, so stepping through the list never loads a page.
    let keyed = StoredValue::new(false);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            keyed.set_value(false);
            open_practice(event_target_value(&ev));
        } else if !ev.alt_key() && !ev.ctrl_key() && !ev.meta_key() && ev.key() != "Tab" {
            keyed.set_value(true);
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        if !keyed.get_value() {
            open_practice(event_target_value(&ev));
        }
    };
    let on_blur = move |_ev: leptos::ev::FocusEvent| {
        keyed.set_value(false);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(select) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                select.set_value(
                    &practice
                        .get_untracked()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                );
            }
        }
    };
    let me = me.get_value();
    let known = {
        let ids: Vec<PracticeId> = me
            .practices
            .iter()
            .chain(&me.agency_practices)
            .map(|p| p.id)
            .collect();
        move || practice.get().is_none_or(|p| ids.contains(&p))
    };
    let current_id = move || practice.get().map(|p| p.to_string()).unwrap_or_default();
    let practices = me.practices.clone();
    let agency = me.agency_practices.clone();
    // An agency admin looking at a practice they are not a member of: said in the top bar.
    let agency_view = {
        let members_of: Vec<_> = me.practices.iter().map(|p| p.id).collect();
        let agency_admin = me.agency_admin;
        move || agency_admin && practice.get().is_some_and(|p| !members_of.contains(&p))
    };
    // Each practice's local time, re-read every 15 seconds.
    let clock = Trigger::new();
    #[cfg(feature = "hydrate")]
    {
        let timer = set_interval_with_handle(move || clock.notify(), std::time::Duration::from_secs(15)).ok();
        on_cleanup(move || {
            if let Some(t) = timer {
                t.clear();
            }
        });
    }
    // On a phone the sections and the account's links are behind "Menu" (a compact bar):
    // open until a choice, Escape, or a tap outside the bar.
    let menu_open = RwSignal::new(false);
    Effect::new(move |_| {
        section.track();
        practice.track();
        menu_open.set(false);
    });
    // Alt+<key> opens a section (the keys are announced with aria-keyshortcuts).
    #[cfg(feature = "hydrate")]
    {
        let me_keys = StoredValue::new(me.clone());
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && menu_open.get_untracked() {
                menu_open.set(false);
                crate::ui::focus_when_drawn("#top-menu");
                return;
            }
            if !ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
                return;
            }
            let Some(p) = practice.get_untracked() else { return };
            let shown = me_keys.with_value(|me| sections_for(me, p));
            if let Some(s) = shown.iter().find(|s| ev.key().eq_ignore_ascii_case(s.key)) {
                ev.prevent_default();
                crate::nav::go(&format!("/p/{p}/{}", s.path), false);
            }
        });
        // A click outside an open menu (availability, notifications) closes it.
        let clicks = window_event_listener(leptos::ev::pointerdown, move |ev| {
            crate::ui::close_menus_outside(&ev);
            use wasm_bindgen::JsCast;
            let in_bar = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| el.closest(".topbar").ok().flatten().is_some());
            if !in_bar {
                menu_open.set(false);
            }
        });
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
        });
    }
    view! {
            <header class="topbar workspace" class:menu-open=move || menu_open.get()>
                <a class="brand" href="/">"Switchboard"</a>
                <label class="switcher">
                    <span class="sr-only">"Practice"</span>
                    <select id="practice-switcher" on:change=on_change on:keydown=on_key on:blur=on_blur
                        on:pointerdown=move |_| keyed.set_value(false) prop:value=current_id
                        aria-describedby="switcher-help">
                        {move || (!known()).then(|| view! {
                            <option value=current_id() selected>"Not one of your practices"</option>
                        })}
                        {practice_options(practices, current_id, clock)}
                        {(!agency.is_empty()).then(|| view! {
                            <optgroup label="Agency: other practices">{practice_options(agency, current_id, clock)}</optgroup>
                        })}
                    </select>
                </label>
                <span class="sr-only" id="switcher-help">"Arrow keys choose a practice, Enter opens it."</span>
                <span class="agency-view" id="agency-view" hidden=move || !agency_view() title="You are not a member of this practice: you see it as the agency, and its patients' data stays closed to you">"Agency view"</span>
                <button type="button" class="menu-button" id="top-menu" aria-controls="top-sections top-account"
                    aria-expanded=move || menu_open.get().to_string() on:click=move |_| menu_open.update(|o| *o = !*o)>
                    "Menu"
                </button>
                <nav class="sections" id="top-sections" aria-label="Sections">
                    {
                        let me = me.clone();
                        move || {
                            let Some(p) = practice.get() else { return Vec::new() };
                            sections_for(&me, p)
                                .into_iter()
                                .map(|s| {
                                    let path = s.path;
                                    // Sections under a section's path (Admin's tabs) belong to it.
                                    let here = move || {
                                        section.with(|now| {
                                            let key = now.key();
                                            (key == path || key.starts_with(&format!("{path}/"))).then_some("page")
                                        })
                                    };
                                    view! {
                                        <a href=format!("/p/{p}/{path}") aria-current=here aria-keyshortcuts=format!("Alt+{}", s.key)>
                                            {s.label}
                                        </a>
                                    }
                                })
                                .collect::<Vec<_>>()
                        }
                    }
                </nav>
                <div class="who">
                    {tools_slot(me.clone(), practice, section)}
                    <span class="account" id="top-account">
                        {me.agency_admin.then(|| view! { <a href="/agency">"Agency"</a> })}
                        <a class="name" id="signed-in-as" href="/account" title="Your account">{me.display_name.clone()}</a>
                        <SignOut />
                    </span>
                </div>
            </header>
        }
    .into_any()
}

/// Draws the top bar's tools (the palette's keys, availability, the bell) into the slot.
#[cfg(feature = "hydrate")]
type ToolsFn = fn(web_sys::Element, Me, Signal<Option<PracticeId>>, Signal<Section>);

/// The top bar's tools: a chunk of their own, fetched once the page is live. Their data is
/// the browser's alone: the server draws an empty slot, and the chunk builds them into it
/// (never hydrated, so only the building half of their view code is in the chunk).
#[cfg(feature = "hydrate")]
#[leptos::lazy]
fn top_bar_tools() -> ToolsFn {
    |slot, me, practice, section| {
        let tools = view! {
            <crate::palette::ui::PaletteKeys me=me.clone() practice section dialogs=|| Box::pin(async { top_bar_menus().await.palette }) />
            {(!me.practices.is_empty()).then(|| view! {
                <crate::availability::ui::AvailabilityControl me=me.clone() practice menu=|| Box::pin(async { top_bar_menus().await.availability }) />
            })}
            <crate::notifications::ui::NotificationBell list=|| Box::pin(async { top_bar_menus().await.bell }) />
        };
        crate::ui::build_into(slot, tools);
    }
}

/// What the top bar's menus (availability, the bell's list, the palette) draw the first time
/// one opens: one chunk for the three, fetched then (every extra chunk splits the code pages
/// share into more, smaller files, which every page then loads).
#[cfg(feature = "hydrate")]
struct Menus {
    availability: crate::availability::ui::MenuFn,
    bell: crate::notifications::ui::ListFn,
    palette: crate::palette::ui::DialogsFn,
}

#[cfg(feature = "hydrate")]
#[leptos::lazy]
fn top_bar_menus() -> Menus {
    Menus {
        availability: crate::availability::ui::draw_menu,
        bell: crate::notifications::ui::draw_list,
        palette: crate::palette::ui::draw_dialogs,
    }
}

/// Where the tools appear once their chunk has arrived (empty on the server and until then).
fn tools_slot(me: Me, practice: Signal<Option<PracticeId>>, section: Signal<Section>) -> impl IntoView {
    let slot = NodeRef::<leptos::html::Span>::new();
    #[cfg(feature = "hydrate")]
    crate::ui::draw_when_asked(
        slot,
        || true,
        move |slot, owner| async move {
            let draw = top_bar_tools().await;
            owner.with(|| draw(slot, me, practice, section));
        },
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = (me, practice, section);
    view! { <span class="tools" node_ref=slot></span> }
}

/// One `<option>` per practice: its name, its city and its local time.
fn practice_options(
    practices: Vec<crate::model::PracticeSummary>,
    current_id: impl Fn() -> String + Copy + Send + Sync + 'static,
    clock: Trigger,
) -> impl IntoView {
    practices
        .into_iter()
        .map(|p| {
            let id = p.id.to_string();
            view! {
                <option value=id.clone() selected=move || current_id() == id>
                    {move || {
                        clock.track();
                        format!("{} · {} {}", p.name, short_zone(&p.time_zone), local_time(&p.time_zone))
                    }}
                </option>
            }
        })
        .collect_view()
}

/// The time now in `zone`, as the person reads times: "09:41" or "9:41 am" (the browser's
/// own time-zone data in the browser; chrono-tz on the server).
pub fn local_time(zone: &str) -> String {
    let twelve_hour = crate::ui::time_style().twelve_hour;
    #[cfg(feature = "hydrate")]
    {
        let options = js_sys::Object::new();
        let hour = if twelve_hour { "numeric" } else { "2-digit" };
        for (key, value) in [("timeZone", zone), ("hour", hour), ("minute", "2-digit")] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        let _ = js_sys::Reflect::set(&options, &"hour12".into(), &twelve_hour.into());
        String::from(js_sys::Date::new_0().to_locale_time_string_with_options("en-US", &options))
            .to_lowercase()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        #[cfg(feature = "ssr")]
        if let Ok(tz) = zone.parse::<chrono_tz::Tz>() {
            let format = if twelve_hour { "%-I:%M %P" } else { "%H:%M" };
            return chrono::Utc::now().with_timezone(&tz).format(format).to_string();
        }
        let _ = twelve_hour;
        String::new()
    }
}

/// "America/Los_Angeles" → "Los Angeles".
pub fn short_zone(zone: &str) -> String {
    zone.rsplit('/').next().unwrap_or(zone).replace('_', " ")
}

/// Warns a minute before the idle logout and signs out when the time is up. The server
/// enforces the timeout on its own; this only keeps the person informed. Activity (keys,
/// clicks) renews the session at most every 20 seconds. A quiet page also tells the server
/// it is idle, for the person's availability.
#[component]
fn IdleGuard(timeout_seconds: i32) -> impl IntoView {
    let remaining = RwSignal::new(None::<i64>);
    let last_renewal = RwSignal::new(0.0_f64);
    let renew = move || {
        #[cfg(feature = "hydrate")]
        {
            last_renewal.set(js_sys::Date::now());
            remaining.set(None);
            leptos::task::spawn_local(async move {
                let _ = crate::auth::api::keepalive().await;
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let timeout_ms = f64::from(timeout_seconds) * 1000.0;
        let warn_ms = (timeout_ms / 3.0).min(60_000.0);
        last_renewal.set(js_sys::Date::now());
        let signing_out = RwSignal::new(false);
        let on_activity = move || {
            let quiet = js_sys::Date::now() - last_renewal.get_untracked() > 20_000.0;
            if quiet && remaining.get_untracked().is_none() {
                renew();
            }
        };
        // A page without keys or pointer for a while says it is idle (its person shows as
        // away once all their pages are); the first touch after says it is in use again.
        let away_ms = f64::from(crate::availability::rules::away_after_seconds(timeout_seconds)) * 1000.0;
        let touched = StoredValue::new(js_sys::Date::now());
        let idle = StoredValue::new(false);
        let tell = |now_idle: bool| {
            leptos::task::spawn_local(async move {
                let _ = crate::realtime::ui::ask(crate::realtime::model::Request::Idle(now_idle)).await;
            });
        };
        let touch = move || {
            touched.set_value(js_sys::Date::now());
            if idle.get_value() {
                idle.set_value(false);
                tell(false);
            }
        };
        // While the warning shows, any key keeps the person signed in.
        let keys = window_event_listener(leptos::ev::keydown, move |_| {
            touch();
            if remaining.get_untracked().is_some() {
                renew();
            } else {
                on_activity();
            }
        });
        // The warning takes the focus (announced once, as the dialog it is) and gives it back.
        let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
        Effect::new(move |was: Option<bool>| {
            let shown = remaining.with(Option::is_some);
            if shown && was != Some(true) {
                before.set_value(crate::ui::focused());
                crate::ui::focus_when_drawn("#idle-warning button");
            } else if !shown && was == Some(true) {
                if let Some(el) = before.get_value().filter(|e| e.is_connected()) {
                    let _ = el.focus();
                }
            }
            shown
        });
        let clicks = window_event_listener(leptos::ev::pointerdown, move |_| {
            touch();
            on_activity();
        });
        let moves =
            ["pointermove", "wheel"].map(|name| window_event_listener_untyped(name, move |_| touch()));
        // A socket opened again starts in use: say again that the page is idle.
        if let Some(feed) = use_context::<crate::realtime::ui::LiveFeed>() {
            feed.on_any(crate::realtime::Kind::Resync, move |_| {
                if idle.get_value() {
                    tell(true);
                }
            });
        }
        let tick = move || {
            if !idle.get_value() && js_sys::Date::now() - touched.get_value() > away_ms {
                idle.set_value(true);
                tell(true);
            }
            let left = last_renewal.get_untracked() + timeout_ms - js_sys::Date::now();
            if left <= 0.0 {
                if !signing_out.get_untracked() {
                    signing_out.set(true);
                    leptos::task::spawn_local(async move {
                        let _ = crate::auth::api::logout().await;
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().assign("/login?reason=idle");
                        }
                    });
                }
            } else if left <= warn_ms {
                remaining.set(Some((left / 1000.0).ceil() as i64));
            } else if remaining.get_untracked().is_some() {
                remaining.set(None);
            }
        };
        let timer = set_interval_with_handle(tick, std::time::Duration::from_millis(1000)).ok();
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
            for m in moves {
                m.remove();
            }
            if let Some(t) = timer {
                t.clear();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (timeout_seconds, last_renewal);
    view! {
        <Show when=move || remaining.get().is_some()>
            <div class="idle-warning" role="alertdialog" aria-labelledby="idle-title" aria-describedby="idle-text" id="idle-warning">
                <div>
                    <p id="idle-title">"Still there?"</p>
                    <p id="idle-text" class="small">
                        {move || format!("You'll be signed out in {} s for inactivity. Press any key to stay signed in.", remaining.get().unwrap_or(0))}
                    </p>
                </div>
                <button class="primary" on:click=move |_| renew()>"Stay signed in"</button>
            </div>
        </Show>
    }
}

/// The practice's phone script with `{assistant}` replaced by the reader's first name.
pub fn fill_script(script: &str, me: Option<&Me>) -> String {
    let first = me
        .and_then(|m| m.display_name.split_whitespace().next())
        .unwrap_or("your name");
    script.replace("{assistant}", first)
}

/// The sections still to come: (path, title, what it will do, what serves meanwhile, and a
/// link there: its label and section).
const COMING: [(&str, &str, &str, &str, &str, &str); 3] = [
    (
        "phone",
        "Phone",
        "Coming: the practice's phone in your browser, with its call queue, hold, and handing a call to the on-call clinician.",
        "Until then, the practice's phone script and emergency rules are on its Inbox.",
        "Open the Inbox",
        "inbox",
    ),
    (
        "timesheets",
        "Timesheets",
        "Coming: time that follows your work from practice to practice, each practice's weekly hours against its plan, and approval by its admin.",
        "Until then, My day shows every practice's day on one time line.",
        "Open My day",
        "today",
    ),
    (
        "patients",
        "Patients",
        "Coming later: patient records, with every read recorded in the practice's access log.",
        "Until then, patients are found and booked in the calendar: its search and “Find a slot”.",
        "Open the calendar",
        "calendar",
    ),
];

crate::lazy_page!(
    /// `/p/:practice/tasks`, `/phone`, `/timesheets`, `/patients`: sections still to come.
    coming_page => SectionPlaceholder
);

/// A section of a practice's workspace that has no page of its own yet (members only,
/// like every page of a practice): what is coming, and what serves meanwhile.
#[component]
fn SectionPlaceholder() -> impl IntoView {
    let name = match crate::nav::page() {
        crate::nav::Page::Practice(_, Section::Other(name)) => name,
        _ => String::new(),
    };
    let practice = practice_param();
    let me = expect_context::<MeResource>();
    let Some((_, title, coming, meanwhile, link, to)) = COMING.into_iter().find(|c| c.0 == name) else {
        return view! { <crate::ui::NotFound /> }.into_any();
    };
    view! {
        <Transition>
            {move || Suspend::new(async move {
                let member = me.await.ok().flatten().zip(practice.get()).is_some_and(|(me, p)| {
                    me.practice(p).is_some() || me.agency_admin
                });
                if !member {
                    return view! { <PageError error=crate::error::AppError::Forbidden /> }.into_any();
                }
                let href = format!("/p/{}/{to}", practice.get().map(|p| p.to_string()).unwrap_or_default());
                view! {
                    <section class="panel coming" id="section-placeholder">
                        <h1>{title}</h1>
                        <p>{coming}</p>
                        <p class="muted">{meanwhile}</p>
                        <a href=href>{link}</a>
                    </section>
                }
                    .into_any()
            })}
        </Transition>
    }
    .into_any()
}

/// What an assistant needs at hand for the practice being shown: its phone script and
/// emergency rules, who is online, its people. Beside the inbox.
#[component]
pub fn PracticeCard() -> impl IntoView {
    let practice = practice_param();
    let overview = crate::wire::load(
        move || practice.get(),
        |p| async move {
            match p {
                Some(p) => practice_overview(p).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    // Resources are created here, never inside a Suspend: nested creation breaks hydration.
    let loading = || view! { <p class="muted">"Loading…"</p> };
    view! {
        <div class="stack-panels practice-card">
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    let me = expect_context::<MeResource>().await.ok().flatten();
                    match overview.await {
                        Ok(o) => view! {
                            <section class="panel">
                                <h2 id="practice-name">{o.name}</h2>
                                <p class="muted">{format!("Local time zone: {}", o.time_zone)}</p>
                                <h3>"Phone script"</h3>
                                <p class="prewrap">{fill_script(&o.phone_script, me.as_ref())}</p>
                                <h3>"Emergencies"</h3>
                                <p class="prewrap">{o.emergency_rules}</p>
                            </section>
                        }
                            .into_any(),
                        // The inbox beside it says why the practice cannot be shown.
                        Err(_) => ().into_any(),
                    }
                })}
            </Suspense>
            <crate::realtime::ui::OnlineNow practice=practice />
            <section class="panel">
                <h2>"People"</h2>
                    <Suspense fallback=loading>
                        {move || Suspend::new(async move {
                            overview.await.map(|o| view! {
                                <table class="dense" id="staff">
                                    <tbody>
                                        {o.staff.into_iter().map(|s| view! {
                                            <tr>
                                                <td>{s.display_name}</td>
                                                <td class="muted">{s.role.label()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }).ok()
                        })}
                    </Suspense>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_shown_by_their_city() {
        assert_eq!(short_zone("America/Los_Angeles"), "Los Angeles");
        assert_eq!(short_zone("UTC"), "UTC");
    }

    #[test]
    fn the_script_names_the_assistant_reading_it() {
        let me = Me {
            id: crate::model::UserId(uuid::Uuid::nil()),
            display_name: "Maya Okafor".into(),
            email: "m@x.test".into(),
            agency_admin: false,
            practices: vec![],
            idle_timeout_seconds: 900,
            time_zone: "UTC".into(),
            mfa_enabled: false,
            time_style: Default::default(),
            mfa_required: false,
            agency_practices: vec![],
        };
        assert_eq!(fill_script("This is {assistant}.", Some(&me)), "This is Maya.");
        assert_eq!(fill_script("This is {assistant}.", None), "This is your name.");
    }
}
