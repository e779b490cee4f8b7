//! The agency admin's page: creating practices and putting people into them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::agency::model::AgencyPractice;
use app::error::AppError;
use app::model::Me;
use common::{assert_needs_sign_in, TestApp};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = "../migrations")]
async fn the_agency_creates_a_practice_and_assigns_an_assistant(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let agency = app.login(&w.agency.email).await;

    let () = app
        .call(
            &agency,
            "agency/create_practice",
            &[("name", "  Harbor Cardiology "), ("time_zone", "America/Denver")],
        )
        .await
        .unwrap();
    let list: Vec<AgencyPractice> = app.call(&agency, "agency/practices", &[]).await.unwrap();
    let harbor = list
        .iter()
        .find(|p| p.name == "Harbor Cardiology")
        .expect("created, trimmed");
    assert_eq!(harbor.time_zone, "America/Denver");
    assert_eq!(harbor.members, 0);
    assert_eq!(list.len(), 3);

    // The agency admin's switcher offers the practices they are not a member of.
    let me: Option<Me> = app.call(&agency, "auth/who_am_i", &[]).await.unwrap();
    let offered: Vec<String> = me.unwrap().agency_practices.into_iter().map(|p| p.name).collect();
    assert_eq!(offered, vec!["Harbor Cardiology", "Practice A", "Practice B"]);

    // A's assistant takes on the new practice too; their switcher shows both.
    let harbor_id = harbor.id.to_string();
    let () = app
        .call(
            &agency,
            "agency/assign",
            &[
                ("practice", &harbor_id),
                ("email", "A.Assistant@example.test"),
                ("role", "assistant"),
            ],
        )
        .await
        .unwrap();
    let assistant = app.login(&w.a_assistant.email).await;
    let me: Option<Me> = app.call(&assistant, "auth/who_am_i", &[]).await.unwrap();
    let names: Vec<String> = me.unwrap().practices.into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        vec!["Harbor Cardiology".to_string(), "Practice A".to_string()]
    );
    let list: Vec<AgencyPractice> = app.call(&agency, "agency/practices", &[]).await.unwrap();
    assert_eq!(
        list.iter()
            .find(|p| p.name == "Harbor Cardiology")
            .unwrap()
            .assistants,
        "a.assistant"
    );

    // Bad input says what is wrong and creates nothing.
    for (form, says) in [
        (vec![("name", ""), ("time_zone", "America/Denver")], "name"),
        (
            vec![("name", "Nowhere"), ("time_zone", "Nowhere/Town")],
            "time zone",
        ),
        (
            vec![("name", "Nowhere"), ("time_zone", "posix/America/Chicago")],
            "time zone",
        ),
        (vec![("name", "Nowhere"), ("time_zone", "localtime")], "time zone"),
    ] {
        let r = app.call::<()>(&agency, "agency/create_practice", &form).await;
        assert!(
            matches!(&r, Err(AppError::Invalid(m)) if m.contains(says)),
            "{r:?}"
        );
    }
    let r = app
        .call::<()>(
            &agency,
            "agency/assign",
            &[
                ("practice", &harbor_id),
                ("email", "nobody@example.test"),
                ("role", "assistant"),
            ],
        )
        .await;
    assert!(
        matches!(&r, Err(AppError::Invalid(m)) if m.contains("invite")),
        "{r:?}"
    );
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM practices").await,
        3
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn only_agency_admins_reach_the_agency_functions(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let outsiders = [w.a_admin.email.as_str(), w.b_clinician.email.as_str()];
    common::assert_refused(&app, &outsiders, "agency/practices", &[]).await;
    common::assert_refused(
        &app,
        &outsiders,
        "agency/create_practice",
        &[("name", "Rogue"), ("time_zone", "UTC")],
    )
    .await;
    // A practice admin may not pull someone into their practice by e-mail without an invitation.
    common::assert_refused(
        &app,
        &outsiders,
        "agency/assign",
        &[
            ("practice", &a),
            ("email", "b.clinician@example.test"),
            ("role", "clinician"),
        ],
    )
    .await;
    assert_needs_sign_in(&app, "agency/practices", &[]).await;
    // The agency's pages refuse like a practice's: 403 and the "No access" card.
    for (who, status) in [
        (w.a_admin.email.as_str(), reqwest::StatusCode::FORBIDDEN),
        (w.agency.email.as_str(), reqwest::StatusCode::OK),
    ] {
        let client = app.login(who).await;
        for path in ["/agency", "/agency/mail"] {
            let page = client
                .get(app.url(path))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), status, "{path} for {who}");
            let html = page.text().await.unwrap();
            assert_eq!(
                html.contains("id=\"no-access\""),
                status != reqwest::StatusCode::OK,
                "{path}"
            );
        }
    }
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM practices WHERE name = 'Rogue'").await,
        0
    );
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM memberships").await,
        5
    );
    app.close().await;
}
