//! The browser's end of the live channel: one WebSocket for the workspace (it outlives the
//! pages shown in it), reconnecting forever; components listen for the events that touch
//! what they show and may ask the server over it. Also the "online now" list.

use crate::error::AppError;
use crate::model::PracticeId;
use crate::realtime::model::{Answer, Kind, LiveEvent, OnlinePerson, Request};
use leptos::prelude::*;
use std::sync::Arc;

type Listener = Arc<dyn Fn(&LiveEvent) + Send + Sync>;

/// The workspace's live events. Provided by the workspace frame; pages add listeners, which
/// go with the page.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    listeners: StoredValue<Vec<(u64, Listener)>>,
    next: StoredValue<u64>,
}

impl LiveFeed {
    /// Calls `reread` whenever an event of `kind` for the practice arrives, and when the
    /// socket opens again after a gap (events sent meanwhile are not replayed). Never at once:
    /// the caller reads first on its own. The listener goes when the calling page does.
    pub fn on(
        self,
        kind: Kind,
        practice: Signal<Option<PracticeId>>,
        reread: impl Fn() + Send + Sync + 'static,
    ) {
        self.listen(move |e: &LiveEvent| {
            if e.kind == Kind::Resync || (e.kind == kind && Some(e.practice) == practice.get_untracked()) {
                reread();
            }
        });
    }

    /// Calls `reread` with the event's subject whenever an event of `kind` arrives for any
    /// practice (events addressed to the person), and with `None` after a gap.
    pub fn on_any(self, kind: Kind, reread: impl Fn(Option<uuid::Uuid>) + Send + Sync + 'static) {
        self.listen(move |e: &LiveEvent| match e.kind {
            Kind::Resync => reread(None),
            k if k == kind => reread(e.subject),
            _ => {}
        });
    }

    fn listen(self, listener: impl Fn(&LiveEvent) + Send + Sync + 'static) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        let listener: Listener = Arc::new(listener);
        self.listeners.update_value(|l| l.push((id, listener)));
        on_cleanup(move || self.listeners.update_value(|l| l.retain(|(i, _)| *i != id)));
    }

    #[cfg(feature = "hydrate")]
    fn deliver(self, event: &LiveEvent) {
        // Listeners may add or remove listeners (a page re-rendering): call a copy.
        let listeners: Vec<Listener> = self
            .listeners
            .with_value(|l| l.iter().map(|(_, f)| f.clone()).collect());
        for listener in listeners {
            listener(event);
        }
    }
}

/// Opens the workspace's WebSocket (browser only) and provides the [`LiveFeed`]. The socket
/// lives as long as the document: leaving the workspace is loading another page.
pub fn provide_live_feed() -> LiveFeed {
    let feed = LiveFeed {
        listeners: StoredValue::new(Vec::new()),
        next: StoredValue::new(0),
    };
    provide_context(feed);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::connect(feed, 0));
    feed
}

/// Asks the server over the workspace's socket, waiting for it to open if it is not. A
/// request whose socket closes before the answer is `Transport` (the page re-reads when
/// the socket is back).
pub async fn ask(request: Request) -> Result<Answer, AppError> {
    #[cfg(feature = "hydrate")]
    {
        browser::ask(request).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = request;
        Err(AppError::Transport("no live channel on the server".into()))
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::LiveFeed;
    use crate::error::AppError;
    use crate::realtime::model::{Answer, Down, Kind, Leave, LiveEvent, Request, Up};
    use futures::channel::oneshot;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use web_sys::{MessageEvent, WebSocket};

    /// The document's one socket and the requests waiting on it.
    #[derive(Default)]
    struct Channel {
        open: Option<WebSocket>,
        next_id: u32,
        /// Sent, waiting for their reply.
        waiting: Vec<(u32, oneshot::Sender<Result<Answer, AppError>>)>,
        /// Asked while the socket was closed: sent when it opens.
        queued: Vec<Vec<u8>>,
        /// The server said the session is over: no more reconnecting.
        leaving: bool,
    }

    thread_local! {
        static CHANNEL: RefCell<Channel> = RefCell::new(Channel::default());
    }

    pub async fn ask(request: Request) -> Result<Answer, AppError> {
        let (tx, rx) = oneshot::channel();
        let sent = CHANNEL.with(|c| {
            let mut c = c.borrow_mut();
            let id = c.next_id;
            c.next_id = c.next_id.wrapping_add(1);
            let bytes =
                postcard::to_allocvec(&Up::Request { id, request }).map_err(|_| AppError::Internal)?;
            c.waiting.push((id, tx));
            match &c.open {
                Some(ws) => {
                    let _ = ws.send_with_u8_array(&bytes);
                }
                None => c.queued.push(bytes),
            }
            Ok::<(), AppError>(())
        });
        sent?;
        rx.await
            .unwrap_or_else(|_| Err(AppError::Transport("the live connection closed".into())))
    }

    /// Opens the socket. `attempt` counts the tries since the last socket that opened (0:
    /// the page's first). It never gives up: the wait grows by half a second a try up to 10 s,
    /// and starts over once a socket opens. A socket that opens after a gap announces "anything
    /// may have changed" (a `Resync` event), so every live component re-reads what it shows:
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
            if CHANNEL.with(|c| c.borrow().leaving) {
                return;
            }
            let delay = std::time::Duration::from_millis(500 * u64::from(next.clamp(1, 20)));
            leptos::prelude::set_timeout(move || connect(feed, next), delay);
        };
        let Ok(ws) = WebSocket::new(&format!("{scheme}://{host}/ws")) else {
            retry(attempt + 1);
            return;
        };
        // Messages are postcard in binary frames.
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Ok(buffer) = e.data().dyn_into::<js_sys::ArrayBuffer>() else {
                return;
            };
            match postcard::from_bytes(&js_sys::Uint8Array::new(&buffer).to_vec()) {
                Ok(Down::Event(event)) => feed.deliver(&event),
                Ok(Down::Reply { id, answer }) => {
                    let waiting = CHANNEL.with(|c| {
                        let mut c = c.borrow_mut();
                        let at = c.waiting.iter().position(|(i, _)| *i == id)?;
                        Some(c.waiting.swap_remove(at).1)
                    });
                    if let Some(waiting) = waiting {
                        let _ = waiting.send(answer);
                    }
                }
                Ok(Down::Leave(why)) => {
                    // Nothing of the workspace may keep running: load the next page.
                    CHANNEL.with(|c| c.borrow_mut().leaving = true);
                    let to = match why {
                        Leave::SignedOut => "/login?reason=ended",
                        Leave::EnrolFirst => "/account",
                    };
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().assign(to);
                    }
                }
                Ok(Down::Hello { .. }) | Err(_) => {}
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let opened = std::rc::Rc::new(std::cell::Cell::new(false));
        let on_open = Closure::<dyn FnMut()>::new({
            let (opened, ws) = (opened.clone(), ws.clone());
            move || {
                opened.set(true);
                let queued = CHANNEL.with(|c| {
                    let mut c = c.borrow_mut();
                    c.open = Some(ws.clone());
                    std::mem::take(&mut c.queued)
                });
                for bytes in queued {
                    let _ = ws.send_with_u8_array(&bytes);
                }
                if attempt > 0 {
                    feed.deliver(&LiveEvent::practice(
                        crate::model::PracticeId(uuid::Uuid::nil()),
                        Kind::Resync,
                        None,
                    ));
                }
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        let on_close = Closure::<dyn FnMut()>::new(move || {
            // Requests sent on this socket get no reply now: their askers are told.
            CHANNEL.with(|c| {
                let mut c = c.borrow_mut();
                c.open = None;
                c.waiting.clear();
            });
            retry(if opened.get() { 1 } else { attempt + 1 });
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();
    }
}

/// Who of the practice's people is online now, kept live (asked over the socket).
#[component]
pub fn OnlineNow(practice: Signal<Option<PracticeId>>) -> impl IntoView {
    let feed = expect_context::<LiveFeed>();
    // Browser-only: presence changes by the second, so the server renders the placeholder
    // and the page fills it in after hydration (no Suspense: nothing to mismatch).
    let people = RwSignal::new(None::<Result<Vec<OnlinePerson>, AppError>>);
    let reread = RwSignal::new(0u32);
    feed.on(Kind::Presence, practice, move || reread.update(|n| *n += 1));
    feed.on(Kind::Availability, practice, move || reread.update(|n| *n += 1));
    Effect::new(move |_| {
        reread.track();
        let Some(p) = practice.get() else {
            people.set(Some(Ok(Vec::new())));
            return;
        };
        leptos::task::spawn_local(async move {
            let result = match ask(Request::OnlineNow(p)).await {
                Ok(Answer::OnlineNow(list)) => Ok(list),
                Ok(_) => Err(AppError::Internal),
                Err(e) => Err(e),
            };
            // A reply lost to a closing socket is asked again when it opens.
            if !matches!(result, Err(AppError::Transport(_))) {
                people.set(Some(result));
            }
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
                                <span class=format!("dot {}", p.availability.as_str()) aria-hidden="true"></span>
                                <span>{p.display_name}</span>
                                <span class="muted">{format!("· {} · {}", p.role.label(), p.availability.label())}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Err(e)) => view! { <crate::ui::ErrorNote error=e /> }.into_any(),
            }}
        </section>
    }
}
