//! Password reset by e-mailed link, through a real SMTP server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::auth::reset::{BAD_RESET, RESET_SENT};
use app::error::AppError;
use app::model::Me;
use common::{SmtpSink, TestApp, PASSWORD};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Result<(), AppError> {
    app.call(
        &app.client(),
        "auth/login",
        &[("email", email), ("password", password)],
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_reset_link_arrives_by_mail_and_sets_a_new_password_once(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn_with(conn, |c| c.smtp_url = Some(url.clone())).await;
    let w = common::world(&app.pool).await;
    let anyone = app.client();
    let old_session = app.login(&w.a_clinician.email).await;

    let said: String = app
        .call(&anyone, "auth/forgot", &[("email", "A.Clinician@Example.test")])
        .await
        .unwrap();
    assert_eq!(said, RESET_SENT);
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0].to, vec!["a.clinician@example.test".to_string()]);
    assert!(mail[0].raw.contains("Subject: Set a new Switchboard password"));
    let body = mail[0].raw.replace("=\r\n", "");
    let token = body
        .split("/reset/")
        .nth(1)
        .expect("a link")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    let r = app
        .call::<()>(
            &anyone,
            "auth/reset",
            &[("token", &token), ("password", "short"), ("confirm", "short")],
        )
        .await;
    assert!(matches!(r, Err(AppError::Invalid(_))), "{r:?}");
    let () = app
        .call(
            &anyone,
            "auth/reset",
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await
        .unwrap();

    // The new password works, the old one not, the link not again, and old sessions ended.
    assert_eq!(
        sign_in(&app, &w.a_clinician.email, PASSWORD).await,
        Err(AppError::invalid(app::auth::api::BAD_LOGIN))
    );
    sign_in(&app, &w.a_clinician.email, NEW_PASSWORD).await.unwrap();
    let again = app
        .call::<()>(
            &anyone,
            "auth/reset",
            &[
                ("token", &token),
                ("password", "another passphrase"),
                ("confirm", "another passphrase"),
            ],
        )
        .await;
    assert_eq!(again, Err(AppError::invalid(BAD_RESET)));
    let me: Option<Me> = app.call(&old_session, "auth/who_am_i", &[]).await.unwrap();
    assert_eq!(me, None, "sessions from before the reset are over");
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'auth.password_reset'"
        )
        .await,
        1
    );

    // A link used after its hour is refused.
    let _: String = app
        .call(&anyone, "auth/forgot", &[("email", &w.a_clinician.email)])
        .await
        .unwrap();
    let mail = sink.wait_for(2).await;
    let body = mail[1].raw.replace("=\r\n", "");
    let late = body
        .split("/reset/")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_ne!(late, token);
    common::exec(
        &app.pool,
        "UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE used_at IS NULL",
    )
    .await;
    let r = app
        .call::<()>(
            &anyone,
            "auth/reset",
            &[
                ("token", &late),
                ("password", "too late a passphrase"),
                ("confirm", "too late a passphrase"),
            ],
        )
        .await;
    assert_eq!(r, Err(AppError::invalid(BAD_RESET)));
    sign_in(&app, &w.a_clinician.email, NEW_PASSWORD).await.unwrap();
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn asking_tells_nothing_about_accounts_and_is_limited(_: PgPoolOptions, conn: PgConnectOptions) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn_with(conn, |c| c.smtp_url = Some(url.clone())).await;
    let w = common::world(&app.pool).await;
    let anyone = app.client();

    let unknown: String = app
        .call(&anyone, "auth/forgot", &[("email", "nobody@example.test")])
        .await
        .unwrap();
    assert_eq!(unknown, RESET_SENT, "the same answer as for an account");
    // Three links per account an hour; the fourth request is answered alike but sends nothing.
    for _ in 0..4 {
        let said: String = app
            .call(&anyone, "auth/forgot", &[("email", &w.b_admin.email)])
            .await
            .unwrap();
        assert_eq!(said, RESET_SENT);
    }
    sink.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 3);
    // Ten requests an hour from one address; then it is told to wait.
    for i in 0..5 {
        let _: String = app
            .call(
                &anyone,
                "auth/forgot",
                &[("email", &format!("guess{i}@example.test"))],
            )
            .await
            .unwrap();
    }
    let r = app
        .call::<String>(&anyone, "auth/forgot", &[("email", "guess9@example.test")])
        .await;
    assert_eq!(r, Err(AppError::RateLimited));

    // A made-up or expired token does nothing.
    let r = app
        .call::<()>(
            &anyone,
            "auth/reset",
            &[
                ("token", "made-up"),
                ("password", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r, Err(AppError::invalid(BAD_RESET)));
    sign_in(&app, &w.b_admin.email, PASSWORD).await.unwrap();
    app.close().await;
}
