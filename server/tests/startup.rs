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
