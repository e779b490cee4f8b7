//! A practice's admins: its settings, and its people's roles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::error::AppError;
use app::practices::model::{PracticeInfo, PracticeSettings};
use common::{assert_needs_sign_in, assert_refused, TestApp};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The settings form as the browser sends it.
fn settings_form<'a>(
    practice: &'a str,
    name: &'a str,
    idle: &'a str,
    monday: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("practice", practice),
        ("settings[name]", name),
        ("settings[time_zone]", "America/Chicago"),
        ("settings[phone_script]", "Good morning, this is {assistant}."),
        ("settings[emergency_rules]", "Chest pain: 911."),
        ("settings[idle_logout_minutes]", idle),
        ("settings[mon]", monday),
        ("settings[fri]", "09:00-12:00"),
    ]
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_edits_the_practice_settings_and_bad_input_changes_nothing(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let admin = app.login(&w.a_admin.email).await;

    let () = app
        .call(
            &admin,
            "practices/save_settings",
            &settings_form(&a, "Practice A, renamed", "30", "08:00-12:00, 13:00-17:00"),
        )
        .await
        .unwrap();
    let s: PracticeSettings = app
        .call(&admin, "practices/settings", &[("practice", &a)])
        .await
        .unwrap();
    assert_eq!(s.name, "Practice A, renamed");
    assert_eq!(s.time_zone, "America/Chicago");
    assert_eq!(s.idle_logout_minutes, "30");
    assert_eq!(s.require_admin_mfa, None, "an unticked box is off");
    assert_eq!(s.mon, "08:00-12:00, 13:00-17:00");
    assert_eq!(s.fri, "09:00-12:00");
    assert_eq!(s.tue, "", "an empty day is closed");
    let overview: PracticeInfo = app
        .call(&admin, "practices/overview", &[("practice", &a)])
        .await
        .unwrap();
    assert_eq!(overview.phone_script, "Good morning, this is {assistant}.");

    // Each bad field is refused with a message, and nothing changes.
    for (form, says) in [
        (settings_form(&a, " ", "30", ""), "name"),
        (settings_form(&a, "X", "1", ""), "2 to 480"),
        (settings_form(&a, "X", "30", "17:00-08:00"), "Monday"),
    ] {
        let r = app.call::<()>(&admin, "practices/save_settings", &form).await;
        assert!(
            matches!(&r, Err(AppError::Invalid(m)) if m.contains(says)),
            "{says}: {r:?}"
        );
    }
    // Unknown zones, and those PostgreSQL knows but the server cannot compute with.
    for zone in [
        "Mars/Olympus_Mons",
        "posix/America/Chicago",
        "localtime",
        "Factory",
    ] {
        let mut bad_zone = settings_form(&a, "X", "30", "");
        bad_zone[2] = ("settings[time_zone]", zone);
        let r = app.call::<()>(&admin, "practices/save_settings", &bad_zone).await;
        assert!(
            matches!(&r, Err(AppError::Invalid(m)) if m.contains("time zone")),
            "{zone}: {r:?}"
        );
    }
    let after: PracticeSettings = app
        .call(&admin, "practices/settings", &[("practice", &a)])
        .await
        .unwrap();
    assert_eq!(after, s, "refused saves changed nothing");

    // The change is in the access log with the names of the fields, not their text.
    let detail: String = {
        let mut tx = app::db::begin(&app.pool, &app::db::Scope::All { user: None })
            .await
            .unwrap();
        let (d,): (String,) = sqlx::query_as(
            "SELECT detail::text FROM audit_events WHERE action = 'practice.settings' AND practice_id = $1",
        )
        .bind(w.a)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        d
    };
    assert!(
        detail.contains("phone_script") && detail.contains("business_hours"),
        "{detail}"
    );
    assert!(
        !detail.contains("Good morning"),
        "texts stay out of the log: {detail}"
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn settings_belong_to_the_practice_admins(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let outsiders = [
        w.b_admin.email.as_str(),
        w.a_clinician.email.as_str(),
        w.a_assistant.email.as_str(),
    ];
    assert_refused(&app, &outsiders, "practices/settings", &[("practice", &a)]).await;
    assert_refused(
        &app,
        &outsiders,
        "practices/save_settings",
        &settings_form(&a, "Taken", "30", ""),
    )
    .await;
    assert_needs_sign_in(
        &app,
        "practices/save_settings",
        &settings_form(&a, "Taken", "30", ""),
    )
    .await;
    assert_eq!(
        common::count(&app.pool, "SELECT count(*) FROM practices WHERE name = 'Taken'").await,
        0
    );
    // The agency admin may.
    let agency = app.login(&w.agency.email).await;
    let () = app
        .call(
            &agency,
            "practices/save_settings",
            &settings_form(&a, "By the agency", "20", ""),
        )
        .await
        .unwrap();
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn roles_change_and_people_leave_but_a_practice_keeps_an_admin(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let admin = app.login(&w.a_admin.email).await;
    let clinician_id = w.a_clinician.id.to_string();
    let admin_id = w.a_admin.id.to_string();

    // The only admin cannot step down or leave.
    for (endpoint, form) in [
        (
            "practices/set_role",
            vec![
                ("practice", a.as_str()),
                ("person", admin_id.as_str()),
                ("role", "clinician"),
            ],
        ),
        (
            "practices/remove_member",
            vec![("practice", a.as_str()), ("person", admin_id.as_str())],
        ),
    ] {
        let r = app.call::<()>(&admin, endpoint, &form).await;
        assert!(
            matches!(&r, Err(AppError::Invalid(m)) if m.contains("at least one practice admin")),
            "{r:?}"
        );
    }

    // Promote the clinician; now the first admin may step down.
    let () = app
        .call(
            &admin,
            "practices/set_role",
            &[
                ("practice", &a),
                ("person", &clinician_id),
                ("role", "practice_admin"),
            ],
        )
        .await
        .unwrap();
    let () = app
        .call(
            &admin,
            "practices/set_role",
            &[("practice", &a), ("person", &admin_id), ("role", "clinician")],
        )
        .await
        .unwrap();
    // The one who stepped down is no admin any more: their next call is refused.
    let r = app
        .call::<PracticeSettings>(&admin, "practices/settings", &[("practice", &a)])
        .await;
    assert_eq!(r, Err(AppError::Forbidden));

    // The new admin removes the assistant, whose next request no longer reaches the practice.
    let new_admin = app.login(&w.a_clinician.email).await;
    let assistant = app.login(&w.a_assistant.email).await;
    let assistant_id = w.a_assistant.id.to_string();
    let () = app
        .call(
            &new_admin,
            "practices/remove_member",
            &[("practice", &a), ("person", &assistant_id)],
        )
        .await
        .unwrap();
    let r = app
        .call::<PracticeInfo>(&assistant, "practices/overview", &[("practice", &a)])
        .await;
    assert_eq!(r, Err(AppError::Forbidden));
    assert_eq!(
        common::count(
            &app.pool,
            "SELECT count(*) FROM audit_events WHERE action IN ('member.role', 'member.remove')"
        )
        .await,
        3
    );
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn another_practice_cannot_touch_its_people(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let a = w.a.to_string();
    let b = w.b.to_string();
    let target = w.a_clinician.id.to_string();
    let outsiders = [
        w.b_admin.email.as_str(),
        w.a_clinician.email.as_str(),
        w.a_assistant.email.as_str(),
    ];
    assert_refused(
        &app,
        &outsiders,
        "practices/set_role",
        &[("practice", &a), ("person", &target), ("role", "assistant")],
    )
    .await;
    assert_refused(
        &app,
        &outsiders,
        "practices/remove_member",
        &[("practice", &a), ("person", &target)],
    )
    .await;
    assert_needs_sign_in(
        &app,
        "practices/remove_member",
        &[("practice", &a), ("person", &target)],
    )
    .await;
    // B's admin naming A's member under B's own practice finds nobody there.
    let b_admin = app.login(&w.b_admin.email).await;
    let r = app
        .call::<()>(
            &b_admin,
            "practices/remove_member",
            &[("practice", &b), ("person", &target)],
        )
        .await;
    assert_eq!(r, Err(AppError::NotFound));
    assert_eq!(
        common::count(
            &app.pool,
            &format!("SELECT count(*) FROM memberships WHERE user_id = '{target}' AND role = 'clinician'")
        )
        .await,
        1
    );
    app.close().await;
}
