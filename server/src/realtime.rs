//! The realtime hub. Every app node LISTENs on one PostgreSQL channel; events published by
//! any node (`app::realtime::db::publish`, delivered on commit) are fanned out to this node's
//! WebSockets, each of which only forwards events of practices its person belongs to.
//! Presence rows live in PostgreSQL too, so "online now" is right across nodes.

use app::auth::session::Actor;
use app::db::{begin, Scope};
use app::model::{PracticeId, UserId};
use app::realtime::{db, LiveEvent, CHANNEL};
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
use tokio::sync::{broadcast, watch};
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
        announce_presence(&mut tx, user).await?;
    }
    tx.commit().await
}

async fn announce_presence(tx: &mut app::db::Tx, user: UserId) -> Result<(), sqlx::Error> {
    for practice in db::practices_of(tx, user).await? {
        db::publish(
            tx,
            &LiveEvent {
                practice,
                kind: "presence".into(),
                subject: Some(user.0),
            },
        )
        .await?;
    }
    Ok(())
}

/// `GET /ws`: the page's live connection. Needs a session.
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
    ws.on_upgrade(move |socket| async move {
        if let Err(e) = serve_socket(socket, state, hub, actor).await {
            tracing::warn!(error = %e, "realtime socket ended with an error");
        }
    })
}

async fn serve_socket(
    socket: WebSocket,
    state: AppState,
    hub: Hub,
    actor: Arc<Actor>,
) -> Result<(), sqlx::Error> {
    let connection = Uuid::new_v4();
    let user = actor.user();
    let mut practices: HashSet<PracticeId> = actor.me.practices.iter().map(|p| p.id).collect();
    let mut events = hub.subscribe();
    {
        let mut tx = begin(&state.pool, &Scope::person(user, practices.iter().copied())).await?;
        db::connect(&mut tx, connection, user).await?;
        announce_presence(&mut tx, user).await?;
        tx.commit().await?;
    }
    let (mut outgoing, mut incoming) = socket.split();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    if event.kind == app::realtime::MEMBERSHIP && event.subject == Some(user.0) {
                        // Removed from a practice: its events stop here, not at the next page load.
                        practices = current_practices(&state, user).await?;
                    }
                    if !practices.contains(&event.practice) {
                        continue;
                    }
                    // Postcard, as server functions answer: the browser carries no JSON parser.
                    let Ok(bytes) = postcard::to_allocvec(&*event) else { continue };
                    if outgoing.send(Message::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = heartbeat.tick() => {
                if !session_alive(&state, &actor).await {
                    let _ = outgoing.send(Message::Close(None)).await;
                    break;
                }
                let mut tx = begin(&state.pool, &Scope::person(user, [])).await?;
                db::heartbeat(&mut tx, connection).await?;
                tx.commit().await?;
                // Memberships changed some other way (an agency admin's assignment) count
                // from the next heartbeat.
                practices = current_practices(&state, user).await?;
            }
        }
    }
    let mut tx = begin(&state.pool, &Scope::person(user, practices.iter().copied())).await?;
    db::disconnect(&mut tx, connection).await?;
    announce_presence(&mut tx, user).await?;
    tx.commit().await
}

/// The practices `user` belongs to now.
async fn current_practices(state: &AppState, user: UserId) -> Result<HashSet<PracticeId>, sqlx::Error> {
    let mut tx = begin(&state.pool, &Scope::person(user, [])).await?;
    let now = db::practices_of(&mut tx, user).await?;
    tx.commit().await?;
    Ok(now.into_iter().collect())
}

/// A socket outlives no session: after logout or idle expiry it is closed. A database
/// hiccup keeps the socket (the next heartbeat asks again).
async fn session_alive(state: &AppState, actor: &Actor) -> bool {
    app::auth::session::is_live(state, &actor.token_hash)
        .await
        .unwrap_or(true)
}
