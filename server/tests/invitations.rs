//! Inviting people by e-mail and joining through the single-use link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::error::AppError;
use app::model::{Me, Role};
use app::practices::api::BAD_INVITATION;
use app::practices::model::InvitationInfo;
use common::TestApp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The token from the newest invitation e-mail in the outbox.
async fn token_from_outbox(app: &TestApp, to: &str) -> String {
    let mut tx = app::db::begin(&app.pool, &app::db::Scope::All { user: None })
        .await
        .unwrap();
    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body_text FROM mail_outbox WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(subject, "You're invited to Switchboard");
    let link = body
        .lines()
        .find(|l| l.contains("/invite/"))
        .expect("a link in the body");
    link.rsplit('/').next().unwrap().trim().to_string()
}

/// Accepts the invitation behind `token` with `password` typed twice.
async fn accept(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    password: &str,
) -> Result<(), AppError> {
    app.call(
        client,
        "practices/accept_invitation",
        &[("token", token), ("password", password), ("confirm", password)],
    )
    .await
}

#[sqlx::test(migrations = "../migrations")]
async fn an_invited_person_sets_a_password_once_and_joins(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let admin = app.login(&w.a_admin.email).await;
    let invite = [
        ("practice", a.as_str()),
        ("email", "Nora.New@Example.test"),
        // A line break in the name stays out of the mail: the name is one line.
        ("display_name", "Nora\r\nNew"),
        ("role", "assistant"),
    ];
    let () = app.call(&admin, "practices/invite", &invite).await.unwrap();
    let token = token_from_outbox(&app, "nora.new@example.test").await;
    let greeting = common::count(
        &app.pool,
        "SELECT count(*) FROM mail_outbox WHERE body_text LIKE 'Hello Nora New,%'",
    )
    .await;
    assert_eq!(greeting, 1);

    let info: InvitationInfo = app
        .call(&app.client(), "practices/invitation", &[("token", &token)])
        .await
        .unwrap();
    assert_eq!(
        (info.practice_name.as_str(), info.role, info.has_account),
        ("Practice A", Role::Assistant, false)
    );

    let nora = app.client();
    let short = accept(&app, &nora, &token, "short").await;
    assert!(matches!(short, Err(AppError::Invalid(m)) if m.contains("12")));
    let pw = "a long enough password";
    let () = accept(&app, &nora, &token, pw).await.unwrap();
    // Signed in by accepting, as an assistant of A.
    let me: Option<Me> = app.call(&nora, "auth/who_am_i", &[]).await.unwrap();
    let me = me.unwrap();
    assert_eq!(me.practices.len(), 1);
    assert_eq!((me.practices[0].id, me.practices[0].role), (w.a, Role::Assistant));

    // The link works once.
    let again: Result<(), _> = accept(&app, &app.client(), &token, pw).await;
    assert_eq!(again, Err(AppError::Invalid(BAD_INVITATION.into())));
    // Inviting a member again is refused.
    let dup: Result<(), _> = app.call(&admin, "practices/invite", &invite).await;
    assert!(matches!(dup, Err(AppError::Invalid(m)) if m.contains("already a member")));
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM audit_events WHERE action LIKE 'invitation.%'"
        )
        .await,
        2
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_or_replaced_link_does_nothing(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let admin = app.login(&w.a_admin.email).await;
    let invite = [
        ("practice", a.as_str()),
        ("email", "old@example.test"),
        ("display_name", "Old Link"),
        ("role", "clinician"),
    ];
    let () = app.call(&admin, "practices/invite", &invite).await.unwrap();
    let first = token_from_outbox(&app, "old@example.test").await;
    let () = app.call(&admin, "practices/invite", &invite).await.unwrap();
    let second = token_from_outbox(&app, "old@example.test").await;
    assert_ne!(first, second);
    let pw = "a long enough password";
    let replaced: Result<(), _> = accept(&app, &app.client(), &first, pw).await;
    assert_eq!(replaced, Err(AppError::Invalid(BAD_INVITATION.into())));

    common::exec(
        &app.pool,
        "UPDATE invitations SET expires_at = now() - interval '1 minute'",
    )
    .await;
    let expired: Result<(), _> = accept(&app, &app.client(), &second, pw).await;
    assert_eq!(expired, Err(AppError::Invalid(BAD_INVITATION.into())));
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM users WHERE email = 'old@example.test'"
        )
        .await,
        0
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn only_the_practices_admins_and_agency_admins_invite(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let invite = [
        ("practice", a.as_str()),
        ("email", "x@example.test"),
        ("display_name", "X"),
        ("role", "practice_admin"),
    ];
    // Another practice's admin, and this practice's clinician and assistant.
    common::assert_refused(
        &app,
        &[&w.b_admin.email, &w.a_clinician.email, &w.a_assistant.email],
        "practices/invite",
        &invite,
    )
    .await;
    common::assert_needs_sign_in(&app, "practices/invite", &invite).await;
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM invitations").await,
        0
    );
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM mail_outbox").await,
        0
    );

    let agency = app.login(&w.agency.email).await;
    let () = app.call(&agency, "practices/invite", &invite).await.unwrap();
    let bad: Result<(), _> = app
        .call(
            &agency,
            "practices/invite",
            &[
                ("practice", a.as_str()),
                ("email", "nope"),
                ("display_name", "X"),
                ("role", "clinician"),
            ],
        )
        .await;
    assert!(matches!(bad, Err(AppError::Invalid(m)) if m.contains("e-mail")));
    app.close().await;
}
