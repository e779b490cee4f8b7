//! Switchboard's Leptos crate: the UI, the types both sides share, the server functions, and
//! (feature `ssr`) the backend code they call. Built twice: `ssr` into the server binary,
//! `hydrate` into the browser's WASM. Server-only code sits behind `feature = "ssr"`.

pub mod agency;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod error;
pub mod mail;
pub mod model;
pub mod practices;
pub mod realtime;
pub mod shell;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod state;

pub use shell::{shell, App};

/// The browser's entry point: hydrate the server-rendered page. Asynchronously, because a
/// lazy route's code may have to arrive first (`leptos::mount::hydrate_lazy` does the same,
/// without telling when it is done).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let owner = leptos::mount::hydrate_from_async(body.clone(), App).await;
        owner.forget();
        // Lets browser tests (and curious people) see that the page is live.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
