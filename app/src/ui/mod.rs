//! Small shared widgets, and `lazy_page!`.

/// Declares `$loader`, the loader of a page whose code (the component `$page`, a component
/// without props, and everything only it uses) is a separate WASM chunk. `nav::load` lists
/// the pages; in the browser the chunk is fetched before the page hydrates. Pages create
/// their resources in their own body as usual: that runs once, in the same order on the
/// server and in the browser.
#[macro_export]
macro_rules! lazy_page {
    ($(#[$meta:meta])* $loader:ident => $page:path) => {
        $(#[$meta])*
        #[leptos::lazy]
        pub fn $loader() -> $crate::nav::PageFn {
            || leptos::prelude::IntoAny::into_any($page())
        }
    };
}

use crate::error::AppError;
use leptos::prelude::*;

/// Takes a server's answer for a widget: the value shown, or what went wrong (the last value
/// stays shown beside the error).
pub fn settle<T: Send + Sync + 'static>(
    result: Result<T, AppError>,
    shown: RwSignal<Option<T>>,
    error: RwSignal<Option<AppError>>,
) {
    match result {
        Ok(value) => {
            shown.set(Some(value));
            error.set(None);
        }
        Err(e) => error.set(Some(e)),
    }
}

/// In the browser: the first time `asked` holds with `slot` in the page, calls `draw` with
/// the slot and the caller's owner; `draw` fetches a chunk and draws into the slot (with
/// [`build_into`], under the owner). Code for what nobody asked for is never fetched.
#[cfg(feature = "hydrate")]
pub fn draw_when_asked<Fut>(
    slot: NodeRef<leptos::html::Span>,
    asked: impl Fn() -> bool + 'static,
    draw: impl FnOnce(web_sys::Element, Owner) -> Fut + 'static,
) where
    Fut: std::future::Future<Output = ()> + 'static,
{
    let owner = Owner::current();
    let mut draw = Some(draw);
    Effect::new(move |_| {
        let Some(el) = slot.get() else {
            return;
        };
        if !asked() {
            return;
        }
        if let (Some(draw), Some(owner)) = (draw.take(), owner.clone()) {
            leptos::task::spawn_local(draw(el.into(), owner));
        }
    });
}

/// Builds `view` into `slot` (browser only), for code fetched after hydration: such a view is
/// built, never hydrated, so only the building half of its code is compiled in. It lives as
/// long as the calling owner.
#[cfg(feature = "hydrate")]
pub fn build_into<V: leptos::tachys::view::Render + 'static>(slot: web_sys::Element, view: V) {
    use leptos::tachys::view::Mountable;
    let mut built = view.build();
    built.mount(&slot, None);
    StoredValue::new_local(built);
}

/// A small centred card with the brand on top (pages reached from a link in an e-mail).
#[component]
pub fn Card(children: Children) -> impl IntoView {
    view! {
        <main class="centered">
            <div class="card narrow">
                <h1 class="brand">"Switchboard"</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="centered">
            <div class="card narrow">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a href="/">"Back to Switchboard"</a>
            </div>
        </main>
    }
}

/// An error as the person at the screen should see it.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    view! { <p class="error" role="alert">{error.to_string()}</p> }
}

/// An error in place of a whole page's content: a refusal is the "No access" card (and a 403
/// for the server-rendered page), anything else the error note.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    if error != AppError::Forbidden {
        return view! { <ErrorNote error /> }.into_any();
    }
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <div class="card narrow" id="no-access">
            <h1>"No access"</h1>
            <p>"You don't have access to this page."</p>
            <a href="/">"Back to your practices"</a>
        </div>
    }
    .into_any()
}

/// Runs `then` on the first element matching `selector` once it is drawn (a panel's code or
/// data may still be on the way), trying for about a second.
#[cfg(feature = "hydrate")]
pub fn when_drawn(selector: impl Into<String>, then: fn(&web_sys::HtmlElement)) {
    fn attempt(selector: String, then: fn(&web_sys::HtmlElement), tries: u32) {
        use wasm_bindgen::JsCast;
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        match found {
            Some(el) => then(&el),
            None if tries < 60 => request_animation_frame(move || attempt(selector, then, tries + 1)),
            None => {}
        }
    }
    let selector = selector.into();
    request_animation_frame(move || attempt(selector, then, 0));
}

/// The element that has the keyboard focus (to give it back later).
#[cfg(feature = "hydrate")]
pub fn focused() -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Moves the keyboard focus to what `selector` names once it is drawn.
#[cfg(feature = "hydrate")]
pub fn focus_when_drawn(selector: impl Into<String>) {
    when_drawn(selector, |el| {
        let _ = el.focus();
    });
}

/// The skip link: to the page's content (`#content`), keeping the address as it is.
#[component]
pub fn SkipLink() -> impl IntoView {
    let skip = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(main) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("content"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                ev.prevent_default();
                let _ = main.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! { <a class="skip-link" href="#content" on:click=skip>"Skip to the page"</a> }
}

/// How the person reads times and dates: in the browser, what the page was drawn with
/// (`<html data-time-style>`, or as changed since); on the server, the signed-in person's of
/// the request being answered. Nobody signed in: the default (24-hour, day first).
pub fn time_style() -> crate::model::TimeStyle {
    #[cfg(feature = "hydrate")]
    {
        TIME_STYLE.with(|kept| {
            kept.get().unwrap_or_else(|| {
                let drawn = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                    .and_then(|html| html.get_attribute("data-time-style"))
                    .map(|key| crate::model::TimeStyle::from_key(&key))
                    .unwrap_or_default();
                kept.set(Some(drawn));
                drawn
            })
        })
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        // The server puts the signed-in person's style in the request beside them.
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::model::TimeStyle>().copied())
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    crate::model::TimeStyle::default()
}

/// The person changed how they read times: what is drawn from now on follows.
pub fn set_time_style(style: crate::model::TimeStyle) {
    #[cfg(feature = "hydrate")]
    TIME_STYLE.with(|kept| kept.set(Some(style)));
    #[cfg(not(feature = "hydrate"))]
    let _ = style;
}

#[cfg(feature = "hydrate")]
thread_local! {
    static TIME_STYLE: std::cell::Cell<Option<crate::model::TimeStyle>> = const { std::cell::Cell::new(None) };
}

/// Where the browser keeps whether single-key shortcuts are on (WCAG 2.1.4: they can be
/// turned off).
pub const SINGLE_KEYS: &str = "switchboard.single-keys";

/// Whether single-key shortcuts (the calendar's t, d, w, m, l, n, f, u and arrows) are on.
#[cfg(feature = "hydrate")]
pub fn single_keys_on() -> bool {
    remembered(SINGLE_KEYS).as_deref() != Some("off")
}

/// A choice this browser keeps for the person (local storage): read once the page is live.
#[cfg(feature = "hydrate")]
pub fn remembered(key: &str) -> Option<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
}

/// Keeps (`Some`) or forgets (`None`) a choice of the person's in this browser.
#[cfg(feature = "hydrate")]
pub fn remember(key: &str, value: Option<&str>) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}

/// Closes the `<details class="menu">` an event happened in (Escape, or a choice made in it).
pub fn close_menu(ev: &leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(menu) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("details.menu").ok().flatten())
        {
            let _ = menu.remove_attribute("open");
            // The focus was on an item now hidden: it goes back to the menu's button.
            let inside = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .is_some_and(|a| menu.contains(Some(&a)));
            if let Some(summary) = inside
                .then(|| menu.query_selector("summary").ok().flatten())
                .flatten()
                .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = summary.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Closes every open `<details class="menu">` that `ev` (a click) happened outside of.
#[cfg(feature = "hydrate")]
pub fn close_menus_outside(ev: &leptos::ev::Event) {
    use wasm_bindgen::JsCast;
    let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
    let Some(open) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("details.menu[open]").ok())
    else {
        return;
    };
    for i in 0..open.length() {
        if let Some(menu) = open.get(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) {
            if !menu.contains(target.as_ref()) {
                let _ = menu.remove_attribute("open");
            }
        }
    }
}

/// Time zones suggested wherever one is typed; any IANA name PostgreSQL knows is accepted.
pub const SUGGESTED_ZONES: [&str; 8] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
];

/// The `<datalist id="zones">` that time-zone inputs point at with `list="zones"`.
#[component]
pub fn ZoneList() -> impl IntoView {
    view! {
        <datalist id="zones">
            {SUGGESTED_ZONES.into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
        </datalist>
    }
}

/// A plain form post, not an action: the browser leaves the page for the login page at
/// once, instead of the page re-reading the signed-in person while it is taken down.
#[component]
pub fn SignOut() -> impl IntoView {
    view! {
        <form method="post" action="/api/auth/logout" class="inline">
            <button type="submit" class="link" id="sign-out">"Sign out"</button>
        </form>
    }
}

/// `<select name="role">` with every role, `selected` chosen.
#[component]
pub fn RoleSelect(
    #[prop(optional)] selected: Option<crate::model::Role>,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    view! {
        <select name="role" aria-label=label>
            {crate::model::Role::ALL
                .into_iter()
                .map(|r| view! { <option value=r.as_str() selected=Some(r) == selected>{r.label()}</option> })
                .collect_view()}
        </select>
    }
}
