//! Switchboard's Leptos crate: the UI, the types both sides share, the server functions, and
//! (feature `ssr`) the backend code they call. Built twice: `ssr` into the server binary,
//! `hydrate` into the browser's WASM. Server-only code sits behind `feature = "ssr"`.

pub mod agency;
pub mod audit;
pub mod auth;
pub mod availability;
pub mod calendar;
pub mod error;
pub mod inbox;
pub mod mail;
pub mod model;
pub mod nav;
pub mod notifications;
pub mod palette;
pub mod practices;
pub mod realtime;
pub mod shell;
pub mod tasks;
pub mod ui;
pub mod wire;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod state;

pub use shell::{shell, App};

/// Room for the WASM splitter. `--split` moves each lazy chunk's constant data out of the
/// main module's `.rodata`, aligning each chunk's share; when that comes out longer than
/// the segment the linker made, it gives up and leaves all the data in the main module
/// (seen as +74 KB, +25 KB compressed, from a small change). These bytes are kept by the
/// linker but used by no code, so the splitter drops them: they cost nothing in any
/// output and leave it room. See docs/ARCHITECTURE.md, "Build and assets".
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_ROOM: [u8; 2048] = [0x5a; 2048];

/// The browser's entry point: load the page's own chunk if it has one, then hydrate the
/// server-rendered page. A server function that answers with a redirect loads that page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(body) = window.document().and_then(|d| d.body()) else {
        return;
    };
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to| nav::go(to, false));
    let page = nav::Page::of(&window.location().pathname().unwrap_or_default());
    wasm_bindgen_futures::spawn_local(async move {
        nav::preload(&page).await;
        let owner = leptos::mount::hydrate_from_async(body.clone(), App).await;
        owner.forget();
        if let nav::Page::Practice(Some(practice), _) = page {
            nav::prefetch_sections(practice);
        }
        // Lets browser tests (and curious people) see that the page is live.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
