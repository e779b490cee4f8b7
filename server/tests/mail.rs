//! The outbox through a real SMTP server on 127.0.0.1: mail leaves only with the change that
//! caused it, exactly once, and survives an SMTP outage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::db::{begin, Scope};
use app::mail::db::{enqueue, Outgoing};
use common::{SmtpSink, TestApp};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn transport(url: &str) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .unwrap()
        .timeout(Some(std::time::Duration::from_secs(5)))
        .build()
}

fn from() -> lettre::message::Mailbox {
    "Switchboard <no-reply@switchboard.test>".parse().unwrap()
}

async fn queue(pool: &sqlx::PgPool, to: &str, commit: bool) {
    let mut tx = begin(pool, &Scope::All { user: None }).await.unwrap();
    enqueue(
        &mut tx,
        Outgoing {
            practice: None,
            to,
            subject: "You're invited to Switchboard",
            body: "Set your password here.",
        },
    )
    .await
    .unwrap();
    if commit {
        tx.commit().await.unwrap();
    } else {
        tx.rollback().await.unwrap();
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_worker_delivers_committed_mail_exactly_once(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn_with(conn, |c| c.smtp_url = Some(url.clone())).await;
    queue(&app.pool, "ann@example.test", true).await;

    let received = sink.wait_for(1).await;
    assert_eq!(received[0].to, vec!["ann@example.test".to_string()]);
    assert!(
        received[0].raw.contains("Subject: You're invited to Switchboard"),
        "{}",
        received[0].raw
    );
    assert!(received[0].raw.contains("Set your password here."));
    assert!(
        received[0].raw.contains("Message-ID: <"),
        "a stable id lets receivers drop a resend"
    );

    // Marked sent (the worker commits a moment after the server accepted the message):
    // another pass (the worker's or ours) sends nothing more.
    let sent = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL";
    for _ in 0..100 {
        if common::count(&app.pool, sent).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(common::count(&app.pool, sent).await, 1);
    let again = server::mail::send_due(&app.pool, &transport(&url), &from())
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(sink.count(), 1);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rolled_back_change_sends_nothing(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn(conn).await;
    queue(&app.pool, "ann@example.test", false).await;
    let attempted = server::mail::send_due(&app.pool, &transport(&url), &from())
        .await
        .unwrap();
    assert_eq!(attempted, 0);
    assert_eq!(sink.count(), 0);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_smtp_outage_loses_nothing_and_sends_once_after(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    // A port with nothing listening: the SMTP server is down.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    drop(listener);
    queue(&app.pool, "ann@example.test", true).await;

    let attempted = server::mail::send_due(&app.pool, &transport(&url), &from())
        .await
        .unwrap();
    assert_eq!(attempted, 1);
    // No fault of the message's: it keeps its attempts and stays due, with the outage named.
    let waiting = "SELECT count(*) FROM mail_outbox
         WHERE sent_at IS NULL AND attempts = 0 AND next_attempt_at <= now()
           AND last_error = 'the mail server could not be reached'";
    assert_eq!(common::count(&app.pool, waiting).await, 1);

    // The server comes back: the next pass sends it, without waiting out a back-off.
    let (sink, url) = SmtpSink::start();
    assert_eq!(
        server::mail::send_due(&app.pool, &transport(&url), &from())
            .await
            .unwrap(),
        1
    );
    assert_eq!(sink.wait_for(1).await.len(), 1);
    assert_eq!(
        server::mail::send_due(&app.pool, &transport(&url), &from())
            .await
            .unwrap(),
        0
    );
    assert_eq!(sink.count(), 1);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn only_agency_admins_read_the_outbox_and_it_is_audited(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    queue(&app.pool, "ann@example.test", true).await;

    let agency = app.login(&w.agency.email).await;
    let (smtp, mail): (bool, Vec<app::mail::model::KeptMail>) =
        app.call(&agency, "mail/recent", &[]).await.unwrap();
    assert!(!smtp);
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, "ann@example.test");
    let audited = common::count(
        &app.pool,
        "SELECT count(*) FROM audit_events WHERE action = 'mail.read_outbox'",
    )
    .await;
    assert_eq!(audited, 1);
    // With a practice's mail among it, the read is in that practice's log too.
    let mut tx = begin(&app.pool, &Scope::All { user: None }).await.unwrap();
    enqueue(
        &mut tx,
        Outgoing {
            practice: Some(w.a),
            to: "patient@example.test",
            subject: "Your appointment",
            body: "See you soon.",
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let _: (bool, Vec<app::mail::model::KeptMail>) = app.call(&agency, "mail/recent", &[]).await.unwrap();
    let in_a = format!(
        "SELECT count(*) FROM audit_events WHERE action = 'mail.read_outbox' AND practice_id = '{}'",
        w.a
    );
    assert_eq!(common::count(&app.pool, &in_a).await, 1);

    common::assert_refused(
        &app,
        &[&w.a_admin.email, &w.b_clinician.email],
        "mail/recent",
        &[],
    )
    .await;
    common::assert_needs_sign_in(&app, "mail/recent", &[]).await;
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_multi_line_subject_is_refused(_: PgPoolOptions, conn: PgConnectOptions) {
    let pool = common::app_pool(&conn, 2).await;
    let mut tx = begin(&pool, &Scope::All { user: None }).await.unwrap();
    let r = enqueue(
        &mut tx,
        Outgoing {
            practice: None,
            to: "a@b.test",
            subject: "Hi\r\nBcc: x@y.test",
            body: ".",
        },
    )
    .await;
    assert!(r.is_err());
    tx.rollback().await.unwrap();
    pool.close().await;
}

async fn queue_many(pool: &sqlx::PgPool, n: usize) {
    let mut tx = begin(pool, &Scope::All { user: None }).await.unwrap();
    for i in 0..n {
        enqueue(
            &mut tx,
            Outgoing {
                practice: None,
                to: &format!("person{i}@example.test"),
                subject: "Your appointment is confirmed",
                body: "See you then.",
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

const SENT: &str = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL";

#[sqlx::test(migrations = "../migrations")]
async fn a_shutdown_mid_batch_sends_no_message_twice(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = SmtpSink::start_with(std::time::Duration::from_millis(150), &[]);
    let app = TestApp::spawn_with(conn.clone(), |c| c.smtp_url = Some(url.clone())).await;
    queue_many(&app.pool, 12).await;
    sink.wait_for(3).await;
    // SIGTERM: the message in hand is finished and marked; every accepted one is marked.
    let pool = app.pool.clone();
    app.drain().await;
    let pool = app::db::connect(pool.connect_options().as_ref().clone(), 2)
        .await
        .unwrap();
    let accepted = sink.count();
    assert_eq!(common::count(&pool, SENT).await as usize, accepted);
    assert!(accepted < 12, "stopped mid-batch");
    // Another node sends the rest, and nothing twice.
    let next = TestApp::spawn_with(conn, |c| c.smtp_url = Some(url.clone())).await;
    let received = sink.wait_for(12).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 12);
    let mut to: Vec<String> = received.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 12, "each recipient once");
    next.close().await;
    pool.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_kill_mid_batch_sends_at_most_the_message_in_hand_twice(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = SmtpSink::start_with(std::time::Duration::from_millis(150), &[]);
    let app = TestApp::spawn_with(conn.clone(), |c| c.smtp_url = Some(url.clone())).await;
    queue_many(&app.pool, 12).await;
    sink.wait_for(4).await;
    app.kill().await;
    let next = TestApp::spawn_with(conn, |c| c.smtp_url = Some(url.clone())).await;
    sink.wait_for(12).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(common::count(&next.pool, SENT).await, 12);
    let duplicates = sink.count() - 12;
    assert!(duplicates <= 1, "{duplicates} messages sent twice");
    next.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_permanent_refusal_gives_up_at_once_and_says_so_without_the_servers_words(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let (sink, url) = SmtpSink::start_with(std::time::Duration::ZERO, &["nobody@"]);
    let app = TestApp::spawn(conn).await;
    queue(&app.pool, "nobody@example.test", true).await;
    queue(&app.pool, "ann@example.test", true).await;
    assert_eq!(
        server::mail::send_due(&app.pool, &transport(&url), &from())
            .await
            .unwrap(),
        2
    );
    assert_eq!(sink.count(), 1);
    let given_up = format!(
        "SELECT count(*) FROM mail_outbox WHERE to_address = 'nobody@example.test' AND sent_at IS NULL
           AND attempts = {} AND last_error = 'refused by the mail server (550); not retried'",
        app::mail::rules::MAX_ATTEMPTS
    );
    assert_eq!(common::count(&app.pool, &given_up).await, 1);
    // Not tried again.
    assert_eq!(
        server::mail::send_due(&app.pool, &transport(&url), &from())
            .await
            .unwrap(),
        0
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn no_working_link_is_kept_once_sent_or_shown_on_the_sent_mail_page(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let token = "Zq3Xw9_-abcdefghijklmnopqrstuvwxyz0123456789";
    let body =
        format!("Set your password: http://127.0.0.1/invite/{token}\nOr: http://127.0.0.1/reset/{token}");
    let mut tx = begin(&app.pool, &Scope::All { user: None }).await.unwrap();
    enqueue(
        &mut tx,
        Outgoing {
            practice: None,
            to: "ann@example.test",
            subject: "You're invited to Switchboard",
            body: &body,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Waiting to be sent: the page hides the link all the same.
    let agency = app.login(&w.agency.email).await;
    let (_, shown): (bool, Vec<app::mail::model::KeptMail>) =
        app.call(&agency, "mail/recent", &[]).await.unwrap();
    assert!(!shown[0].body.contains(token), "{}", shown[0].body);
    assert!(
        shown[0].body.contains("/invite/(secret link hidden)"),
        "{}",
        shown[0].body
    );
    // The recipient gets the working link; the outbox keeps none.
    server::mail::send_due(&app.pool, &transport(&url), &from())
        .await
        .unwrap();
    assert!(sink.wait_for(1).await[0].raw.contains(token));
    let kept = common::count(
        &app.pool,
        &format!("SELECT count(*) FROM mail_outbox WHERE body_text LIKE '%{token}%'"),
    )
    .await;
    assert_eq!(kept, 0);
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM mail_outbox WHERE body_text LIKE '%/reset/(link removed once sent)%'"
        )
        .await,
        1
    );
    app.close().await;
}
