//! The realtime hub. Every app node LISTENs on one PostgreSQL channel; events published by
//! any node (`app::realtime::db::publish`, delivered on commit) are fanned out to this node's
//! WebSockets, each of which only forwards events of practices its person belongs to, and
//! of those only the ones addressed to the practice, to its person, or to itself. A page's
//! requests over its socket are answered under its session (`app::realtime::api::answer`).
//! Presence rows live in PostgreSQL too, so "online now" is right across nodes.

use app::auth::session::{self, Actor};
use app::availability::db::{self as availability, Happened};
use app::db::{begin, Scope};
use app::error::AppError;
use app::model::{PracticeId, UserId};
use app::realtime::model::{Leave, Request};
use app::realtime::{db, Down, Kind, LiveEvent, Up, CHANNEL};
use app::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::{SinkExt, StreamExt};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;

/// How often an open socket proves it is alive and re-checks its session.
const HEARTBEAT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Hub {
    events: broadcast::Sender<Arc<LiveEvent>>,
}

impl Hub {
    /// Starts listening on the channel and sweeping presence rows of dead nodes, until
    /// `stop` turns true (the listener holds a pooled connection until then).
    pub async fn start(pool: PgPool, stop: watch::Receiver<bool>) -> Result<Hub, sqlx::Error> {
        let (events, _) = broadcast::channel(1024);
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        let sender = events.clone();
        let mut stop_listening = stop.clone();
        tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    r = listener.recv() => r,
                    _ = stop_listening.wait_for(|s| *s) => break,
                };
                match received {
                    Ok(n) => match serde_json::from_str::<LiveEvent>(n.payload()) {
                        Ok(event) => {
                            let _ = sender.send(Arc::new(event));
                        }
                        Err(e) => tracing::warn!(error = %e, "undecodable live event"),
                    },
                    Err(_) if *stop_listening.borrow() => break,
                    Err(e) => {
                        // PgListener reconnects on the next recv; events in the gap are lost,
                        // browsers re-read on their next action.
                        tracing::warn!(error = %e, "realtime listener lost its connection");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        let sweep_pool = pool.clone();
        let mut stop_sweeping = stop;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tokio::select! {
                    _ = tick.tick() => {},
                    _ = stop_sweeping.wait_for(|s| *s) => break,
                }
                if let Err(e) = sweep(&sweep_pool).await {
                    tracing::warn!(error = %e, "presence sweep failed");
                }
            }
        });
        Ok(Hub { events })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.events.subscribe()
    }
}

async fn sweep(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = begin(pool, &Scope::All { user: None }).await?;
    let gone = db::sweep_stale(&mut tx).await?;
    for user in gone.into_iter().collect::<HashSet<_>>() {
        availability::apply(&mut tx, user, Happened::Gone).await?;
        announce_presence(&mut tx, user).await?;
    }
    tx.commit().await
}

async fn announce_presence(tx: &mut app::db::Tx, user: UserId) -> Result<(), sqlx::Error> {
    for practice in db::practices_of(tx, user).await? {
        db::publish(tx, &LiveEvent::practice(practice, Kind::Presence, Some(user.0))).await?;
    }
    Ok(())
}

/// `GET /ws`: the page's live connection. Needs a session, and a person who owes no
/// second-factor enrolment.
pub async fn ws_handler(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Extension(hub): Extension<Hub>,
    actor: Option<Extension<Arc<Actor>>>,
    headers: axum::http::HeaderMap,
) -> Response {
    if crate::routes::foreign_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some(Extension(actor)) = actor else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if actor.me.must_enrol_mfa() {
        return StatusCode::FORBIDDEN.into_response();
    }
    ws.on_upgrade(move |socket| async move {
        if let Err(e) = serve_socket(socket, state, hub, actor).await {
            tracing::warn!(error = %e, "realtime socket ended with an error");
        }
    })
}

/// Requests a socket may have waiting for an answer; more are refused at once.
const REQUESTS_WAITING: usize = 16;

type Outgoing = futures::stream::SplitSink<WebSocket, Message>;

/// Sends one message (postcard, as server functions answer: the browser carries no JSON
/// parser). False once the socket is gone.
async fn send(outgoing: &mut Outgoing, message: &Down) -> bool {
    match postcard::to_allocvec(message) {
        Ok(bytes) => outgoing.send(Message::Binary(bytes.into())).await.is_ok(),
        Err(_) => true,
    }
}

/// Tells the page to leave the workspace, and closes.
async fn leave(outgoing: &mut Outgoing, why: Leave) {
    send(outgoing, &Down::Leave(why)).await;
    let _ = outgoing.send(Message::Close(None)).await;
}

async fn serve_socket(
    socket: WebSocket,
    state: AppState,
    hub: Hub,
    actor: Arc<Actor>,
) -> Result<(), AppError> {
    let connection = Uuid::new_v4();
    let user = actor.user();
    let mut practices: HashSet<PracticeId> = actor.me.practices.iter().map(|p| p.id).collect();
    let mut events = hub.subscribe();
    {
        let mut tx = begin(&state.pool, &Scope::person(user, practices.iter().copied())).await?;
        db::connect(&mut tx, connection, user).await?;
        availability::apply(&mut tx, user, Happened::Back).await?;
        announce_presence(&mut tx, user).await?;
        tx.commit().await?;
    }
    let (mut outgoing, mut incoming) = socket.split();
    // Requests are answered one after another by a task of their own, so a slow one holds
    // up neither events nor the socket's reading.
    let (requests, mut waiting) = mpsc::channel::<(u32, Request)>(REQUESTS_WAITING);
    let (replies, mut answered) = mpsc::channel::<Option<Down>>(REQUESTS_WAITING);
    let answering = tokio::spawn({
        let (state, actor) = (state.clone(), actor.clone());
        async move {
            while let Some((id, request)) = waiting.recv().await {
                // The person as they are now: a request made after the session ended, or
                // after a membership was withdrawn, is judged by that.
                let reply = match session::reread(&state, &actor).await {
                    Ok(Some(now)) => Some(Down::Reply {
                        id,
                        answer: app::realtime::api::answer(&state, &now, connection, request).await,
                    }),
                    Ok(None) => None,
                    Err(e) => Some(Down::Reply { id, answer: Err(e) }),
                };
                if replies.send(reply).await.is_err() {
                    break;
                }
            }
        }
    });
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut open = send(&mut outgoing, &Down::Hello { socket: connection }).await;
    while open {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    if event.kind == Kind::Membership && event.subject == Some(user.0) {
                        // Removed from a practice: its events stop here, not at the next page load.
                        practices = current_practices(&state, user).await?;
                    }
                    if practices.contains(&event.practice) && event.to.includes(user, connection) {
                        open = send(&mut outgoing, &Down::Event((*event).clone())).await;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Binary(bytes))) => match postcard::from_bytes::<Up>(&bytes) {
                    Ok(Up::Request { id, request }) => {
                        if requests.try_send((id, request)).is_err() {
                            let refused = Down::Reply { id, answer: Err(AppError::RateLimited) };
                            open = send(&mut outgoing, &refused).await;
                        }
                    }
                    Err(_) => tracing::debug!("undecodable message on a socket"),
                },
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            reply = answered.recv() => match reply {
                Some(Some(reply)) => open = send(&mut outgoing, &reply).await,
                // The session is over.
                Some(None) | None => {
                    leave(&mut outgoing, Leave::SignedOut).await;
                    break;
                }
            },
            _ = heartbeat.tick() => {
                // A socket outlives no session: after logout, idle expiry, or once the person
                // owes a second-factor enrolment, it is closed. A database hiccup keeps the
                // socket (the next heartbeat asks again).
                match session::reread(&state, &actor).await {
                    Ok(Some(now)) if now.me.must_enrol_mfa() => {
                        leave(&mut outgoing, Leave::EnrolFirst).await;
                        break;
                    }
                    Ok(Some(now)) => {
                        // Memberships changed some other way (an agency admin's assignment)
                        // count from the next heartbeat.
                        practices = now.me.practices.iter().map(|p| p.id).collect();
                    }
                    Ok(None) => {
                        leave(&mut outgoing, Leave::SignedOut).await;
                        break;
                    }
                    Err(_) => {}
                }
                let mut tx = begin(&state.pool, &Scope::person(user, [])).await?;
                db::heartbeat(&mut tx, connection).await?;
                tx.commit().await?;
            }
        }
    }
    answering.abort();
    let mut tx = begin(&state.pool, &Scope::person(user, practices.iter().copied())).await?;
    db::disconnect(&mut tx, connection).await?;
    availability::apply(&mut tx, user, Happened::Gone).await?;
    announce_presence(&mut tx, user).await?;
    tx.commit().await?;
    Ok(())
}

/// The practices `user` belongs to now.
async fn current_practices(state: &AppState, user: UserId) -> Result<HashSet<PracticeId>, sqlx::Error> {
    let mut tx = begin(&state.pool, &Scope::person(user, [])).await?;
    let now = db::practices_of(&mut tx, user).await?;
    tx.commit().await?;
    Ok(now.into_iter().collect())
}
