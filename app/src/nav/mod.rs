//! Addresses and moving between them, without a client-side router.
//!
//! Every address renders whole on the server. In the browser, following a link from one
//! page of a practice's workspace to another (a section, another practice) swaps the page in
//! place: the History API, the page's lazy chunk fetched on first use, its data through its
//! server functions. The workspace frame (top bar, live socket, and what it holds) stays.
//! Any other move (to sign-in, the account, the agency's pages) loads the next document,
//! which leaves nothing of the workspace running. A change of query on the same page (the
//! calendar's date, span and lens) only moves the query. A client router (leptos_router)
//! cost 46 KB of compressed WASM on every page's first load; see docs/ARCHITECTURE.md,
//! "Rendering and hydration".
//!
//! Pages whose code is a separate WASM chunk (`lazy_page!`) are loaded before hydration
//! starts (`hydrate()` awaits [`preload`]), and hinted to the browser by the server with
//! `modulepreload` links, so the chunk downloads alongside the main module.

pub mod rules;

pub use rules::{Page, Query, Section};

use leptos::prelude::*;

/// A page's view, from its chunk.
pub type PageFn = fn() -> AnyView;

/// The address being shown: the page and its query. Within the workspace both change in
/// place; elsewhere the page is fixed for the document.
#[derive(Clone, Copy)]
struct Here {
    page: RwSignal<Page>,
    query: RwSignal<Query>,
    /// Counts moves between pages, so a chunk that arrives late does not undo a later move.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    moves: StoredValue<u32>,
}

/// Reads the address (the request's on the server, the window's in the browser) and
/// provides it to the app. Called once, at the top of `App`.
pub fn provide_here() -> Page {
    let (path, query) = address();
    let page = Page::of(&path);
    let here = Here {
        page: RwSignal::new(page.clone()),
        query: RwSignal::new(Query::parse(&query)),
        moves: StoredValue::new(0),
    };
    #[cfg(feature = "hydrate")]
    {
        HERE.with(|h| h.set(Some(here)));
        follow_history(here);
    }
    provide_context(here);
    page
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The document's address, for code that runs outside the component tree (event
    /// handlers, timers): one app per document.
    static HERE: std::cell::Cell<Option<Here>> = const { std::cell::Cell::new(None) };
}

fn here() -> Option<Here> {
    #[cfg(feature = "hydrate")]
    if let Some(here) = HERE.with(|h| h.get()) {
        return Some(here);
    }
    use_context::<Here>()
}

fn address() -> (String, String) {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return (
            parts.uri.path().to_owned(),
            parts.uri.query().unwrap_or_default().to_owned(),
        );
    }
    #[cfg(feature = "hydrate")]
    if let Some(location) = web_sys::window().map(|w| w.location()) {
        return (
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default(),
        );
    }
    ("/".to_owned(), String::new())
}

/// The page being shown when the caller is built. A page reads this once: when the address
/// names another page, it is replaced, not told.
pub fn page() -> Page {
    here().map(|h| h.page.get_untracked()).unwrap_or(Page::NotFound)
}

/// The page being shown, reactive: for the frame that outlives its pages.
pub fn current() -> Signal<Page> {
    match here() {
        Some(here) => here.page.into(),
        None => Signal::stored(Page::NotFound),
    }
}

/// True when moving from `from` to `to` keeps the document: both are pages of the
/// workspace.
pub fn in_place(from: &Page, to: &Page) -> bool {
    matches!(from, Page::Practice(..)) && matches!(to, Page::Practice(..))
}

/// The secret token in a link's address (`/reset/:token`, `/a/:token`, `/w/:token`,
/// `/invite/:token`); empty on other pages.
pub fn token() -> Signal<String> {
    Signal::stored(match page() {
        Page::Reset(t) | Page::AppointmentLink(t) | Page::SlotOffer(t) | Page::Invitation(t) => t,
        _ => String::new(),
    })
}

/// The address's query, reactive, for the page that asks: once the address names another
/// page, it keeps its last value (the asking page is on its way out and must not re-read).
pub fn query() -> Signal<Query> {
    let Some(here) = here() else {
        return Signal::stored(Query::default());
    };
    let mine = here.page.get_untracked();
    Memo::new(move |last: Option<&Query>| {
        let query = here.query.get();
        match last {
            Some(last) if here.page.with(|p| *p != mine) => last.clone(),
            _ => query,
        }
    })
    .into()
}

/// Goes to `href`: within the page when only the query changes (`replace`: without a new
/// history entry), in place between pages of the workspace, otherwise by loading it.
pub fn go(href: &str, replace: bool) {
    #[cfg(feature = "hydrate")]
    {
        let Some(window) = web_sys::window() else {
            return;
        };
        let (path, _) = href.split_once('?').unwrap_or((href, ""));
        let to = Page::of(path);
        if let Some(here) = here() {
            let from = here.page.get_untracked();
            if from == to || in_place(&from, &to) {
                leptos::task::spawn_local(arrive(here, href.to_owned(), to, Some(replace)));
                return;
            }
        }
        let location = window.location();
        let _ = if replace {
            location.replace(href)
        } else {
            location.assign(href)
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (href, replace);
}

/// Shows `to` at `href` without leaving the document: fetches its chunk if it has one, then
/// records the address (`history`: `Some(replace)` for a new move, `None` when the browser
/// has already moved, going back or forward) and swaps the page.
#[cfg(feature = "hydrate")]
async fn arrive(here: Here, href: String, to: Page, history: Option<bool>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let query = href.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let same_page = here.page.with_untracked(|p| *p == to);
    if !same_page {
        let number = here.moves.get_value() + 1;
        here.moves.set_value(number);
        let view = load(&to).await;
        if here.moves.get_value() != number {
            return;
        }
        LOADED.with(|l| l.set(view));
    }
    if let (Some(replace), Ok(h)) = (history, window.history()) {
        // The page left keeps where it was scrolled to, for coming back to it.
        if !same_page && !replace {
            let at = wasm_bindgen::JsValue::from_f64(window.scroll_y().unwrap_or(0.0));
            let _ = h.replace_state(&at, "");
        }
        let state = wasm_bindgen::JsValue::NULL;
        let moved = if replace {
            h.replace_state_with_url(&state, "", Some(&href))
        } else {
            h.push_state_with_url(&state, "", Some(&href))
        };
        if moved.is_err() {
            let _ = window.location().assign(&href);
            return;
        }
    }
    here.query.set(Query::parse(query));
    if !same_page {
        here.page.set(to);
        match history {
            Some(_) => window.scroll_to_with_x_and_y(0.0, 0.0),
            // From the next frame: the page left is still drawn now, and a tall one would
            // take the scroll that the page coming back cannot keep while it is drawn.
            None => request_animation_frame(|| restore_scroll(0)),
        }
        // Keyboard and screen-reader users land at the new page's start.
        request_animation_frame(|| {
            use wasm_bindgen::JsCast;
            if let Some(main) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("content"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let options = web_sys::FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = main.focus_with_options(&options);
            }
        });
    }
}

/// Back or forward to a page: scrolls to where it was left, once the page is tall enough
/// (its data arrives after it is drawn), trying for about a second.
#[cfg(feature = "hydrate")]
fn restore_scroll(tries: u32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(y) = window
        .history()
        .ok()
        .and_then(|h| h.state().ok())
        .and_then(|s| s.as_f64())
    else {
        return;
    };
    let tall = window
        .document()
        .and_then(|d| d.document_element())
        .map(|e| f64::from(e.scroll_height()))
        .unwrap_or(0.0);
    let seen = window.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
    if tall - seen >= y || tries >= 60 {
        window.scroll_to_with_x_and_y(0.0, y.min(tall - seen).max(0.0));
    } else {
        request_animation_frame(move || restore_scroll(tries + 1));
    }
}

/// Back and forward: within the page or the workspace, move in place; to another document,
/// load it. Clicks on links between workspace pages move in place too (a link still works
/// as a plain link before the WASM arrives, and opened in a new tab).
#[cfg(feature = "hydrate")]
fn follow_history(here: Here) {
    // Moves in place restore the scroll themselves (`restore_scroll`), once the page is drawn.
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
    let history = window_event_listener(leptos::ev::popstate, move |_| {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let path = location.pathname().unwrap_or_default();
        let to = Page::of(&path);
        let from = here.page.get_untracked();
        if from == to || in_place(&from, &to) {
            let href = format!("{path}{}", location.search().unwrap_or_default());
            leptos::task::spawn_local(arrive(here, href, to, None));
        } else {
            let _ = location.reload();
        }
    });
    let clicks = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(href) = in_place_link(&ev, &here.page.get_untracked()) {
            ev.prevent_default();
            let unchanged = web_sys::window()
                .and_then(|w| w.location().href().ok())
                .is_some_and(|now| now.ends_with(&href));
            if !unchanged {
                go(&href, false);
            }
        }
    });
    on_cleanup(move || {
        history.remove();
        clicks.remove();
    });
}

/// The address (path and query) of a plain click on a link to another page of the
/// workspace, or on one that changes only this page's query.
#[cfg(feature = "hydrate")]
fn in_place_link(ev: &web_sys::MouseEvent, from: &Page) -> Option<String> {
    use wasm_bindgen::JsCast;
    if ev.default_prevented()
        || ev.button() != 0
        || ev.ctrl_key()
        || ev.meta_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return None;
    }
    let anchor = ev
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("a[href]")
        .ok()??
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .ok()?;
    if !anchor.target().is_empty() || anchor.has_attribute("download") || !anchor.hash().is_empty() {
        return None;
    }
    let origin = web_sys::window()?.location().origin().ok()?;
    if anchor.origin() != origin {
        return None;
    }
    let path = anchor.pathname();
    let to = Page::of(&path);
    (*from == to || in_place(from, &to)).then(|| format!("{path}{}", anchor.search()))
}

/// Sends the person to `path`: a redirect (302) of the server-rendered page, or, when the
/// page decides so in the browser, a replacing load.
#[component]
pub fn Redirect(#[prop(into)] path: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&path);
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || go(&path, true));
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let _ = path;
}

#[cfg(feature = "hydrate")]
thread_local! {
    static LOADED: std::cell::Cell<Option<PageFn>> = const { std::cell::Cell::new(None) };
}

/// In the browser: the page's chunk, loaded before hydration (see `hydrate()`); after a
/// move in place, the chunk of the page moved to.
#[cfg(feature = "hydrate")]
pub async fn preload(page: &Page) {
    if let Some(view) = load(page).await {
        LOADED.with(|l| l.set(Some(view)));
    }
}

/// In the browser, once the workspace is up and quiet: fetches the chunks of the sections an
/// assistant opens all day, so the first visit to each swaps in without waiting for its
/// code (chunks are cached by the browser for as long as the release lasts).
#[cfg(feature = "hydrate")]
pub fn prefetch_sections(practice: crate::model::PracticeId) {
    set_timeout(
        move || {
            leptos::task::spawn_local(async move {
                for section in [Section::Calendar, Section::Today, Section::Inbox, Section::Tasks] {
                    let _ = load(&Page::Practice(Some(practice), section)).await;
                }
            })
        },
        std::time::Duration::from_secs(2),
    );
}

/// The view of a page whose code is a separate chunk: already loaded in the browser; on
/// the server, its code is here (and asking for it tells the page to preload the chunk).
pub fn lazy_view(page: &Page) -> AnyView {
    #[cfg(feature = "hydrate")]
    let view = {
        let _ = page;
        LOADED.with(|l| l.get())
    };
    #[cfg(not(feature = "hydrate"))]
    let view = now(load(page)).flatten();
    match view {
        Some(view) => view(),
        None => view! { <crate::ui::NotFound /> }.into_any(),
    }
}

/// The chunk of each page that has one.
async fn load(page: &Page) -> Option<PageFn> {
    use crate::{agency, auth, calendar, inbox, practices, tasks};
    Some(match page {
        Page::Login => auth::ui::login_page().await,
        Page::Account => auth::account_ui::account_page().await,
        Page::Forgot | Page::Reset(_) => auth::reset_ui::password_pages().await,
        Page::Agency | Page::SentMail => agency::ui::agency_pages().await,
        Page::AppointmentLink(_) | Page::SlotOffer(_) => calendar::link_ui::patient_pages().await,
        Page::Invitation(_) => practices::admin_ui::invitation_page().await,
        Page::Practice(_, section) => match section {
            Section::Admin => practices::admin_ui::admin_people_page().await,
            Section::AdminSettings => practices::admin_ui::admin_settings_page().await,
            Section::AdminLog => practices::admin_ui::admin_log_page().await,
            Section::Today => calendar::today_ui::today_page().await,
            Section::Calendar => calendar::ui::calendar_page().await,
            Section::Tasks => tasks::ui::tasks_page().await,
            Section::Inbox => inbox::ui::inbox_page().await,
            Section::Other(_) => practices::ui::coming_page().await,
        },
        Page::Home | Page::NotFound => return None,
    })
}

/// A future's value if it is ready at once (on the server, a lazy page's code is).
#[cfg(not(feature = "hydrate"))]
fn now<T>(fut: impl std::future::Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}
