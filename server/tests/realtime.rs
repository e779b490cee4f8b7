//! The realtime hub over a real WebSocket: a session is required, and a browser receives
//! only events of practices it belongs to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::db::{begin, Scope};
use app::model::PracticeId;
use app::realtime::LiveEvent;
use common::{TestApp, PASSWORD};
use futures::StreamExt;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

async fn session_cookie(app: &TestApp, email: &str) -> String {
    let res = app
        .client()
        .post(app.url("/api/auth/login"))
        .form(&[("email", email), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(app: &TestApp, cookie: Option<&str>) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut req = format!("ws://{}/ws", app.addr).into_client_request().unwrap();
    if let Some(c) = cookie {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(s, _)| s)
}

/// The next event that is not a presence notice.
async fn next_non_presence(socket: &mut Socket) -> LiveEvent {
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("an event within 10 s")
            .expect("socket open")
            .unwrap();
        if let Message::Binary(b) = msg {
            let e: LiveEvent = postcard::from_bytes(&b).unwrap();
            if e.kind != "presence" {
                return e;
            }
        }
    }
}

async fn publish(app: &TestApp, practice: PracticeId, kind: &str) {
    let mut tx = begin(&app.pool, &Scope::All { user: None }).await.unwrap();
    app::realtime::db::publish(
        &mut tx,
        &LiveEvent {
            practice,
            kind: kind.into(),
            subject: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn sockets_receive_only_their_practices_events(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a_cookie = session_cookie(&app, &w.a_assistant.email).await;
    let b_cookie = session_cookie(&app, &w.b_clinician.email).await;
    let mut a = open(&app, Some(&a_cookie)).await.unwrap();
    let mut b = open(&app, Some(&b_cookie)).await.unwrap();

    publish(&app, w.a, "test.a").await;
    publish(&app, w.b, "test.b").await;

    let got_a = next_non_presence(&mut a).await;
    assert_eq!((got_a.practice, got_a.kind.as_str()), (w.a, "test.a"));
    // Events arrive in commit order: B's first event is B's, A's was never forwarded to B.
    let got_b = next_non_presence(&mut b).await;
    assert_eq!((got_b.practice, got_b.kind.as_str()), (w.b, "test.b"));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_socket_needs_a_session_and_a_same_site_origin(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    assert!(open(&app, None).await.is_err(), "no cookie, no socket");

    let cookie = session_cookie(&app, &w.a_admin.email).await;
    let mut req = format!("ws://{}/ws", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req.headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    assert!(
        tokio_tungstenite::connect_async(req).await.is_err(),
        "foreign origin refused"
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn presence_lists_who_is_connected_to_members_only(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_clinician.email).await;
    let mut socket = open(&app, Some(&cookie)).await.unwrap();
    // Our own presence notice proves the connection row is committed.
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(first, Message::Binary(ref b) if postcard::from_bytes::<LiveEvent>(b).unwrap().kind == "presence"),
        "{first:?}"
    );

    let a = w.a.to_string();
    let viewer = app.login(&w.a_admin.email).await;
    let online: Vec<app::realtime::api::OnlinePerson> = app
        .call(&viewer, "realtime/online", &[("practice", &a)])
        .await
        .unwrap();
    assert_eq!(
        online.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![w.a_clinician.id]
    );

    common::assert_refused(&app, &[&w.b_admin.email], "realtime/online", &[("practice", &a)]).await;
    common::assert_needs_sign_in(&app, "realtime/online", &[("practice", &a)]).await;
    drop(socket);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_removed_member_s_open_socket_stops_receiving_the_practice_at_once(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let mut socket = open(&app, Some(&cookie)).await.unwrap();
    publish(&app, w.a, "test.before").await;
    assert_eq!(next_non_presence(&mut socket).await.kind, "test.before");

    let admin = app.login(&w.a_admin.email).await;
    let removed: Result<(), app::error::AppError> = app
        .call(
            &admin,
            "practices/remove_member",
            &[
                ("practice", &w.a.to_string()),
                ("person", &w.a_assistant.id.to_string()),
            ],
        )
        .await;
    assert_eq!(removed, Ok(()));
    publish(&app, w.a, "test.after").await;
    // Well within the 20 s heartbeat: nothing more of A arrives.
    let more = tokio::time::timeout(std::time::Duration::from_secs(2), next_non_presence(&mut socket)).await;
    assert!(more.is_err(), "a removed member got {more:?}");
    app.close().await;
}
