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

/// The token of the `/reset/<token>` link in a received mail (quoted-printable unfolded).
fn reset_token(raw: &str) -> String {
    let body = raw.replace("=\r\n", "");
    let link = body.split("/reset/").nth(1).expect("a reset link");
    link.split_whitespace().next().unwrap().to_string()
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
    let token = reset_token(&mail[0].raw);

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
    let late = reset_token(&mail[1].raw);
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

/// Secret links are the only credential of whoever holds them: an address that keeps
/// presenting tokens that match nothing, of any kind of link, is refused for a while, even
/// with a good token; other addresses are not.
#[sqlx::test(migrations = "../migrations")]
async fn an_address_presenting_unknown_link_tokens_is_refused_for_a_while(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    use app::auth::rules::MAX_LINK_MISSES_PER_ADDRESS;
    use sqlx::Connection;
    let (sink, url) = SmtpSink::start();
    let app = TestApp::spawn_with(conn.clone(), |c| c.smtp_url = Some(url.clone())).await;
    let w = common::world(&app.pool).await;
    let anyone = app.client();
    let _: String = app
        .call(&anyone, "auth/forgot", &[("email", &w.a_clinician.email)])
        .await
        .unwrap();
    let token = reset_token(&sink.wait_for(1).await[0].raw);
    let reset = |token: String| {
        let (app, anyone) = (&app, &anyone);
        async move {
            app.call::<()>(
                anyone,
                "auth/reset",
                &[
                    ("token", &token),
                    ("password", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ],
            )
            .await
        }
    };
    let feed = || async {
        anyone
            .get(app.url("/feeds/no-such-feed.ics"))
            .send()
            .await
            .unwrap()
            .status()
    };

    let bad = "x".repeat(43);
    let args = || serde_json::json!({ "token": bad.clone() });
    let appointment_link =
        || app.call_json::<app::calendar::model::LinkView>(&anyone, "appointment/link", args());
    let offer_link =
        || app.call_json::<app::calendar::model::ClaimView>(&anyone, "appointment/offer", args());
    // Misses of every kind of link count together; each gets its usual answer until the limit.
    for i in 0..MAX_LINK_MISSES_PER_ADDRESS {
        match i % 5 {
            0 => assert_eq!(reset(bad.clone()).await, Err(AppError::invalid(BAD_RESET))),
            1 => {
                let r = app
                    .call::<app::practices::model::InvitationInfo>(
                        &anyone,
                        "practices/invitation",
                        &[("token", &bad)],
                    )
                    .await;
                assert_eq!(r, Err(AppError::invalid(app::practices::api::BAD_INVITATION)));
            }
            2 => assert_eq!(appointment_link().await, Err(AppError::NotFound)),
            3 => assert_eq!(offer_link().await, Err(AppError::NotFound)),
            _ => assert_eq!(feed().await, reqwest::StatusCode::NOT_FOUND),
        }
    }
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM link_misses").await,
        MAX_LINK_MISSES_PER_ADDRESS
    );

    // Past the limit, every link is refused from this address, the good one too, unspent.
    assert_eq!(reset(token.clone()).await, Err(AppError::RateLimited));
    assert_eq!(feed().await, reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(appointment_link().await, Err(AppError::RateLimited));
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM link_misses").await,
        MAX_LINK_MISSES_PER_ADDRESS,
        "refused requests are not counted again"
    );
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM password_resets WHERE used_at IS NOT NULL"
        )
        .await,
        0
    );
    // Misses from another address do not count against this one.
    // (The app's role may only add misses: this runs as the database's owner.)
    let mut owner = sqlx::PgConnection::connect_with(&conn).await.unwrap();
    sqlx::query("UPDATE link_misses SET ip = '192.0.2.7'")
        .execute(&mut owner)
        .await
        .unwrap();
    reset(token.clone()).await.unwrap();
    sign_in(&app, &w.a_clinician.email, NEW_PASSWORD).await.unwrap();
    app.close().await;
}
