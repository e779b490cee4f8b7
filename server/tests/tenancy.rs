//! Row-level security itself, below any application check: a transaction scoped to one
//! practice cannot see, insert or change another practice's rows, and the audit log cannot
//! be rewritten.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::db::{begin, Scope};
use app::model::Role;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn a_practice_scope_sees_and_changes_none_of_another_practices_rows(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let pool = common::app_pool(&conn, 2).await;
    let w = common::world(&pool).await;
    let mut tx = begin(&pool, &Scope::person(w.a_admin.id, [w.a])).await.unwrap();

    // No WHERE clause: only practice A comes back.
    let practices: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM practices")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(practices, vec![(w.a.0,)]);
    let members: Vec<(Uuid,)> = sqlx::query_as("SELECT practice_id FROM memberships")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert!(
        !members.is_empty() && members.iter().all(|(p,)| *p == w.a.0),
        "{members:?}"
    );

    // Updates of B's rows touch nothing.
    let changed = sqlx::query("UPDATE practices SET name = 'hijacked' WHERE id = $1")
        .bind(w.b)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    let changed = sqlx::query("UPDATE memberships SET role = 'practice_admin'")
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 3, "only A's three memberships");

    // Inserting into B is refused by the policy.
    let insert = sqlx::query("INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(w.b)
        .bind(w.a_assistant.id)
        .bind(Role::Assistant)
        .execute(&mut *tx)
        .await;
    let err = insert.expect_err("insert into another practice must fail");
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // B is untouched.
    let mut tx = begin(&pool, &Scope::All { user: None }).await.unwrap();
    let (name,): (String,) = sqlx::query_as("SELECT name FROM practices WHERE id = $1")
        .bind(w.b)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(name, "Practice B");
    tx.rollback().await.unwrap();
    pool.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn rls_holds_even_when_the_connection_is_a_superuser(_: PgPoolOptions, conn: PgConnectOptions) {
    // A plain pool of the superuser in DATABASE_URL, without the app's after-connect hook:
    // `begin` still switches to the application role for the transaction.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(conn)
        .await
        .unwrap();
    let w = common::world(&pool).await;
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.b])).await.unwrap();
    let (role,): (String,) = sqlx::query_as("SELECT current_user::text")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(role, "switchboard_app");
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM practices WHERE id = $1")
        .bind(w.a)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(count, 0);
    tx.rollback().await.unwrap();
    pool.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn no_scope_sees_no_practice(_: PgPoolOptions, conn: PgConnectOptions) {
    let pool = common::app_pool(&conn, 2).await;
    common::world(&pool).await;
    let mut tx = begin(&pool, &Scope::Anonymous).await.unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM practices")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(count, 0);
    tx.rollback().await.unwrap();
    pool.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_audit_log_is_append_only(_: PgPoolOptions, conn: PgConnectOptions) {
    let pool = common::app_pool(&conn, 2).await;
    let w = common::world(&pool).await;
    let mut tx = begin(&pool, &Scope::person(w.a_admin.id, [w.a])).await.unwrap();
    app::audit::db::record(
        &mut tx,
        app::audit::db::Event {
            practice: Some(w.a),
            actor: Some(w.a_admin.id),
            ..app::audit::db::Event::new(app::audit::model::Action::PracticeSettings)
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    for statement in [
        "UPDATE audit_events SET action = 'rewritten'",
        "DELETE FROM audit_events",
    ] {
        let mut tx = begin(&pool, &Scope::All { user: None }).await.unwrap();
        let result = sqlx::query(statement).execute(&mut *tx).await;
        assert!(result.is_err(), "{statement} must be refused");
        tx.rollback().await.unwrap();
    }
    // Not even the owner may rewrite it: the trigger refuses everyone.
    let mut owner = sqlx::PgConnection::connect_with(&conn).await.unwrap();
    let result = sqlx::query("UPDATE audit_events SET action = 'rewritten'")
        .execute(&mut owner)
        .await;
    assert!(result.unwrap_err().to_string().contains("append-only"));

    // Another practice cannot read it.
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.b])).await.unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM audit_events")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(count, 0);
    tx.rollback().await.unwrap();
    pool.close().await;
}

use sqlx::Connection;

#[sqlx::test(migrations = "../migrations")]
async fn one_persons_recovery_codes_are_out_of_anothers_reach(_: PgPoolOptions, conn: PgConnectOptions) {
    let pool = common::app_pool(&conn, 2).await;
    let w = common::world(&pool).await;
    let owner = common::owner_pool(&conn).await;
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, '\\x01'), ($2, '\\x02')")
        .bind(w.a_admin.id)
        .bind(w.b_admin.id)
        .execute(&owner)
        .await
        .unwrap();
    // B's admin, even scoped to practice A's id, sees and changes only their own codes.
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.a])).await.unwrap();
    let seen: Vec<(Uuid,)> = sqlx::query_as("SELECT user_id FROM recovery_codes")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, vec![(w.b_admin.id.0,)]);
    let used = sqlx::query("UPDATE recovery_codes SET used_at = now() WHERE user_id = $1")
        .bind(w.a_admin.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(used.rows_affected(), 0);
    let insert = sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, '\\x03')")
        .bind(w.a_admin.id)
        .execute(&mut *tx)
        .await;
    assert!(insert.is_err(), "planting a code for someone else is refused");
    tx.rollback().await.unwrap();
    // Nobody signed in sees any.
    let mut tx = begin(&pool, &Scope::Anonymous).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM recovery_codes")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn undoing_the_transactions_role_gives_no_more_than_it(_: PgPoolOptions, conn: PgConnectOptions) {
    let pool = common::app_pool(&conn, 2).await;
    let w = common::world(&pool).await;
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.b])).await.unwrap();
    sqlx::query("RESET ROLE").execute(&mut *tx).await.unwrap();
    let (who,): (String,) = sqlx::query_as("SELECT current_user::text")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(who, server::config::TEST_LOGIN, "back on the application's login");
    let practices: Vec<(Uuid,)> = sqlx::query_as("SELECT id FROM practices")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(practices, vec![(w.b.0,)], "still only the transaction's practice");
    tx.rollback().await.unwrap();
    // Nor can it become anyone else.
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.b])).await.unwrap();
    let become_owner = sqlx::query("SET ROLE postgres").execute(&mut *tx).await;
    assert!(become_owner.is_err(), "the login cannot take the owner's role");
    tx.rollback().await.unwrap();
    pool.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn credentials_are_out_of_reach_of_every_scope_but_their_persons(
    _: PgPoolOptions,
    conn: PgConnectOptions,
) {
    let pool = common::app_pool(&conn, 2).await;
    let w = common::world(&pool).await;
    let scopes = [
        Scope::person(w.b_admin.id, [w.b]),
        // Even naming practice A's id, or every practice (the agency), or none.
        Scope::person(w.b_admin.id, [w.a, w.b]),
        Scope::All {
            user: Some(w.b_admin.id),
        },
    ];
    for scope in scopes {
        let mut tx = begin(&pool, &scope).await.unwrap();
        let seen: Vec<(Uuid,)> = sqlx::query_as("SELECT user_id FROM credentials")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, vec![(w.b_admin.id.0,)], "{scope:?}: only the person's own");
        let changed = sqlx::query("UPDATE credentials SET password_hash = 'planted' WHERE user_id = $1")
            .bind(w.a_admin.id)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(changed.rows_affected(), 0, "{scope:?}");
        tx.rollback().await.unwrap();
    }
    for scope in [
        Scope::Anonymous,
        Scope::All { user: None },
        Scope::Link { practice: w.a },
    ] {
        let mut tx = begin(&pool, &scope).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM credentials")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{scope:?}");
        tx.rollback().await.unwrap();
    }
    // Giving a password to an account that has none (an invited person) is theirs alone.
    let mut tx = begin(&pool, &Scope::All { user: None }).await.unwrap();
    let invited = app::auth::db::create_account(&mut tx, "invited@example.test", "Invited", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.a, w.b]))
        .await
        .unwrap();
    let plant = sqlx::query("INSERT INTO credentials (user_id, password_hash) VALUES ($1, 'planted')")
        .bind(invited)
        .execute(&mut *tx)
        .await;
    assert!(plant.unwrap_err().to_string().contains("row-level security"));
    tx.rollback().await.unwrap();
    // The hashes are no longer where everyone reads names.
    let mut tx = begin(&pool, &Scope::person(w.b_admin.id, [w.b])).await.unwrap();
    assert!(sqlx::query("SELECT password_hash FROM users")
        .execute(&mut *tx)
        .await
        .is_err());
    tx.rollback().await.unwrap();
    pool.close().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn an_audit_event_names_no_actor_but_the_transactions_person(_: PgPoolOptions, conn: PgConnectOptions) {
    let pool = common::app_pool(&conn, 2).await;
    let w = common::world(&pool).await;
    let event = |actor| app::audit::db::Event {
        practice: Some(w.a),
        actor: Some(actor),
        ..app::audit::db::Event::new(app::audit::model::Action::PracticeSettings)
    };
    let mut tx = begin(&pool, &Scope::person(w.a_assistant.id, [w.a]))
        .await
        .unwrap();
    let blamed = app::audit::db::record(&mut tx, event(w.a_admin.id)).await;
    assert!(
        blamed.unwrap_err().to_string().contains("row-level security"),
        "an event blaming someone else is refused"
    );
    tx.rollback().await.unwrap();
    let mut tx = begin(&pool, &Scope::person(w.a_assistant.id, [w.a]))
        .await
        .unwrap();
    app::audit::db::record(&mut tx, event(w.a_assistant.id))
        .await
        .unwrap();
    app::audit::db::record(
        &mut tx,
        app::audit::db::Event {
            practice: Some(w.a),
            ..app::audit::db::Event::new(app::audit::model::Action::AuthResetRequested)
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
}
