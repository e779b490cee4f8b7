//! Task benchmark. Claims: 50 concurrent claimers taking the most urgent task from a queue of
//! 100,000 (each claim its own transaction, as "Take next" runs it), counted for double
//! claims; then the same through the real server function over HTTP. The inbox: an assistant
//! of 6 practices with 10,000 open tasks, `inbox/items` (and `tasks/list`) at 1 and at 20
//! concurrent requests, beside the bare SQL of its tasks (EXPLAIN ANALYZE).
//! `cargo run --release -p bench --bin task-claims`.

use app::db::{begin, Scope};
use app::model::{PracticeId, UserId};
use bench::Failure;
use server::{config::Config, Application};
use sqlx::{Connection, PgConnection};
use std::time::Instant;

const PASSWORD: &str = "benchmark-password";
const QUEUE: i64 = 100_000;
const INBOX_TASKS: i64 = 10_000;
const CLAIMERS: usize = 50;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = bench::fresh_database("switchboard_tasks_bench").await?;
    let mut config = Config::for_tests(url.clone());
    config.pool_size = 60;
    let app = Application::build(config).await?;
    let running = app.spawn();
    // The benchmark's own pool: transactions opened exactly as the application opens them.
    let pool = app::db::connect(url.parse()?, 60).await?;
    let addr = running.address;

    let started = Instant::now();
    let (assistant, reader, queue, practices) = seed(&url).await?;
    println!(
        "seeded {} tasks in {:.1} s",
        QUEUE + INBOX_TASKS,
        started.elapsed().as_secs_f64()
    );

    // Claims in the database: 50 loops, each taking the next task until 20,000 are taken.
    let target = 20_000usize;
    let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let loops = (0..CLAIMERS).map(|_| {
        let (pool, taken) = (pool.clone(), taken.clone());
        tokio::spawn(async move {
            while taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < target {
                let mut tx = begin(&pool, &Scope::person(assistant, [queue])).await?;
                app::tasks::db::take_next(&mut tx, &[queue], assistant).await?;
                tx.commit().await?;
            }
            Ok::<(), sqlx::Error>(())
        })
    });
    for r in futures::future::join_all(loops).await {
        r??;
    }
    let secs = t.elapsed().as_secs_f64();
    let mut c = PgConnection::connect(&url).await?;
    let (claimed, distinct): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT id) FROM tasks WHERE practice_id = $1 AND status = 'in_progress'",
    )
    .bind(queue)
    .fetch_one(&mut c)
    .await?;
    println!(
        "claims in the database, {CLAIMERS} concurrent: {:.0} claims/s ({claimed} claimed, {} double)",
        claimed as f64 / secs,
        claimed - distinct
    );

    let client = sign_in(addr, "bench.assistant@example.test").await?;

    // The same claims through `tasks/next` (session, role check, history, access log, event).
    let next = bench::run(&client, CLAIMERS, 5_000, |_| {
        (
            format!("http://{addr}/api/tasks/next"),
            serde_json::json!({ "practices": [queue] }),
        )
    })
    .await?;
    bench::report("tasks/next over HTTP", CLAIMERS, &next);
    let (after,): (i64,) =
        sqlx::query_as("SELECT count(*) - count(DISTINCT id) FROM tasks WHERE status = 'in_progress'")
            .fetch_one(&mut c)
            .await?;
    println!("double claims after both: {after}");

    // The inbox of an assistant of six practices, 10,000 open tasks among them.
    let client = sign_in(addr, "bench.inbox@example.test").await?;
    let mut tx = begin(&pool, &Scope::person(reader, practices.iter().copied())).await?;
    let plan: Vec<(String,)> = sqlx::query_as(&format!(
        "EXPLAIN (ANALYZE, FORMAT TEXT) {}",
        app::tasks::db::inbox_sql()
    ))
    .bind(&practices)
    .bind(reader)
    .bind(&practices)
    .fetch_all(&mut *tx)
    .await?;
    let bare = plan
        .iter()
        .find_map(|(l,)| l.strip_prefix("Execution Time: "))
        .unwrap_or("?");
    println!("bare SQL of the inbox's tasks (EXPLAIN ANALYZE, row security on): {bare}");
    let t = Instant::now();
    let mut rows = 0;
    for _ in 0..50 {
        rows = app::tasks::db::inbox(&mut tx, &practices, &practices, reader)
            .await?
            .len();
    }
    println!(
        "the inbox's task query with decoding, in the database: {:.2} ms ({rows} rows)",
        t.elapsed().as_secs_f64() * 1000.0 / 50.0
    );
    tx.rollback().await?;
    for (endpoint, body) in [
        ("inbox/items", serde_json::json!({})),
        ("tasks/list", serde_json::json!({ "which": "open" })),
    ] {
        for concurrency in [1usize, 20] {
            let cpu = cpu_seconds();
            let got = bench::run(&client, concurrency, 500, |_| {
                (format!("http://{addr}/api/{endpoint}"), body.clone())
            })
            .await?;
            let per = (cpu_seconds() - cpu) * 1000.0 / got.0.len() as f64;
            bench::report(&format!("{endpoint} (6 practices)"), concurrency, &got);
            println!("  CPU of this process (server and client) per request: {per:.2} ms");
        }
    }
    running.stop();
    Ok(())
}

async fn sign_in(addr: std::net::SocketAddr, email: &str) -> Result<reqwest::Client, Failure> {
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("http://{addr}/api/auth/login"))
        .form(&[("email", email), ("password", PASSWORD), ("next", "")])
        .send()
        .await?;
    if !(login.status().is_success() || login.status().is_redirection()) {
        return Err(format!("login failed: {}", login.status()).into());
    }
    Ok(client)
}

/// This process's CPU time so far (user and system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// A queue practice of 100,000 tasks worked by one assistant, and six practices with 10,000
/// open tasks among them whose assistant reads the inbox; a clinician asked for everything.
/// Written as the database owner in bulk (the application's rules are not what is measured).
async fn seed(url: &str) -> Result<(UserId, UserId, PracticeId, Vec<PracticeId>), Failure> {
    let hash = app::auth::password::hash(PASSWORD.into())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut c = PgConnection::connect(url).await?;
    let mut person = async |email: &str, password: bool| -> Result<UserId, sqlx::Error> {
        let (id,): (UserId,) =
            sqlx::query_as("INSERT INTO users (email, display_name) VALUES ($1, $1) RETURNING id")
                .bind(email)
                .fetch_one(&mut c)
                .await?;
        if password {
            sqlx::query("INSERT INTO credentials (user_id, password_hash) VALUES ($1, $2)")
                .bind(id)
                .bind(&hash)
                .execute(&mut c)
                .await?;
        }
        Ok(id)
    };
    let claimer = person("bench.assistant@example.test", true).await?;
    let reader = person("bench.inbox@example.test", true).await?;
    let clinician = person("bench.clinician@example.test", false).await?;
    let mut practices = Vec::new();
    for i in 0..7 {
        let (p,): (PracticeId,) = sqlx::query_as(
            "INSERT INTO practices (name, time_zone) VALUES ($1, 'America/New_York') RETURNING id",
        )
        .bind(format!("Benchmark Clinic {i}"))
        .fetch_one(&mut c)
        .await?;
        let worker = if i == 0 { claimer } else { reader };
        sqlx::query("INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, 'assistant'), ($1, $3, 'clinician')")
            .bind(p)
            .bind(worker)
            .bind(clinician)
            .execute(&mut c)
            .await?;
        let n = if i == 0 {
            QUEUE
        } else {
            INBOX_TASKS / 6 + i64::from(i == 1) * (INBOX_TASKS % 6)
        };
        sqlx::query(
            "INSERT INTO tasks (practice_id, number, queue_id, type_id, title, priority, due_at, creator_id)
             SELECT $1, g, q.id, t.id, 'Call back ' || g,
                    (ARRAY['routine','soon','urgent','emergency']::task_priority[])[1 + g % 4],
                    now() + g * interval '1 minute', $3
             FROM generate_series(1, $2) g,
                  (SELECT id FROM task_queues WHERE practice_id = $1 AND is_default) q,
                  (SELECT id FROM task_types WHERE practice_id = $1 AND name = 'Call-back') t",
        )
        .bind(p)
        .bind(n)
        .bind(clinician)
        .execute(&mut c)
        .await?;
        sqlx::query("UPDATE task_counters SET last_number = $2 WHERE practice_id = $1")
            .bind(p)
            .bind(n)
            .execute(&mut c)
            .await?;
        practices.push(p);
    }
    sqlx::query("ANALYZE").execute(&mut c).await?;
    c.close().await?;
    let queue = practices.remove(0);
    Ok((claimer, reader, queue, practices))
}
