//! Notifications: written in the transaction of the change that causes them, read and
//! marked only by their person, never seen from another practice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::db::{begin, Scope};
use app::error::AppError;
use app::model::{PracticeId, UserId};
use app::notifications::model::Bell;
use common::TestApp;
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn bell(app: &TestApp, client: &reqwest::Client) -> Bell {
    app.call(client, "notifications/bell", &[]).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_role_change_notifies_the_person_who_marks_it_read(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let assistant = app.login(&w.a_assistant.email).await;
    assert_eq!(bell(&app, &assistant).await, Bell::default());

    let admin = app.login(&w.a_admin.email).await;
    let set = |role: &'static str| {
        let (a, person) = (w.a.to_string(), w.a_assistant.id.to_string());
        let admin = admin.clone();
        let app = &app;
        async move {
            let r: Result<(), AppError> = app
                .call(
                    &admin,
                    "practices/set_role",
                    &[("practice", &a), ("person", &person), ("role", role)],
                )
                .await;
            r.unwrap();
        }
    };
    set("clinician").await;
    set("clinician").await; // no change, no notice
    set("assistant").await;

    let got = bell(&app, &assistant).await;
    assert_eq!(got.unread, 2);
    let texts: Vec<_> = got.latest.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["Your role is now Assistant.", "Your role is now Clinician."]
    );
    assert!(got
        .latest
        .iter()
        .all(|n| n.link == format!("/p/{}/inbox", w.a) && n.practice_name == "Practice A"));
    // The admin who made the change is not notified of it.
    assert_eq!(bell(&app, &admin).await.unread, 0);

    // Marking one, then all.
    let one: Bell = app
        .call_json(
            &assistant,
            "notifications/read",
            json!({ "ids": [got.latest[1].id] }),
        )
        .await
        .unwrap();
    assert_eq!(one.unread, 1);
    assert!(one.latest[1].read && !one.latest[0].read);
    // Someone else marking it changes nothing.
    let other: Bell = app
        .call_json(&admin, "notifications/read", json!({ "ids": [got.latest[0].id] }))
        .await
        .unwrap();
    assert_eq!(other.unread, 0);
    assert_eq!(bell(&app, &assistant).await.unread, 1);
    let all: Bell = app
        .call_json(&assistant, "notifications/read", json!({ "ids": null }))
        .await
        .unwrap();
    assert_eq!(all.unread, 0);
    let too_many: Result<Bell, AppError> = app
        .call_json(
            &assistant,
            "notifications/read",
            json!({ "ids": vec![uuid::Uuid::nil(); 201] }),
        )
        .await;
    assert!(matches!(too_many, Err(AppError::Invalid(_))), "{too_many:?}");
    app.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_inviter_hears_that_the_invited_person_joined(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let admin = app.login(&w.a_admin.email).await;
    let a = w.a.to_string();
    let invite = [
        ("practice", a.as_str()),
        ("email", "nora@example.test"),
        ("display_name", "Nora Quinn"),
        ("role", "assistant"),
    ];
    let () = app.call(&admin, "practices/invite", &invite).await.unwrap();
    let body: String = {
        let mut tx = begin(&app.pool, &Scope::All { user: None }).await.unwrap();
        let (b,): (String,) =
            sqlx::query_as("SELECT body_text FROM mail_outbox WHERE to_address = 'nora@example.test'")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        b
    };
    let token = body
        .lines()
        .find(|l| l.contains("/invite/"))
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let password = "a long enough password";
    let () = app
        .call(
            &app.client(),
            "practices/accept_invitation",
            &[
                ("token", token.as_str()),
                ("password", password),
                ("confirm", password),
            ],
        )
        .await
        .unwrap();
    let got = bell(&app, &admin).await;
    assert_eq!(got.unread, 1);
    assert_eq!(got.latest[0].text, "Nora Quinn joined as assistant.");
    assert_eq!(got.latest[0].link, format!("/p/{}/admin", w.a));
    app.close().await;
}

/// A notice for `to` in `practice`, written by the transaction's person.
async fn write_notice(
    tx: &mut app::db::Tx,
    practice: PracticeId,
    to: UserId,
    link: &str,
) -> Result<(), sqlx::Error> {
    let notice = app::notifications::db::Notice {
        practice,
        to,
        topic: app::notifications::model::Topic::RoleChanged,
        text: "A notice.",
        link,
    };
    app::notifications::db::notify(tx, notice).await.map(|_| ())
}

#[sqlx::test(migrations = "../migrations")]
async fn nobody_reads_another_person_s_notifications(_: PgPoolOptions, conn: PgConnectOptions) {
    let app = TestApp::spawn(conn).await;
    let w = common::world(&app.pool).await;
    let colleague = Scope::person(w.a_clinician.id, [w.a]);
    let mut tx = begin(&app.pool, &colleague).await.unwrap();
    write_notice(&mut tx, w.a, w.a_assistant.id, "/p/x/inbox")
        .await
        .unwrap();
    // The colleague who wrote it cannot read it back, nor mark it.
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
    let marked = sqlx::query("UPDATE notifications SET read_at = now()")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(marked.rows_affected(), 0);
    tx.commit().await.unwrap();
    // Another practice cannot even write one for A.
    let mut tx = begin(&app.pool, &Scope::person(w.b_admin.id, [w.b]))
        .await
        .unwrap();
    assert!(write_notice(&mut tx, w.a, w.a_assistant.id, "/p/x/inbox")
        .await
        .is_err());
    drop(tx);
    // The assistant reads theirs; a link outside the app is refused by the table.
    let assistant = app.login(&w.a_assistant.email).await;
    assert_eq!(bell(&app, &assistant).await.unread, 1);
    let mut tx = begin(&app.pool, &colleague).await.unwrap();
    assert!(
        write_notice(&mut tx, w.a, w.a_assistant.id, "https://evil.example/")
            .await
            .is_err()
    );
    app.close().await;
}
