//! The browser's end of the realtime hub: one WebSocket per page, reconnecting, and the
//! "online now" list.

use crate::model::PracticeId;
use crate::realtime::api::online_now;
use crate::realtime::LiveEvent;
use leptos::prelude::*;

/// Every live event this page receives; components re-read what an event touches.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    pub last: RwSignal<Option<LiveEvent>>,
    pub connected: RwSignal<bool>,
}

impl LiveFeed {
    /// A counter that moves whenever an event of `kind` for `practice` arrives.
    pub fn version_of(self, kind: &'static str, practice: Memo<Option<PracticeId>>) -> Memo<u64> {
        let count = RwSignal::new(0_u64);
        Effect::new(move |_| {
            if let Some(e) = self.last.get() {
                if e.kind == kind && Some(e.practice) == practice.get_untracked() {
                    count.update(|c| *c += 1);
                }
            }
        });
        Memo::new(move |_| count.get())
    }
}

/// Opens the page's WebSocket (browser only) and provides the [`LiveFeed`].
pub fn provide_live_feed() -> LiveFeed {
    let feed = LiveFeed {
        last: RwSignal::new(None),
        connected: RwSignal::new(false),
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

    pub fn connect(feed: LiveFeed, attempt: u32) {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let (Ok(protocol), Ok(host)) = (location.protocol(), location.host()) else {
            return;
        };
        let scheme = if protocol == "https:" { "wss" } else { "ws" };
        let Ok(ws) = WebSocket::new(&format!("{scheme}://{host}/ws")) else {
            return;
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                if let Ok(event) = serde_json::from_str(&text) {
                    feed.last.set(Some(event));
                }
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_open = Closure::<dyn FnMut()>::new(move || feed.connected.set(true));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        let on_close = Closure::<dyn FnMut()>::new(move || {
            feed.connected.set(false);
            // Back off up to 10 s; a signed-out page stops trying after a few attempts.
            if attempt < 30 {
                let delay = std::time::Duration::from_millis(500 * u64::from((attempt + 1).min(20)));
                set_timeout(move || connect(feed, attempt + 1), delay);
            }
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();
    }
}

/// Who of the practice's people is online now, kept live.
#[component]
pub fn OnlineNow(practice: Memo<Option<PracticeId>>) -> impl IntoView {
    let feed = expect_context::<LiveFeed>();
    let version = feed.version_of("presence", practice);
    let people = Resource::new(
        move || (practice.get(), version.get()),
        |(p, _)| async move {
            match p {
                Some(p) => online_now(p).await,
                None => Ok(Vec::new()),
            }
        },
    );
    view! {
        <section class="panel">
            <h2>"Online now"</h2>
            <Transition fallback=|| view! { <p class="muted">"…"</p> }>
                {move || Suspend::new(async move {
                    match people.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"Nobody is online."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="online" id="online-now">
                                {list.into_iter().map(|p| view! {
                                    <li><span class="dot" aria-hidden="true"></span>{p.display_name}
                                        <span class="muted">{format!(" · {}", p.role.label())}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <crate::ui::ErrorNote error=e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
