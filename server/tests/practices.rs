//! Practice workspaces over HTTP: members see their practice, nobody else does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::practices::api::PracticeInfo;
use common::TestApp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = "../migrations")]
async fn members_read_their_practice_overview_and_outsiders_are_refused(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let args = [("practice", a.as_str())];

    let client = app.login(&w.a_assistant.email).await;
    let info: PracticeInfo = app.call(&client, "practices/overview", &args).await.unwrap();
    assert_eq!(info.name, "Practice A");
    assert_eq!(info.staff.len(), 3);
    assert!(
        info.staff.iter().all(|s| !s.email.contains("b.")),
        "no one of B is listed"
    );

    let agency = app.login(&w.agency.email).await;
    let info: PracticeInfo = app.call(&agency, "practices/overview", &args).await.unwrap();
    assert_eq!(info.id, w.a);

    common::assert_refused(
        &app,
        &[&w.b_admin.email, &w.b_clinician.email],
        "practices/overview",
        &args,
    )
    .await;
    common::assert_needs_sign_in(&app, "practices/overview", &args).await;
    app.close().await;
}
