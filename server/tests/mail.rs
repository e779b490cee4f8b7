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

    // Marked sent: another pass (the worker's or ours) sends nothing more.
    let again = server::mail::send_due(&app.pool, &transport(&url), &from())
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL"
        )
        .await,
        1
    );
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
    let failed_once = "SELECT count(*) FROM mail_outbox
         WHERE sent_at IS NULL AND attempts = 1 AND last_error IS NOT NULL AND next_attempt_at > now()";
    assert_eq!(
        common::count(&app.pool, failed_once).await,
        1,
        "failure recorded, retry scheduled later"
    );
    // Not due yet: nothing is attempted.
    assert_eq!(
        server::mail::send_due(&app.pool, &transport(&url), &from())
            .await
            .unwrap(),
        0
    );

    // The server comes back and the retry time arrives.
    let (sink, url) = SmtpSink::start();
    common::exec(&app.pool, "UPDATE mail_outbox SET next_attempt_at = now()").await;
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
    let (smtp, mail): (bool, Vec<app::mail::api::KeptMail>) =
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
    let pool = app::db::connect(conn, 2).await.unwrap();
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
