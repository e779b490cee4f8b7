//! What the benchmarks share.

use futures::StreamExt;
use sqlx::{Connection, Executor, PgConnection};
use std::time::Instant;

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

/// Sends `requests` requests, `concurrency` at a time; returns the latencies (ms) and the
/// wall time (s).
pub async fn run(
    client: &reqwest::Client,
    concurrency: usize,
    requests: usize,
    make: impl Fn(usize) -> (String, serde_json::Value),
) -> Result<(Vec<f64>, f64), Failure> {
    let started = Instant::now();
    let results: Vec<Result<f64, String>> = futures::stream::iter(0..requests)
        .map(|i| {
            let (url, body) = make(i);
            let client = client.clone();
            async move {
                let t = Instant::now();
                let res = client
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = res.status();
                let _ = res.bytes().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("status {status}"));
                }
                Ok(t.elapsed().as_secs_f64() * 1000.0)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut ms = Vec::with_capacity(requests);
    for r in results {
        ms.push(r?);
    }
    ms.sort_by(f64::total_cmp);
    Ok((ms, started.elapsed().as_secs_f64()))
}

pub fn report(what: &str, concurrency: usize, (ms, wall): &(Vec<f64>, f64)) {
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{what}, {concurrency} concurrent: p50 {:.2} ms, p99 {:.2} ms, {:.0} requests/s ({} requests)",
        pct(0.50),
        pct(0.99),
        ms.len() as f64 / wall,
        ms.len()
    );
}
