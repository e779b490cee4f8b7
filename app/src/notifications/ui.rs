//! The top bar's bell: the unread count, the latest notifications, marking them read, and
//! optional desktop notifications (the same short text, which carries no patient data).

use crate::error::AppError;
use crate::notifications::api::read_bell;
use crate::notifications::model::Bell;
use crate::notifications::model::Notification;
use crate::notifications::rules;
use crate::realtime::ui::LiveFeed;
use crate::realtime::Kind;
use futures::future::LocalBoxFuture;
use leptos::either::EitherOf3;
use leptos::prelude::*;

/// The bell and its unread count; its list, fetched the first time it opens, marks them
/// read. Browser-only data, like availability: drawn after hydration, never on the server.
#[component]
pub fn NotificationBell(
    /// Fetches the list's code (the frame holds the top bar's chunks).
    list: fn() -> LocalBoxFuture<'static, ListFn>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<Bell>);
    let error = RwSignal::new(None::<AppError>);
    let reread = RwSignal::new(0u32);
    // The notification a live event announced, for a desktop notification once it is read.
    let announced = RwSignal::new(None::<uuid::Uuid>);
    if let Some(feed) = use_context::<LiveFeed>() {
        feed.on_any(Kind::Notification, move |subject| {
            announced.set(subject);
            reread.update(|n| *n += 1);
        });
    }
    Effect::new(move |_| {
        reread.track();
        leptos::task::spawn_local(async move {
            let result = read_bell().await;
            if let (Ok(b), Some(id)) = (&result, announced.get_untracked()) {
                if let Some(n) = b.latest.iter().find(|n| n.id == id && !n.read) {
                    desktop::show(&n.text);
                }
                announced.set(None);
            }
            crate::ui::settle(result, shown, error);
        });
    });
    let unread = move || shown.with(|b| b.as_ref().map(|b| b.unread).unwrap_or(0));
    let opened = RwSignal::new(false);
    let slot = NodeRef::<leptos::html::Span>::new();
    crate::ui::draw_when_asked(
        slot,
        move || opened.get(),
        move |slot, owner| async move {
            let draw = list().await;
            owner.with(|| draw(slot, shown, error));
        },
    );
    view! {
        <details class="menu bell" id="bell"
            on:toggle=move |_| opened.set(true)
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { crate::ui::close_menu(&ev) }
        >
            <summary aria-label=move || format!("Notifications: {} unread", unread()) title="Notifications">
                <svg class="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                    <path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6zm-2.4 15.5a2.5 2.5 0 0 0 4.8 0z"></path>
                </svg>
                <span class="badge" id="bell-count" hidden=move || rules::badge(unread()).is_none()>
                    {move || rules::badge(unread()).unwrap_or_default()}
                </span>
            </summary>
            <span class="tools" node_ref=slot></span>
        </details>
    }
}

/// Draws the list into its slot, bound to the bell's state.
pub(crate) type ListFn = fn(web_sys::Element, RwSignal<Option<Bell>>, RwSignal<Option<AppError>>);

pub(crate) fn draw_list(
    slot: web_sys::Element,
    shown: RwSignal<Option<Bell>>,
    error: RwSignal<Option<AppError>>,
) {
    crate::ui::build_into(slot, view! { <List shown error /> })
}

/// The latest notifications, marking them read, and desktop alerts on or off.
#[component]
fn List(shown: RwSignal<Option<Bell>>, error: RwSignal<Option<AppError>>) -> impl IntoView {
    use crate::notifications::api::mark_read;
    let read = move |ids: Option<Vec<uuid::Uuid>>| {
        leptos::task::spawn_local(async move { crate::ui::settle(mark_read(ids).await, shown, error) });
    };
    let unread = move || shown.with(|b| b.as_ref().map(|b| b.unread).unwrap_or(0));
    let alerts = RwSignal::new(desktop::state());
    view! {
            <div class="bell-panel" role="group" aria-label="Notifications">
                <div class="bell-head">
                    <strong>"Notifications"</strong>
                    <button type="button" class="link" id="bell-read-all" disabled=move || unread() == 0 on:click=move |_| read(None)>
                        "Mark all read"
                    </button>
                </div>
                {move || match shown.get() {
                    None => EitherOf3::A(view! { <p class="muted small">"…"</p> }),
                    Some(b) if b.latest.is_empty() => EitherOf3::B(view! { <p class="muted small">"Nothing yet."</p> }),
                    Some(b) => EitherOf3::C(view! {
                        <ul class="notifications" id="notifications">
                            {b.latest.into_iter().map(|n| item(n, read)).collect_view()}
                        </ul>
                    }),
                }}
                {move || error.get().map(|e| view! { <crate::ui::ErrorNote error=e /> })}
                <p class="small muted desktop-alerts">
                    {move || match alerts.get() {
                        desktop::State::On => "Desktop alerts are on.",
                        desktop::State::Blocked => "Desktop alerts are blocked in this browser's settings.",
                        desktop::State::Unsupported => "This browser has no desktop alerts.",
                        desktop::State::Off => "Desktop alerts are off.",
                    }}
                    " "
                    <button type="button" class="link" id="desktop-alerts"
                        hidden=move || !matches!(alerts.get(), desktop::State::Off | desktop::State::On)
                        on:click=move |_| {
                            leptos::task::spawn_local(async move { alerts.set(desktop::toggle().await) })
                        }
                    >
                        {move || if alerts.get() == desktop::State::On { "Turn off" } else { "Turn on" }}
                    </button>
                </p>
            </div>
    }
}

fn item(n: Notification, read: impl Fn(Option<Vec<uuid::Uuid>>) + Copy + 'static) -> impl IntoView {
    let id = n.id;
    let when = rules::ago((js_sys::Date::now() / 1000.0) as i64 - n.at);
    let unread = !n.read;
    view! {
        <li class:unread=unread>
            <a href=n.link on:click=move |ev| {
                if unread {
                    read(Some(vec![id]));
                }
                crate::ui::close_menu(&ev);
            }>
                <span class="text">{n.text}</span>
                <span class="muted small">{format!("{} · {when}", n.practice_name)}</span>
            </a>
        </li>
    }
}

/// Desktop notifications through the browser's Notification API, asked for on a click and
/// remembered in this browser. They carry the notification's short text only.
mod desktop {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum State {
        Unsupported,
        Blocked,
        Off,
        On,
    }

    const KEY: &str = "switchboard.desktop-alerts";

    fn wanted() -> bool {
        crate::ui::remembered(KEY).is_some_and(|v| v == "on")
    }

    fn supported() -> bool {
        js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false)
    }

    pub fn state() -> State {
        use web_sys::NotificationPermission as P;
        if !supported() {
            return State::Unsupported;
        }
        match web_sys::Notification::permission() {
            P::Denied => State::Blocked,
            P::Granted if wanted() => State::On,
            _ => State::Off,
        }
    }

    /// Turns them on (asking the browser's permission the first time) or off.
    pub async fn toggle() -> State {
        if state() == State::On {
            crate::ui::remember(KEY, None);
            return state();
        }
        if let Ok(asked) = web_sys::Notification::request_permission() {
            let _ = wasm_bindgen_futures::JsFuture::from(asked).await;
        }
        if web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
            crate::ui::remember(KEY, Some("on"));
        }
        state()
    }

    /// Shows `text` as a desktop notification, if they are on.
    pub fn show(text: &str) {
        if state() == State::On {
            let options = web_sys::NotificationOptions::new();
            options.set_body(text);
            options.set_tag("switchboard");
            let _ = web_sys::Notification::new_with_options("Switchboard", &options);
        }
    }
}
