//! Starting: any number of app nodes may start at once, on a database that does not exist
//! yet or an empty one with the demo to seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use server::{config::Config, Application};
use sqlx::migrate::MigrateDatabase;
use sqlx::{Connection, Postgres};

/// The test server's address with another database name.
fn database_url(name: &str) -> String {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (server, _) = base.rsplit_once('/').expect("a database URL");
    format!("{server}/{name}")
}

async fn drop_database(url: &str, name: &str) {
    let mut conn = sqlx::PgConnection::connect(&database_url("postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(!Postgres::database_exists(url).await.unwrap());
}

#[tokio::test]
async fn three_nodes_starting_at_once_on_a_missing_database_all_start_and_seed_once() {
    server::telemetry::init();
    let name = format!("sb_start_{}", uuid::Uuid::new_v4().simple());
    let url = database_url(&name);
    let node = || {
        let mut config = Config::for_tests(url.clone());
        config.demo = true;
        Application::build(config)
    };
    let (one, two, three) = tokio::join!(node(), node(), node());
    let nodes: Vec<Application> = [one, two, three]
        .into_iter()
        .map(|n| n.unwrap_or_else(|e| panic!("a node failed to start: {e}")))
        .collect();
    let pool = nodes[0].state().pool.clone();
    let mut tx = app::db::begin(&pool, &app::db::Scope::All { user: None })
        .await
        .unwrap();
    let (practices, people): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM practices), (SELECT count(*) FROM users)")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(practices, 3, "the demo's three practices, seeded once");
    assert!(people > 3);
    // Stopping the nodes ends their background work (the realtime listener holds a pooled
    // connection until then), so their pools can close.
    let pools: Vec<sqlx::PgPool> = nodes.iter().map(|n| n.state().pool.clone()).collect();
    drop(nodes);
    for p in pools {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), p.close()).await;
    }
    drop_database(&url, &name).await;
}

#[tokio::test]
async fn a_node_makes_its_own_login_and_refuses_to_serve_through_the_owners() {
    server::telemetry::init();
    let name = format!("sb_login_{}", uuid::Uuid::new_v4().simple());
    let url = database_url(&name);

    // Serving through the owner (a superuser) is refused, and says what to do.
    let mut config = Config::for_tests(url.clone());
    config.database_url = url.clone();
    let Err(refused) = Application::build(config).await else {
        panic!("a node served through a superuser login");
    };
    let refused = refused.to_string();
    assert!(
        refused.contains("superuser") && refused.contains("DATABASE_OWNER_URL"),
        "{refused}"
    );

    // A login that does not exist yet is made at start, with the URL's password, and owns
    // nothing, bypasses nothing.
    let login = name.replace("sb_login_", "sb_app_");
    let mut config = Config::for_tests(url.clone());
    config.database_url = {
        let mut u = url::Url::parse(&url).unwrap();
        u.set_username(&login).unwrap();
        u.set_password(Some("s3cret@pass")).unwrap();
        u.to_string()
    };
    let node = Application::build(config)
        .await
        .unwrap_or_else(|e| panic!("a node failed to start: {e}"));
    let pool = node.state().pool.clone();
    let (who, super_, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT session_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = session_user",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(who, login);
    assert!(!super_ && !bypass);
    drop(node);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), pool.close()).await;
    drop_database(&url, &name).await;
    let mut conn = sqlx::PgConnection::connect(&database_url("postgres"))
        .await
        .unwrap();
    let (stored,): (bool,) =
        sqlx::query_as("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = $1")
            .bind(&login)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(stored, "the URL's password was given to the login");
    sqlx::query(&format!("DROP ROLE {login}"))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_database_can_be_reached_over_tls() {
    let url = format!("{}?sslmode=require", database_url("postgres"));
    let mut plain = sqlx::PgConnection::connect(&database_url("postgres"))
        .await
        .unwrap();
    let (server_has_tls,): (String,) = sqlx::query_as("SHOW ssl").fetch_one(&mut plain).await.unwrap();
    let secured = sqlx::PgConnection::connect(&url).await;
    if server_has_tls != "on" {
        // A server without TLS is refused, never used in the clear.
        assert!(secured.is_err(), "sslmode=require connected without TLS");
        return;
    }
    let mut secured = secured.unwrap_or_else(|e| panic!("sslmode=require: {e}"));
    let (encrypted,): (bool,) = sqlx::query_as("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut secured)
        .await
        .unwrap();
    assert!(encrypted);
}
