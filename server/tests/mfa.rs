//! Two-factor sign-in: enrolling, signing in with a code or a recovery code, and the
//! requirement a practice can set for its admins.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::auth::mfa::{Enrolment, Security};
use app::auth::sealed::{self, SecretKey};
use app::auth::totp;
use app::error::AppError;
use app::model::Me;
use app::practices::model::PracticeInfo;
use common::{TestApp, PASSWORD};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

fn code_now(secret: &str, offset_steps: i64) -> String {
    let step = totp::step_of(chrono::Utc::now().timestamp()) + offset_steps;
    format!("{:06}", totp::code_at(secret, step).unwrap())
}

async fn sign_in(app: &TestApp, email: &str, code: Option<&str>) -> (reqwest::Client, Result<(), AppError>) {
    let client = app.client();
    let mut form = vec![("email", email), ("password", PASSWORD)];
    if let Some(code) = code {
        form.push(("code", code));
    }
    let r = app.call(&client, "auth/login", &form).await;
    (client, r)
}

/// Enrols `client` and answers the secret and the recovery codes.
async fn enrol(app: &TestApp, client: &reqwest::Client) -> (String, Vec<String>) {
    let e: Enrolment = app.call(client, "auth/totp_begin", &[]).await.unwrap();
    assert!(e.uri.starts_with("otpauth://totp/Switchboard:") && e.qr_svg.contains("<svg"));
    let wrong = app
        .call::<Vec<String>>(client, "auth/totp_confirm", &[("code", "000000")])
        .await;
    assert!(matches!(wrong, Err(AppError::Invalid(_))), "{wrong:?}");
    let codes: Vec<String> = app
        .call(client, "auth/totp_confirm", &[("code", &code_now(&e.secret, 0))])
        .await
        .unwrap();
    assert_eq!(codes.len(), totp::RECOVERY_CODES);
    (e.secret, codes)
}

#[sqlx::test(migrations = "../migrations")]
async fn with_two_factor_on_a_password_alone_does_not_sign_in(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let email = w.a_assistant.email.as_str();
    let me = app.login(email).await;
    let (secret, codes) = enrol(&app, &me).await;
    let s: Security = app.call(&me, "auth/security", &[]).await.unwrap();
    assert!(s.totp_enabled && !s.required);
    assert_eq!(s.recovery_codes_left, 10);

    // Password only: the form is asked for the code, and no session starts.
    let (client, r) = sign_in(&app, email, None).await;
    assert_eq!(r, Err(AppError::SecondFactor));
    let who: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    assert_eq!(who, None);
    // A wrong code is refused; the next step's code (clock drift) signs in.
    let (_, r) = sign_in(&app, email, Some("123456")).await;
    assert_eq!(r, Err(AppError::invalid("That code is not right.")));
    let code = code_now(&secret, 1);
    let (client, r) = sign_in(&app, email, Some(&code)).await;
    r.unwrap();
    let who: Option<Me> = app.call(&client, "auth/who_am_i", &[]).await.unwrap();
    assert!(who.unwrap().mfa_enabled);
    // The same code does not sign in twice.
    let (_, r) = sign_in(&app, email, Some(&code)).await;
    assert_eq!(r, Err(AppError::invalid("That code is not right.")));

    // A recovery code works once, typed any which way.
    let (_, r) = sign_in(&app, email, Some(&codes[3].to_uppercase().replace('-', " "))).await;
    r.unwrap();
    let (_, r) = sign_in(&app, email, Some(&codes[3])).await;
    assert!(r.is_err());
    let s: Security = app.call(&me, "auth/security", &[]).await.unwrap();
    assert_eq!(s.recovery_codes_left, 9);

    // Turning it off takes the password.
    let r = app
        .call::<()>(&me, "auth/totp_disable", &[("password", "not my password")])
        .await;
    assert!(matches!(r, Err(AppError::Invalid(_))));
    let () = app
        .call(&me, "auth/totp_disable", &[("password", PASSWORD)])
        .await
        .unwrap();
    let (_, r) = sign_in(&app, email, None).await;
    r.unwrap();
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_of_a_practice_that_requires_it_reaches_nothing_before_enrolling(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    common::exec(
        &app.pool,
        &format!("UPDATE practices SET require_admin_mfa = true WHERE id = '{a}'"),
    )
    .await;

    let admin = app.login(&w.a_admin.email).await;
    let me: Option<Me> = app.call(&admin, "auth/who_am_i", &[]).await.unwrap();
    assert!(me.unwrap().must_enrol_mfa());
    let r = app
        .call::<PracticeInfo>(&admin, "practices/overview", &[("practice", &a)])
        .await;
    assert_eq!(r, Err(AppError::MfaRequired));
    // Others of the practice are not asked.
    let clinician = app.login(&w.a_clinician.email).await;
    let _: PracticeInfo = app
        .call(&clinician, "practices/overview", &[("practice", &a)])
        .await
        .unwrap();

    let (_secret, _) = enrol(&app, &admin).await;
    let _: PracticeInfo = app
        .call(&admin, "practices/overview", &[("practice", &a)])
        .await
        .unwrap();
    let r = app
        .call::<()>(&admin, "auth/totp_disable", &[("password", PASSWORD)])
        .await;
    assert!(
        matches!(&r, Err(AppError::Invalid(m)) if m.contains("requires")),
        "{r:?}"
    );
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'auth.mfa_enabled'"
        )
        .await,
        1
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_deployment_can_require_it_of_agency_admins(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn_with(conn, |c| c.require_agency_mfa = true).await;
    let w = common::world(&app.pool).await;
    let agency = app.login(&w.agency.email).await;
    let r = app
        .call::<Vec<app::agency::model::AgencyPractice>>(&agency, "agency/practices", &[])
        .await;
    assert_eq!(r, Err(AppError::MfaRequired));
    let s: Security = app.call(&agency, "auth/security", &[]).await.unwrap();
    assert!(s.required && !s.totp_enabled);
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn enrolment_needs_a_session(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    for endpoint in [
        "auth/security",
        "auth/totp_begin",
        "auth/totp_confirm",
        "auth/totp_disable",
    ] {
        common::assert_needs_sign_in(&app, endpoint, &[("code", "123456"), ("password", "x")]).await;
    }
    app.close().await;
}

async fn stored_secret(app: &TestApp, user: app::model::UserId) -> String {
    // Past row-level security: no application transaction but the person's reads it.
    let owner = common::owner_pool(&app.owner).await;
    let (stored,): (String,) = sqlx::query_as("SELECT totp_secret FROM credentials WHERE user_id = $1")
        .bind(user)
        .fetch_one(&owner)
        .await
        .unwrap();
    owner.close().await;
    stored
}

#[sqlx::test(migrations = "../migrations")]
async fn authenticator_secrets_are_stored_sealed_under_the_servers_key(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let key = SecretKey::random();
    let k = key.clone();
    let app = TestApp::spawn_with(conn.clone(), move |c| c.secret_key = k).await;
    let w = common::world(&app.pool).await;

    // Enrolled through the app: the row holds no trace of the secret the person was shown.
    let me = app.login(&w.a_assistant.email).await;
    let (secret, _) = enrol(&app, &me).await;
    let stored = stored_secret(&app, w.a_assistant.id).await;
    assert!(
        sealed::is_sealed(&stored) && !stored.contains(&secret),
        "{stored}"
    );
    assert_eq!(sealed::open(&key, w.a_assistant.id, &stored).unwrap(), secret);

    // A secret stored in the clear (before sealing existed) is sealed when a server starts,
    // and its codes still sign in.
    let legacy = totp::new_secret();
    let owner = common::owner_pool(&conn).await;
    sqlx::query("UPDATE credentials SET totp_secret = $2, totp_enabled_at = now() WHERE user_id = $1")
        .bind(w.a_clinician.id)
        .bind(&legacy)
        .execute(&owner)
        .await
        .unwrap();
    owner.close().await;
    let k = key.clone();
    let restarted = TestApp::spawn_with(conn.clone(), move |c| c.secret_key = k).await;
    let stored = stored_secret(&restarted, w.a_clinician.id).await;
    assert!(
        sealed::is_sealed(&stored) && !stored.contains(&legacy),
        "{stored}"
    );
    let (_, r) = sign_in(&restarted, &w.a_clinician.email, Some(&code_now(&legacy, 0))).await;
    r.unwrap();
    // The enrolled one too, on the restarted server.
    let (_, r) = sign_in(&restarted, &w.a_assistant.email, Some(&code_now(&secret, 1))).await;
    r.unwrap();
    restarted.close().await;

    // Key rotation: a server started with a new key, and the old one as the previous key,
    // re-seals every secret under the new key; from then on the new key alone opens them.
    let new_key = SecretKey::random();
    let (k, old) = (new_key.clone(), key.clone());
    let rotated = TestApp::spawn_with(conn.clone(), move |c| {
        c.secret_key = k;
        c.previous_secret_key = Some(old);
    })
    .await;
    rotated.close().await;
    for (who, plain) in [(w.a_assistant.id, &secret), (w.a_clinician.id, &legacy)] {
        let stored = stored_secret(&app, who).await;
        assert!(
            sealed::open(&key, who, &stored).is_err(),
            "no longer under the old key"
        );
        assert_eq!(&sealed::open(&new_key, who, &stored).unwrap(), plain);
    }
    let k = new_key.clone();
    let after = TestApp::spawn_with(conn.clone(), move |c| c.secret_key = k).await;
    let (_, r) = sign_in(&after, &w.a_clinician.email, Some(&code_now(&legacy, 1))).await;
    r.unwrap();
    after.close().await;
    // Started with the old key alone (a misconfigured node), nothing is changed or lost,
    // and its codes are refused rather than taken.
    let before = stored_secret(&app, w.a_assistant.id).await;
    let k = key.clone();
    let wrong = TestApp::spawn_with(conn, move |c| c.secret_key = k).await;
    let (_, r) = sign_in(&wrong, &w.a_assistant.email, Some(&code_now(&secret, 0))).await;
    assert!(r.is_err());
    assert_eq!(stored_secret(&app, w.a_assistant.id).await, before);
    wrong.close().await;
    app.close().await;
}
