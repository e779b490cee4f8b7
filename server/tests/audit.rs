//! The audit viewer: a practice admin reads its own practice's events, filtered by person
//! and by the practice's local days; nobody else reads them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::audit::model::{AuditPage, AUDIT_PAGE};
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

    let all = app
        .call::<AuditPage>(&admin, "audit/events", &[("practice", &a)])
        .await
        .unwrap()
        .rows;
    assert!(all.iter().all(|r| r.action != "test.other_practice"), "{all:?}");
    assert!(all.iter().any(|r| r.action == "test.evening"));

    let day = app
        .call::<AuditPage>(
            &admin,
            "audit/events",
            &[("practice", &a), ("from", "2026-03-07"), ("to", "2026-03-07")],
        )
        .await
        .unwrap()
        .rows;
    assert_eq!(
        day.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        vec!["test.evening"]
    );
    assert_eq!(day[0].at_local, "2026-03-07 23:30:00");

    let clinician = w.a_clinician.id.to_string();
    let theirs = app
        .call::<AuditPage>(
            &admin,
            "audit/events",
            &[("practice", &a), ("person", &clinician)],
        )
        .await
        .unwrap()
        .rows;
    assert!(
        !theirs.is_empty() && theirs.iter().all(|r| r.actor.as_deref() == Some("a.clinician")),
        "{theirs:?}"
    );

    let backwards: Result<AuditPage, _> = app
        .call(
            &admin,
            "audit/events",
            &[("practice", &a), ("from", "2026-03-09"), ("to", "2026-03-01")],
        )
        .await;
    assert!(matches!(backwards, Err(AppError::Invalid(m)) if m.contains("after")));
    let garbage: Result<AuditPage, _> = app
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

#[sqlx::test(migrations = "../migrations")]
async fn the_log_answers_who_saw_a_patient_in_words_a_page_at_a_time(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    use serde_json::json;
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let assistant = app.login(&w.a_assistant.email).await;
    let clinician = app.login(&w.a_clinician.email).await;
    let add = |name: &'static str| {
        let (app, assistant) = (&app, &assistant);
        async move {
            app.call_json::<app::model::PatientId>(
                assistant,
                "calendar/add-patient",
                json!({ "practice": w.a, "name": name, "born": "", "phone": "", "email": "" }),
            )
            .await
            .unwrap()
        }
    };
    let ada = add("Ada Lovelace").await;
    let grace = add("Grace Hopper").await;
    // A block in the day keeps the calendar from being empty; Ada has the appointment.
    let () = app
        .call_json(
            &assistant,
            "calendar/weekly-hours",
            json!({ "practice": w.a, "provider": w.a_clinician.id, "from": "2027-01-01",
                    "days": ["09:00-17:00", "", "", "", "", "", ""] }),
        )
        .await
        .unwrap();
    let visit: app::model::TypeId = app
        .call_json(
            &assistant,
            "calendar/save-type",
            json!({ "practice": w.a, "id": null, "appt_type": {
                "id": uuid::Uuid::nil(), "name": "Visit", "minutes": 30, "buffer_before": 0, "buffer_after": 0,
                "color": "#3B6EA5", "needs_room": false, "provider_ids": [] } }),
        )
        .await
        .unwrap();
    let booked: app::calendar::model::Outcome = app
        .call_json(
            &assistant,
            "calendar/book",
            json!({ "practice": w.a, "entry": {
                "kind": "appointment", "patient": ada, "type_id": visit, "provider": w.a_clinician.id,
                "room": null, "attendees": [], "title": "", "start": "2027-03-01T10:00:00", "minutes": null,
                "notes": "", "rrule": null, "override_availability": false, "skip_conflicts": false } }),
        )
        .await
        .unwrap();
    assert!(
        matches!(booked, app::calendar::model::Outcome::Done { .. }),
        "{booked:?}"
    );
    // The clinician's week shows Ada; a week without her shows no one; a search finds Grace.
    let _: app::calendar::model::View = app
        .call_json(
            &clinician,
            "calendar/view",
            json!({ "practice": w.a, "first_day": "2027-03-01", "days": 7 }),
        )
        .await
        .unwrap();
    let _: app::calendar::model::View = app
        .call_json(
            &clinician,
            "calendar/view",
            json!({ "practice": w.a, "first_day": "2027-04-05", "days": 7 }),
        )
        .await
        .unwrap();
    let _: Vec<app::calendar::api::PatientHit> = app
        .call_json(
            &assistant,
            "calendar/patients",
            json!({ "practice": w.a, "query": "Grace" }),
        )
        .await
        .unwrap();

    let admin = app.login(&w.a_admin.email).await;
    let ada_id = ada.to_string();
    let about_ada = app
        .call::<AuditPage>(&admin, "audit/events", &[("practice", &a), ("patient", &ada_id)])
        .await
        .unwrap();
    assert_eq!(about_ada.patient_name.as_deref(), Some("Ada Lovelace"));
    let seen: Vec<(&str, Option<&str>)> = about_ada
        .rows
        .iter()
        .map(|r| (r.what.as_str(), r.actor.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("Viewed the calendar", Some("a.clinician")),
            ("Booked", Some("a.assistant")),
            ("Added a patient", Some("a.assistant")),
        ],
        "who saw or changed Ada, newest first; the week without her is not among them"
    );
    assert!(about_ada.rows[0]
        .patients
        .iter()
        .any(|(id, name)| *id == ada && name == "Ada Lovelace"));
    let grace_id = grace.to_string();
    let about_grace = app
        .call::<AuditPage>(
            &admin,
            "audit/events",
            &[("practice", &a), ("patient", &grace_id)],
        )
        .await
        .unwrap();
    assert_eq!(
        about_grace
            .rows
            .iter()
            .map(|r| r.what.as_str())
            .collect::<Vec<_>>(),
        vec!["Searched for patients", "Added a patient"]
    );
    // By action; an action that does not exist is refused; B's admin may not look.
    let searches = app
        .call::<AuditPage>(
            &admin,
            "audit/events",
            &[("practice", &a), ("action", "patient.search")],
        )
        .await
        .unwrap();
    assert_eq!(searches.rows.len(), 1);
    let unknown: Result<AuditPage, _> = app
        .call(
            &admin,
            "audit/events",
            &[("practice", &a), ("action", "patient.steal")],
        )
        .await;
    assert!(matches!(unknown, Err(AppError::Invalid(_))));
    common::assert_refused(
        &app,
        &[&w.b_admin.email, &w.a_clinician.email],
        "audit/events",
        &[("practice", &a), ("patient", &ada_id)],
    )
    .await;
    // The admin's reads name the patients they showed: Ada was seen by the admin too.
    let again = app
        .call::<AuditPage>(&admin, "audit/events", &[("practice", &a), ("patient", &ada_id)])
        .await
        .unwrap();
    assert_eq!(again.rows[0].what, "Read the access log");

    // A page at a time: 250 more events, newest first, paged back by the oldest id shown.
    let owner = common::owner_pool(&app.owner).await;
    sqlx::query(
        "INSERT INTO audit_events (practice_id, actor_user_id, action)
         SELECT $1, $2, 'calendar.view' FROM generate_series(1, 250)",
    )
    .bind(w.a)
    .bind(w.a_assistant.id)
    .execute(&owner)
    .await
    .unwrap();
    owner.close().await;
    let mut before: Option<i64> = None;
    let mut seen = Vec::new();
    loop {
        let cursor = before.map(|b| b.to_string());
        let mut form = vec![("practice", a.as_str()), ("action", "calendar.view")];
        if let Some(c) = &cursor {
            form.push(("before", c));
        }
        let page = app
            .call::<AuditPage>(&admin, "audit/events", &form)
            .await
            .unwrap();
        assert!(page.rows.len() as i64 <= AUDIT_PAGE);
        seen.extend(page.rows.iter().map(|r| r.id));
        before = page.rows.last().map(|r| r.id);
        if !page.older {
            break;
        }
    }
    assert_eq!(seen.len(), 252, "250 added, and the clinician's two views");
    assert!(seen.windows(2).all(|p| p[0] > p[1]), "newest first, none twice");
    app.close().await;
}
