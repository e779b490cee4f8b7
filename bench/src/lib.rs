//! What the benchmarks share.

use sqlx::{Connection, Executor, PgConnection};

pub type Failure = Box<dyn std::error::Error>;

/// A fresh (dropped if it was there) database `name` on `DATABASE_URL`'s server, as a URL the
/// application's start-up creates and migrates; default: the local PostgreSQL.
pub async fn fresh_database(name: &str) -> Result<String, Failure> {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let server = base.rsplit_once('/').map_or(base.as_str(), |(b, _)| b);
    let mut admin = PgConnection::connect(&base).await?;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    admin.close().await?;
    Ok(format!("{server}/{name}"))
}
