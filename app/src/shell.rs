//! The HTML document, and the app: which page an address shows.

use crate::nav::Page;
use crate::practices::ui::{Home, Workspace};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};

/// The document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The Content-Security-Policy is set by the server's middleware from this document's nonce.
    view! {
        <!DOCTYPE html>
        <html lang="en" data-time-style=crate::ui::time_style().key()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <leptos_meta::HashedStylesheet options=options.clone() id="leptos" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The signed-in person, read once per page load.
pub type MeResource = crate::wire::Loaded<Option<crate::model::Me>>;

/// The page the address names. Every page is rendered whole before it is sent (the server
/// renders asynchronously): the data behind it are a few fast queries, and a streamed page
/// can start hydrating before its last chunk has arrived, which Leptos cannot recover from.
///
/// Pages that not everyone opens every day have their code in a separate WASM chunk
/// (`lazy_page!`, listed in `nav::load`), which keeps the first load of every page small.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let page = crate::nav::provide_here();
    let me: MeResource = crate::wire::load(|| (), |_| crate::auth::api::who_am_i());
    provide_context(me);

    let view = match page {
        Page::Home => view! { <Home /> }.into_any(),
        Page::Practice(..) => view! { <Workspace /> }.into_any(),
        page => crate::nav::lazy_view(&page),
    };
    // The document's title names the page and its practice; it follows moves in place. The
    // server reads it once the page is drawn, when the page's signals may be gone already:
    // then it is the title last written.
    let here = crate::nav::current();
    let last = std::sync::Arc::new(std::sync::Mutex::new(String::from("Switchboard")));
    let title = move || {
        let kept = || last.lock().map(|t| t.clone()).unwrap_or_default();
        let Some(page) = here.try_get() else {
            return kept();
        };
        let name = match &page {
            Page::Practice(Some(p), _) => match me.try_get() {
                Some(me) => me
                    .and_then(|r| r.ok().flatten())
                    .and_then(|me| crate::nav::rules::practice_name(&me, *p).map(str::to_owned)),
                None => return kept(),
            },
            _ => None,
        };
        let title = crate::nav::rules::title(&page, name.as_deref());
        if let Ok(mut l) = last.lock() {
            l.clone_from(&title);
        }
        title
    };
    view! {
        <Title text=title />
        {view}
    }
}
