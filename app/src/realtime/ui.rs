//! The browser's end of the realtime hub: one WebSocket per page, reconnecting, and the
//! "online now" list.

use crate::error::AppError;
use crate::model::PracticeId;
use crate::realtime::api::online_now;
use crate::realtime::LiveEvent;
use leptos::prelude::*;

/// The live events this page receives; components re-read what an event touches.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    pub last: RwSignal<Option<LiveEvent>>,
}

impl LiveFeed {
    /// True when the latest event (if any) is of `kind` for `practice`, or says the page
    /// was away (`RESYNC`): a component's effect that reads this re-runs on every event and
    /// acts on the relevant ones, and on the first run (no event yet) too.
    pub fn touches(self, kind: &str, practice: Option<PracticeId>) -> bool {
        self.last.with(|e| {
            e.as_ref().is_none_or(|e| {
                e.kind == crate::realtime::RESYNC || (e.kind == kind && Some(e.practice) == practice)
            })
        })
    }
}

/// Opens the page's WebSocket (browser only) and provides the [`LiveFeed`].
pub fn provide_live_feed() -> LiveFeed {
    let feed = LiveFeed {
        last: RwSignal::new(None),
    };
    provide_context(feed);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::connect(feed, 0));
    feed
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::LiveFeed;
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use web_sys::{MessageEvent, WebSocket};

    /// Opens the socket. `attempt` counts the tries since the last socket that opened (0:
    /// the page's first). It never gives up: the wait grows by half a second a try up to 10 s,
    /// and starts over once a socket opens. A socket that opens after a gap announces "anything
    /// may have changed" (a `RESYNC` event), so every live component re-reads what it shows:
    /// events sent while the page was away are not replayed.
    pub fn connect(feed: LiveFeed, attempt: u32) {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let (Ok(protocol), Ok(host)) = (location.protocol(), location.host()) else {
            return;
        };
        let scheme = if protocol == "https:" { "wss" } else { "ws" };
        let retry = move |next: u32| {
            let delay = std::time::Duration::from_millis(500 * u64::from(next.clamp(1, 20)));
            set_timeout(move || connect(feed, next), delay);
        };
        let Ok(ws) = WebSocket::new(&format!("{scheme}://{host}/ws")) else {
            retry(attempt + 1);
            return;
        };
        // Events arrive as postcard in binary frames.
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(buffer) = e.data().dyn_into::<js_sys::ArrayBuffer>() {
                if let Ok(event) = postcard::from_bytes(&js_sys::Uint8Array::new(&buffer).to_vec()) {
                    feed.last.set(Some(event));
                }
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let opened = std::rc::Rc::new(std::cell::Cell::new(false));
        let on_open = Closure::<dyn FnMut()>::new({
            let opened = opened.clone();
            move || {
                opened.set(true);
                if attempt > 0 {
                    feed.last.set(Some(crate::realtime::LiveEvent {
                        practice: crate::model::PracticeId(uuid::Uuid::nil()),
                        kind: crate::realtime::RESYNC.into(),
                        subject: None,
                    }));
                }
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        let on_close = Closure::<dyn FnMut()>::new(move || {
            retry(if opened.get() { 1 } else { attempt + 1 });
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();
    }
}

/// Who of the practice's people is online now, kept live.
#[component]
pub fn OnlineNow(practice: Signal<Option<PracticeId>>) -> impl IntoView {
    let feed = expect_context::<LiveFeed>();
    // Browser-only: presence changes by the second, so the server renders the placeholder
    // and the page fills it in after hydration (no Suspense: nothing to mismatch).
    let people = RwSignal::new(None::<Result<Vec<crate::realtime::api::OnlinePerson>, AppError>>);
    Effect::new(move |_| {
        let p = practice.get();
        if !feed.touches("presence", p) {
            return;
        }
        leptos::task::spawn_local(async move {
            let result = match p {
                Some(p) => online_now(p).await,
                None => Ok(Vec::new()),
            };
            people.set(Some(result));
        });
    });
    view! {
        <section class="panel">
            <h2>"Online now"</h2>
            {move || match people.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"Nobody is online."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="online" id="online-now">
                        {list.into_iter().map(|p| view! {
                            <li>
                                <span class="dot" aria-hidden="true"></span>
                                <span>{p.display_name}</span>
                                <span class="muted">{format!("· {}", p.role.label())}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Err(e)) => view! { <crate::ui::ErrorNote error=e /> }.into_any(),
            }}
        </section>
    }
}
