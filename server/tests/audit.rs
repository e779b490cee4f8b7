//! The audit viewer: a practice admin reads its own practice's events, filtered by person
//! and by the practice's local days; nobody else reads them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::audit::api::AuditRow;
use app::error::AppError;
use common::TestApp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = "../migrations")]
async fn admins_read_their_own_practices_log_filtered(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    // Practice A is in New York. 2026-03-08 04:30 UTC is the evening of March 7th there.
    // Written past row-level security: events of several people, as they would be.
    let owner = common::owner_pool(&app.owner).await;
    sqlx::query(&format!(
        "INSERT INTO audit_events (practice_id, actor_user_id, action, at) VALUES
               ('{a}', '{clin}', 'test.evening', '2026-03-08 04:30:00+00'),
               ('{a}', '{asst}', 'test.next_day', '2026-03-08 15:00:00+00'),
               ('{b}', '{bclin}', 'test.other_practice', '2026-03-08 15:00:00+00')",
        a = w.a,
        b = w.b,
        clin = w.a_clinician.id,
        asst = w.a_assistant.id,
        bclin = w.b_clinician.id
    ))
    .execute(&owner)
    .await
    .unwrap();
    owner.close().await;
    let a = w.a.to_string();
    let admin = app.login(&w.a_admin.email).await;

    let all: Vec<AuditRow> = app
        .call(&admin, "audit/events", &[("practice", &a)])
        .await
        .unwrap();
    assert!(all.iter().all(|r| r.action != "test.other_practice"), "{all:?}");
    assert!(all.iter().any(|r| r.action == "test.evening"));

    let day: Vec<AuditRow> = app
        .call(
            &admin,
            "audit/events",
            &[("practice", &a), ("from", "2026-03-07"), ("to", "2026-03-07")],
        )
        .await
        .unwrap();
    assert_eq!(
        day.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        vec!["test.evening"]
    );
    assert_eq!(day[0].at_local, "2026-03-07 23:30:00");

    let clinician = w.a_clinician.id.to_string();
    let theirs: Vec<AuditRow> = app
        .call(
            &admin,
            "audit/events",
            &[("practice", &a), ("person", &clinician)],
        )
        .await
        .unwrap();
    assert!(
        !theirs.is_empty() && theirs.iter().all(|r| r.actor.as_deref() == Some("a.clinician")),
        "{theirs:?}"
    );

    let backwards: Result<Vec<AuditRow>, _> = app
        .call(
            &admin,
            "audit/events",
            &[("practice", &a), ("from", "2026-03-09"), ("to", "2026-03-01")],
        )
        .await;
    assert!(matches!(backwards, Err(AppError::Invalid(m)) if m.contains("after")));
    let garbage: Result<Vec<AuditRow>, _> = app
        .call(&admin, "audit/events", &[("practice", &a), ("from", "March 1")])
        .await;
    assert!(matches!(garbage, Err(AppError::Invalid(_))));

    // Reading the log is itself logged.
    assert!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM audit_events WHERE action = 'audit.read'"
        )
        .await
            >= 3
    );

    common::assert_refused(
        &app,
        &[&w.b_admin.email, &w.a_clinician.email, &w.a_assistant.email],
        "audit/events",
        &[("practice", &a)],
    )
    .await;
    common::assert_needs_sign_in(&app, "audit/events", &[("practice", &a)]).await;
    app.close().await;
}

/// Opening the access log records one read, and the page the server sends shows the events
/// it recorded for that read (the page is built once, not once per Suspense pass).
#[sqlx::test(migrations = "../migrations")]
async fn opening_the_log_page_records_one_read(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let admin = app.login(&w.a_admin.email).await;
    let page = admin
        .get(app.url(&format!("/p/{}/admin/log", w.a)))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"audit-events\""), "the log is in the page");
    let reads = common::count(
        &app.pool,
        &format!(
            "SELECT count(*) FROM audit_events WHERE action = 'audit.read' AND practice_id = '{}'",
            w.a
        ),
    )
    .await;
    assert_eq!(reads, 1, "one page view, one recorded read");
    // Somebody of another practice gets the "No access" page, with its status.
    let other = app.login(&w.b_admin.email).await;
    let page = other
        .get(app.url(&format!("/p/{}/admin/log", w.a)))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("id=\"no-access\""));
    app.close().await;
}
