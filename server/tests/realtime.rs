//! The live channel over a real WebSocket: a session is required; a browser receives only
//! events of practices it belongs to, and of those only the ones addressed to the practice,
//! to its person or to that socket; its requests are answered under its session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::availability::model::Availability;
use app::db::{begin, Scope};
use app::error::AppError;
use app::model::{PracticeId, UserId};
use app::realtime::model::{Answer, Leave, Request};
use app::realtime::{Audience, Down, Kind, LiveEvent, Up};
use common::{TestApp, PASSWORD};
use futures::{SinkExt, StreamExt};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};
use uuid::Uuid;

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

/// The next message from the server, if one comes within `wait`; `None` also when the
/// socket closed.
async fn next_down(socket: &mut Socket, wait: Duration) -> Option<Down> {
    loop {
        let msg = tokio::time::timeout(wait, socket.next()).await.ok()??.ok()?;
        match msg {
            Message::Binary(b) => return Some(postcard::from_bytes(&b).unwrap()),
            Message::Close(_) => return None,
            _ => {}
        }
    }
}

/// Opens a socket and reads its greeting: the socket and its id.
async fn open_as(app: &TestApp, cookie: &str) -> (Socket, Uuid) {
    let mut socket = open(app, Some(cookie)).await.unwrap();
    match next_down(&mut socket, Duration::from_secs(10)).await {
        Some(Down::Hello { socket: id }) => (socket, id),
        other => panic!("expected a greeting, got {other:?}"),
    }
}

/// The next event that is not a presence notice, within `wait`.
async fn next_event(socket: &mut Socket, wait: Duration) -> Option<LiveEvent> {
    loop {
        match next_down(socket, wait).await? {
            Down::Event(e) if e.kind != Kind::Presence => return Some(e),
            _ => {}
        }
    }
}

async fn next_event_soon(socket: &mut Socket) -> LiveEvent {
    next_event(socket, Duration::from_secs(10))
        .await
        .expect("an event within 10 s")
}

/// Publishes a calendar event naming `subject`, to `to` of `practice`.
async fn publish(app: &TestApp, practice: PracticeId, to: Audience, subject: Uuid) {
    let mut tx = begin(&app.pool, &Scope::All { user: None }).await.unwrap();
    let event = LiveEvent {
        practice,
        to,
        kind: Kind::Calendar,
        subject: Some(subject),
    };
    app::realtime::db::publish(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
}

/// Publishes the events in order, then a last one to the whole of `practice`: once that
/// arrives, anything addressed to the socket among them has arrived before it.
async fn publish_then_mark(
    app: &TestApp,
    events: &[(PracticeId, Audience, Uuid)],
    practice: PracticeId,
) -> Uuid {
    for (p, to, subject) in events {
        publish(app, *p, *to, *subject).await;
    }
    let mark = Uuid::new_v4();
    publish(app, practice, Audience::Practice, mark).await;
    mark
}

/// The subjects of the events a socket receives up to and including `mark`.
async fn received_until(socket: &mut Socket, mark: Uuid) -> Vec<Uuid> {
    let mut got = Vec::new();
    loop {
        let e = next_event_soon(socket).await;
        if e.subject == Some(mark) {
            return got;
        }
        got.extend(e.subject);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn sockets_receive_only_their_practices_events(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a_cookie = session_cookie(&app, &w.a_assistant.email).await;
    let b_cookie = session_cookie(&app, &w.b_clinician.email).await;
    let (mut a, _) = open_as(&app, &a_cookie).await;
    let (mut b, _) = open_as(&app, &b_cookie).await;

    let (of_a, of_b) = (Uuid::new_v4(), Uuid::new_v4());
    publish(&app, w.a, Audience::Practice, of_a).await;
    publish(&app, w.b, Audience::Practice, of_b).await;

    let got_a = next_event_soon(&mut a).await;
    assert_eq!((got_a.practice, got_a.subject), (w.a, Some(of_a)));
    // Events arrive in commit order: B's first event is B's, A's was never forwarded to B.
    let got_b = next_event_soon(&mut b).await;
    assert_eq!((got_b.practice, got_b.subject), (w.b, Some(of_b)));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_event_for_one_person_reaches_all_their_sockets_and_no_one_else(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let assistant = session_cookie(&app, &w.a_assistant.email).await;
    let (mut first, _) = open_as(&app, &assistant).await;
    let (mut second, _) = open_as(&app, &session_cookie(&app, &w.a_assistant.email).await).await;
    let (mut colleague, _) = open_as(&app, &session_cookie(&app, &w.a_clinician.email).await).await;
    let (mut outsider, _) = open_as(&app, &session_cookie(&app, &w.b_clinician.email).await).await;

    let (mine, outsiders) = (Uuid::new_v4(), Uuid::new_v4());
    let mark = publish_then_mark(
        &app,
        &[
            (w.a, Audience::Person(w.a_assistant.id), mine),
            // Addressed to B's clinician, but as an event of A, which they are not in.
            (w.a, Audience::Person(w.b_clinician.id), outsiders),
        ],
        w.a,
    )
    .await;
    assert_eq!(received_until(&mut first, mark).await, vec![mine]);
    assert_eq!(received_until(&mut second, mark).await, vec![mine]);
    assert_eq!(received_until(&mut colleague, mark).await, Vec::<Uuid>::new());
    publish(&app, w.b, Audience::Practice, mark).await;
    assert_eq!(received_until(&mut outsider, mark).await, Vec::<Uuid>::new());
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_event_for_one_socket_reaches_that_socket_only(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let (mut first, first_id) = open_as(&app, &cookie).await;
    let (mut second, _) = open_as(&app, &cookie).await;
    let (mut outsider, outsider_id) = open_as(&app, &session_cookie(&app, &w.b_clinician.email).await).await;
    assert_ne!(first_id, outsider_id);

    let (to_first, to_outsider) = (Uuid::new_v4(), Uuid::new_v4());
    let mark = publish_then_mark(
        &app,
        &[
            (w.a, Audience::Socket(first_id), to_first),
            // The right socket, but an event of a practice its person is not in.
            (w.a, Audience::Socket(outsider_id), to_outsider),
        ],
        w.a,
    )
    .await;
    assert_eq!(received_until(&mut first, mark).await, vec![to_first]);
    assert_eq!(received_until(&mut second, mark).await, Vec::<Uuid>::new());
    publish(&app, w.b, Audience::Practice, mark).await;
    assert_eq!(received_until(&mut outsider, mark).await, Vec::<Uuid>::new());
    app.close().await;
}

/// Practice A's admin removes `person` from A.
async fn remove_from_a(app: &TestApp, w: &common::World, person: UserId) {
    let admin = app.login(&w.a_admin.email).await;
    let removed: Result<(), AppError> = app
        .call(
            &admin,
            "practices/remove_member",
            &[("practice", &w.a.to_string()), ("person", &person.to_string())],
        )
        .await;
    assert_eq!(removed, Ok(()));
}

async fn send_request(socket: &mut Socket, id: u32, request: Request) {
    let bytes = postcard::to_allocvec(&Up::Request { id, request }).unwrap();
    socket.send(Message::Binary(bytes.into())).await.unwrap();
}

async fn ask(socket: &mut Socket, id: u32, request: Request) -> Result<Answer, AppError> {
    send_request(socket, id, request).await;
    loop {
        let down = next_down(socket, Duration::from_secs(10)).await.expect("a reply");
        if let Down::Reply { id: replied, answer } = down {
            assert_eq!(replied, id, "the reply names its request");
            return answer;
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_request_is_answered_under_the_socket_s_person_and_refused_for_another_practice(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_clinician.email).await;
    let (mut socket, _) = open_as(&app, &cookie).await;

    let online = ask(&mut socket, 7, Request::OnlineNow(w.a)).await;
    let Ok(Answer::OnlineNow(people)) = online else {
        panic!("{online:?}")
    };
    assert_eq!(
        people.iter().map(|p| p.id).collect::<Vec<UserId>>(),
        vec![w.a_clinician.id]
    );
    assert_eq!(
        ask(&mut socket, 8, Request::OnlineNow(w.b)).await,
        Err(AppError::Forbidden)
    );

    // Judged by the person as they are now: removed from A, the same socket is refused.
    remove_from_a(&app, &w, w.a_clinician.id).await;
    assert_eq!(
        ask(&mut socket, 9, Request::OnlineNow(w.a)).await,
        Err(AppError::Forbidden)
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_socket_closes_once_its_session_has_ended(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let (mut socket, _) = open_as(&app, &cookie).await;
    let signed_out = app
        .client()
        .post(app.url("/api/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_success() || signed_out.status().is_redirection());
    // The next thing the socket does (here a request; otherwise its heartbeat) finds the
    // session gone: instead of an answer, the page is told to leave, and the socket closes.
    send_request(&mut socket, 1, Request::OnlineNow(w.a)).await;
    let mut last = None;
    while let Some(down) = next_down(&mut socket, Duration::from_secs(10)).await {
        assert!(
            !matches!(down, Down::Reply { .. }),
            "answered after the session ended: {down:?}"
        );
        last = Some(down);
    }
    assert_eq!(last, Some(Down::Leave(Leave::SignedOut)));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_person_who_owes_a_second_factor_gets_no_socket(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let owner = common::owner_pool(&app.owner).await;
    common::exec(
        &owner,
        &format!(
            "UPDATE practices SET require_admin_mfa = true WHERE id = '{}'",
            w.a
        ),
    )
    .await;
    let cookie = session_cookie(&app, &w.a_admin.email).await;
    assert!(open(&app, Some(&cookie)).await.is_err(), "must enrol first");
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
    let (mut socket, _) = open_as(&app, &cookie).await;
    // Our own presence notice proves the connection row is committed.
    let first = next_down(&mut socket, Duration::from_secs(10)).await;
    assert!(
        matches!(first, Some(Down::Event(ref e)) if e.kind == Kind::Presence),
        "{first:?}"
    );

    let a = w.a.to_string();
    let viewer = app.login(&w.a_admin.email).await;
    let online: Vec<app::realtime::model::OnlinePerson> = app
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
    let (mut socket, _) = open_as(&app, &cookie).await;
    let before = Uuid::new_v4();
    publish(&app, w.a, Audience::Practice, before).await;
    assert_eq!(next_event_soon(&mut socket).await.subject, Some(before));

    remove_from_a(&app, &w, w.a_assistant.id).await;
    publish(&app, w.a, Audience::Practice, Uuid::new_v4()).await;
    // Well within the 20 s heartbeat: nothing more of A arrives.
    let more = next_event(&mut socket, Duration::from_secs(2)).await;
    assert!(more.is_none(), "a removed member got {more:?}");
    app.close().await;
}

type Mine = Vec<app::availability::model::InPractice>;

/// The person's availability per practice, as they read it.
async fn availability_of(
    app: &TestApp,
    client: &reqwest::Client,
) -> Vec<(PracticeId, Availability, Availability)> {
    let mine: Mine = app.call(client, "availability/mine", &[]).await.unwrap();
    mine.into_iter().map(|a| (a.practice, a.chosen, a.now)).collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn availability_is_set_for_all_practices_or_one_and_refused_elsewhere(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    use Availability::*;
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    // The assistant serves both practices.
    common::exec(
        &common::owner_pool(&app.owner).await,
        &format!(
            "INSERT INTO memberships (practice_id, user_id, role) VALUES ('{}', '{}', 'assistant')",
            w.b, w.a_assistant.id
        ),
    )
    .await;
    let assistant = app.login(&w.a_assistant.email).await;
    let mut before = availability_of(&app, &assistant).await;
    before.sort_by_key(|a| a.0);
    let mut both = vec![(w.a, Available, Available), (w.b, Available, Available)];
    both.sort_by_key(|a| a.0);
    assert_eq!(before, both, "nobody chose yet: available");

    let all: Result<Mine, AppError> = app
        .call(&assistant, "availability/set", &[("availability", "busy")])
        .await;
    assert!(all.unwrap().iter().all(|a| a.now == Busy));
    let one: Mine = app
        .call(
            &assistant,
            "availability/set",
            &[("availability", "off"), ("practice", &w.b.to_string())],
        )
        .await
        .unwrap();
    let of = |p: PracticeId| one.iter().find(|a| a.practice == p).map(|a| a.now);
    assert_eq!((of(w.a), of(w.b)), (Some(Busy), Some(Off)));

    // Colleagues read it in the presence list once the assistant is online; routing reads
    // who is reachable.
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let (_socket, _) = open_as(&app, &cookie).await;
    let clinician = app.login(&w.a_clinician.email).await;
    let online: Vec<app::realtime::model::OnlinePerson> = app
        .call(&clinician, "realtime/online", &[("practice", &w.a.to_string())])
        .await
        .unwrap();
    assert_eq!(
        online.iter().map(|p| (p.id, p.availability)).collect::<Vec<_>>(),
        vec![(w.a_assistant.id, Busy)]
    );
    let reachable = |practice: PracticeId| {
        let pool = app.pool.clone();
        async move {
            let mut tx = begin(&pool, &Scope::All { user: None }).await.unwrap();
            let r = app::availability::db::reachable(&mut tx, practice).await.unwrap();
            tx.commit().await.unwrap();
            r
        }
    };
    assert_eq!(
        reachable(w.a).await,
        Vec::<UserId>::new(),
        "busy takes no new work"
    );
    let _: Mine = app
        .call(&assistant, "availability/set", &[("availability", "available")])
        .await
        .unwrap();
    assert_eq!(reachable(w.a).await, vec![w.a_assistant.id]);

    // Bad input changes nothing; another practice is refused.
    let bad: Result<Mine, AppError> = app
        .call(&assistant, "availability/set", &[("availability", "asleep")])
        .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "{bad:?}");
    let b_clinician = app.login(&w.b_clinician.email).await;
    let refused: Result<Mine, AppError> = app
        .call(
            &b_clinician,
            "availability/set",
            &[("availability", "off"), ("practice", &w.a.to_string())],
        )
        .await;
    assert_eq!(refused, Err(AppError::Forbidden));
    assert!(availability_of(&app, &assistant)
        .await
        .iter()
        .all(|a| a.1 == Available));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn availability_turns_away_with_the_last_page_and_off_at_sign_out_then_comes_back(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    use Availability::*;
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let client = app.login(&w.a_assistant.email).await;
    let _: Mine = app
        .call(&client, "availability/set", &[("availability", "busy")])
        .await
        .unwrap();
    let now = || async { availability_of(&app, &client).await[0] };
    let (first, _) = open_as(&app, &cookie).await;
    let (second, _) = open_as(&app, &cookie).await;
    drop(first);
    // One page is still open: nothing changes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(now().await, (w.a, Busy, Busy));
    drop(second);
    let away = async {
        while now().await != (w.a, Busy, Away) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), away)
        .await
        .expect("away once no page is open");
    // Back with a page: the choice holds again.
    let (socket, _) = open_as(&app, &cookie).await;
    assert_eq!(now().await, (w.a, Busy, Busy));
    drop(socket);

    // Signing out (the only session left is `client`'s) turns it off.
    let signed_out = app
        .client()
        .post(app.url("/api/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(signed_out.status().is_success() || signed_out.status().is_redirection());
    let _ = client.post(app.url("/api/auth/logout")).send().await.unwrap();
    let again = app.login(&w.a_assistant.email).await;
    let (chosen, now) = {
        let a = availability_of(&app, &again).await[0];
        (a.1, a.2)
    };
    assert_eq!((chosen, now), (Busy, Off), "signed out everywhere: off");
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let (_socket, _) = open_as(&app, &cookie).await;
    assert_eq!(availability_of(&app, &again).await[0], (w.a, Busy, Busy));
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn availability_turns_away_once_every_open_page_is_idle_and_back_with_a_touch(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    use Availability::*;
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let cookie = session_cookie(&app, &w.a_assistant.email).await;
    let client = app.login(&w.a_assistant.email).await;
    let now = || async { availability_of(&app, &client).await[0] };
    let (mut first, _) = open_as(&app, &cookie).await;
    let (mut second, _) = open_as(&app, &cookie).await;

    assert_eq!(ask(&mut first, 1, Request::Idle(true)).await, Ok(Answer::Done));
    assert_eq!(
        now().await,
        (w.a, Available, Available),
        "the other page is in use"
    );
    assert_eq!(ask(&mut second, 1, Request::Idle(true)).await, Ok(Answer::Done));
    assert_eq!(now().await, (w.a, Available, Away), "every page idle: away");
    // Colleagues see it too.
    let clinician = app.login(&w.a_clinician.email).await;
    let online: Vec<app::realtime::model::OnlinePerson> = app
        .call(&clinician, "realtime/online", &[("practice", &w.a.to_string())])
        .await
        .unwrap();
    assert_eq!(
        online.iter().map(|p| (p.id, p.availability)).collect::<Vec<_>>(),
        vec![(w.a_assistant.id, Away)]
    );

    // A touch on either page brings the choice back; the idle page closing changes nothing.
    assert_eq!(ask(&mut first, 2, Request::Idle(false)).await, Ok(Answer::Done));
    assert_eq!(now().await, (w.a, Available, Available));
    drop(second);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        now().await,
        (w.a, Available, Available),
        "the page in use is still open"
    );

    // A choice made while idle is kept, and is what comes back.
    assert_eq!(ask(&mut first, 3, Request::Idle(true)).await, Ok(Answer::Done));
    let _: Mine = app
        .call(&client, "availability/set", &[("availability", "busy")])
        .await
        .unwrap();
    assert_eq!(now().await, (w.a, Busy, Busy), "choosing is being at the desk");
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn nobody_writes_another_person_s_availability(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let client = app.login(&w.a_assistant.email).await;
    let _: Mine = app
        .call(&client, "availability/set", &[("availability", "busy")])
        .await
        .unwrap();
    // A colleague of the same practice, in their own scope, with no WHERE of ours to stop them.
    let mut tx = begin(&app.pool, &Scope::person(w.a_clinician.id, [w.a]))
        .await
        .unwrap();
    let changed = sqlx::query("UPDATE availability SET state = 'off', chosen = 'off'")
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    let planted = sqlx::query("INSERT INTO availability (practice_id, user_id) VALUES ($1, $2)")
        .bind(w.a)
        .bind(w.a_admin.id)
        .execute(&mut *tx)
        .await;
    assert!(planted.is_err(), "a row for someone else is refused");
    drop(tx);
    // Another practice's person does not even see it.
    let mut tx = begin(&app.pool, &Scope::person(w.b_admin.id, [w.b]))
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM availability")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
    drop(tx);
    assert_eq!(availability_of(&app, &client).await[0].2, Availability::Busy);
    app.close().await;
}
