//! Resident memory after a burst of sign-ins: 200 correct sign-ins, 50 at a time, against
//! the real application on 127.0.0.1 (in this process, so its resident set is the
//! server's plus a small HTTP client). Each password check needs argon2's 19 MiB; what
//! matters is what the process keeps afterwards.
//! `cargo run --release -p bench --bin signin-memory`.

use bench::Failure;
use futures::StreamExt;
use server::{config::Config, Application};

use std::time::Instant;

const PASSWORD: &str = "benchmark-password";
const PEOPLE: usize = 50;
const SIGN_INS: usize = 200;
const AT_ONCE: usize = 50;

/// This process's resident set, in MB (Linux).
fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = bench::fresh_database("switchboard_bench_signin").await?;

    let mut config = Config::for_tests(url.clone());
    config.pool_size = 20;
    // Each sign-in comes from its own client (through a trusted proxy on 127.0.0.1), as a
    // burst from many people would: attempts still being checked count against their
    // address's limit, so 50 at once from one address would mostly be refused.
    config.trusted_proxies = vec!["127.0.0.1".parse()?];
    let app = Application::build(config).await?;
    let pool = app.state().pool.clone();
    let hash = app::auth::password::hash(PASSWORD.into()).await?;
    {
        let mut tx = app::db::begin(&pool, &app::db::Scope::All { user: None }).await?;
        for i in 0..PEOPLE {
            let (email, name) = (format!("person{i}@example.test"), format!("Person {i}"));
            app::auth::db::create_account(&mut tx, &email, &name, Some(&hash)).await?;
        }
        tx.commit().await?;
    }
    let running = app.spawn();
    let addr = running.address;
    let before = resident_mb();

    let started = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(0..SIGN_INS)
        .map(|i| async move {
            let client = reqwest::Client::new();
            client
                .post(format!("http://{addr}/api/auth/login"))
                .header("x-forwarded-for", format!("10.0.{}.{}", i / 250, i % 250 + 1))
                .form(&[
                    ("email", format!("person{}@example.test", i % PEOPLE)),
                    ("password", PASSWORD.to_string()),
                    ("next", String::new()),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let took = started.elapsed();
    let after = resident_mb();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let rested = resident_mb();
    let ok = statuses.iter().filter(|s| matches!(s, 200 | 302 | 303)).count();
    println!(
        "{SIGN_INS} sign-ins, {AT_ONCE} at a time: {ok} signed in in {:.1} s ({:.0} per second), {} password workers",
        took.as_secs_f64(),
        SIGN_INS as f64 / took.as_secs_f64(),
        app::auth::password::workers()
    );
    println!("resident memory: {before:.0} MB before, {after:.0} MB right after, {rested:.0} MB 2 s later");
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    for s in &statuses {
        *by_status.entry(*s).or_default() += 1;
    }
    println!("answers by status: {by_status:?}");
    running.stop();
    pool.close().await;
    Ok(())
}
