//! Addresses and moving between them, without a client-side router.
//!
//! Each page is its own document: following a link loads it from the server, which renders
//! it whole, and the browser hydrates it. Only a change of query on the same page (the
//! calendar's date, span and lens) stays in the page, through the History API. A client
//! router (leptos_router) cost 46 KB of compressed WASM on every page's first load; see
//! docs/ARCHITECTURE.md, "Rendering and hydration".
//!
//! Pages whose code is a separate WASM chunk (`lazy_page!`) are loaded before hydration
//! starts (`hydrate()` awaits [`load`]), and hinted to the browser by the server with
//! `modulepreload` links, so the chunk downloads alongside the main module.

pub mod rules;

pub use rules::{Page, Query, Section};

use leptos::prelude::*;

/// A page's view, from its chunk.
pub type PageFn = fn() -> AnyView;

/// The address being shown: the page, fixed for the document, and its query, which changes
/// when the page moves within itself.
#[derive(Clone, Copy)]
struct Here {
    page: StoredValue<Page>,
    query: RwSignal<Query>,
}

/// Reads the address (the request's on the server, the window's in the browser) and
/// provides it to the app. Called once, at the top of `App`.
pub fn provide_here() -> Page {
    let (path, query) = address();
    let page = Page::of(&path);
    let here = Here {
        page: StoredValue::new(page.clone()),
        query: RwSignal::new(Query::parse(&query)),
    };
    #[cfg(feature = "hydrate")]
    follow_history(here);
    provide_context(here);
    page
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

/// The page being shown.
pub fn page() -> Page {
    use_context::<Here>()
        .map(|h| h.page.get_value())
        .unwrap_or(Page::NotFound)
}

/// The secret token in a link's address (`/reset/:token`, `/a/:token`, `/w/:token`,
/// `/invite/:token`); empty on other pages.
pub fn token() -> Signal<String> {
    Signal::stored(match page() {
        Page::Reset(t) | Page::AppointmentLink(t) | Page::SlotOffer(t) | Page::Invitation(t) => t,
        _ => String::new(),
    })
}

/// The address's query, reactive.
pub fn query() -> Signal<Query> {
    match use_context::<Here>() {
        Some(here) => here.query.into(),
        None => Signal::stored(Query::default()),
    }
}

/// Goes to `href`: within the page when only the query changes (`replace`: without a new
/// history entry), otherwise by loading it.
pub fn go(href: &str, replace: bool) {
    #[cfg(feature = "hydrate")]
    {
        let (path, query) = href.split_once('?').unwrap_or((href, ""));
        let here = use_context::<Here>();
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(here) = here.filter(|h| h.page.with_value(|p| *p == Page::of(path))) {
            if let Ok(history) = window.history() {
                let state = wasm_bindgen::JsValue::NULL;
                let moved = if replace {
                    history.replace_state_with_url(&state, "", Some(href))
                } else {
                    history.push_state_with_url(&state, "", Some(href))
                };
                if moved.is_ok() {
                    here.query.set(Query::parse(query));
                    return;
                }
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

/// Back and forward within a page move its query; to another document, load it.
#[cfg(feature = "hydrate")]
fn follow_history(here: Here) {
    let listener = window_event_listener(leptos::ev::popstate, move |_| {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let path = location.pathname().unwrap_or_default();
        if here.page.with_value(|p| *p == Page::of(&path)) {
            here.query
                .set(Query::parse(&location.search().unwrap_or_default()));
        } else {
            let _ = location.reload();
        }
    });
    on_cleanup(move || listener.remove());
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

/// In the browser: the page's chunk, loaded before hydration (see `hydrate()`).
#[cfg(feature = "hydrate")]
pub async fn preload(page: &Page) {
    if let Some(view) = load(page).await {
        LOADED.with(|l| l.set(Some(view)));
    }
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
    use crate::{agency, auth, calendar, practices};
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
            Section::Inbox => practices::ui::inbox_page().await,
            Section::Other(_) => return None,
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
