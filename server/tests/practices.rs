//! Practice workspaces over HTTP: members see their practice, nobody else does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::practices::model::PracticeInfo;
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

/// Every page of a practice, the ones later issues fill included, is refused (403, "No
/// access") to someone of another practice.
#[sqlx::test(migrations = "../migrations")]
async fn another_practices_pages_answer_no_access(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let outsider = app.login(&w.b_clinician.email).await;
    let member = app.login(&w.a_clinician.email).await;
    for section in ["inbox", "calendar", "admin", "admin/settings", "admin/log"] {
        let url = app.url(&format!("/p/{}/{section}", w.a));
        let page = outsider
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), reqwest::StatusCode::FORBIDDEN, "{section}");
        let html = page.text().await.unwrap();
        assert!(html.contains("id=\"no-access\""), "{section}");
        assert!(
            !html.contains("Script of Practice A")
                && !common::carried_data(&html).contains("Script of Practice A"),
            "{section} leaks the practice"
        );
        let page = member
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let ok = if section.starts_with("admin") {
            reqwest::StatusCode::FORBIDDEN // a clinician is no admin, nor sees its people
        } else {
            reqwest::StatusCode::OK
        };
        assert_eq!(page.status(), ok, "{section} for a member");
        if section == "inbox" {
            // The check above can fail: a member's page carries the script.
            let html = page.text().await.unwrap();
            assert!(
                common::carried_data(&html).contains("Script of Practice A"),
                "{section}"
            );
        }
    }
    app.close().await;
}
