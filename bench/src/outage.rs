//! How fast a node answers while its database cannot be reached, and how soon it serves
//! again once the database is back: the real application on 127.0.0.1 and a signed-in
//! person, its database connections through a forwarder on 127.0.0.1; then the forwarder
//! stops (connections break and new ones are refused, as when PostgreSQL's host goes away)
//! and later starts again. Prints how long each of 20 page requests, one every 250 ms, took
//! to answer 503, and how long after the database came back the first page was served.
//! `cargo run --release -p bench --bin outage`.

use bench::Failure;
use server::{config::Config, Application};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections from `at` to PostgreSQL until aborted (which ends them all).
async fn forwarder(at: SocketAddr, to: SocketAddr) -> std::io::Result<JoinHandle<()>> {
    let listener = TcpListener::bind(at).await?;
    Ok(tokio::spawn(async move {
        let mut links = tokio::task::JoinSet::new();
        while let Ok((mut client, _)) = listener.accept().await {
            links.spawn(async move {
                if let Ok(mut server) = TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    }))
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = bench::fresh_database("switchboard_bench_outage").await?;

    let postgres: SocketAddr = "127.0.0.1:5432".parse()?;
    let near = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    let mut link = forwarder(near, postgres).await?;
    let mut config = Config::for_tests(url.clone());
    config.demo = true;
    config.database_url = config
        .database_url
        .replace(":5432/", &format!(":{}/", near.port()));
    let app = Application::build(config).await?;
    let pool = app.state().pool.clone();
    let running = app.spawn();
    let addr = running.address;
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("http://{addr}/api/auth/login"))
        .form(&[
            ("email", "maya.okafor@demo.switchboard.test"),
            ("password", app::auth::api::DEMO_PASSWORD),
            ("next", ""),
        ])
        .send()
        .await?;
    if !(login.status().is_success() || login.status().is_redirection()) {
        return Err(format!("login failed: {}", login.status()).into());
    }

    let _ = pool;
    link.abort();
    let _ = (&mut link).await;
    // The person opens their account page.
    let page = || {
        client
            .get(format!("http://{addr}/account"))
            .header("accept", "text/html")
            .send()
    };
    let mut took = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let status = page().await?.status();
        took.push(started.elapsed());
        if status != 503 {
            return Err(format!("expected 503, got {status}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ms: Vec<String> = took
        .iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect();
    println!("503 answers, one every 250 ms (ms): {}", ms.join(" "));
    let mut sorted = took.clone();
    sorted.sort();
    println!(
        "first {:.0} ms, median {:.1} ms, slowest {:.0} ms",
        took[0].as_secs_f64() * 1000.0,
        sorted[sorted.len() / 2].as_secs_f64() * 1000.0,
        sorted[sorted.len() - 1].as_secs_f64() * 1000.0
    );
    let _link = forwarder(near, postgres).await?;
    let back = Instant::now();
    loop {
        let status = page().await?.status();
        if status == 200 {
            break;
        }
        if back.elapsed() > Duration::from_secs(60) {
            return Err("not serving a minute after the database came back".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "serving again {:.1} s after the database took connections again",
        back.elapsed().as_secs_f64()
    );
    running.stop();
    Ok(())
}
