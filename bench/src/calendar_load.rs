//! Calendar load benchmark: a practice with 20 providers and 100,000 appointments over two
//! years; p50/p99 of the week view and of the free-slot search (20 providers, 4 weeks) at 1
//! and at 100 concurrent requests, measured over HTTP against the real application on
//! 127.0.0.1 (release build). `cargo run --release -p bench --bin calendar-load`.

use bench::Failure;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use server::{config::Config, Application};
use sqlx::{Connection, PgConnection};
use std::time::Instant;

const PROVIDERS: i32 = 20;
const PER_DAY: i32 = 10;
const PASSWORD: &str = "benchmark-password";

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let url = bench::fresh_database("switchboard_bench").await?;

    let mut config = Config::for_tests(url.clone());
    config.pool_size = 20;
    let app = Application::build(config).await?;
    let running = app.spawn();
    let addr = running.address;

    let started = Instant::now();
    let (practice, type_id) = seed(&url).await?;
    println!(
        "seeded {} appointments in {:.1} s",
        count(&url).await?,
        started.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("http://{addr}/api/auth/login"))
        .form(&[
            ("email", "bench.assistant@example.test"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await?;
    if !(login.status().is_success() || login.status().is_redirection()) {
        return Err(format!("login failed: {}", login.status()).into());
    }
    let today = Utc::now().date_naive();
    let monday = today - Duration::days(today.weekday().num_days_from_monday().into());
    let week = |i: usize| monday + Duration::weeks(i as i64 % 52 - 26);

    for concurrency in [1usize, 100] {
        let requests = if concurrency == 1 { 300 } else { 1000 };
        let view = bench::run(&client, concurrency, requests, |i| {
            (
                format!("http://{addr}/api/calendar/view"),
                serde_json::json!({ "practice": practice, "first_day": week(i), "days": 7 }),
            )
        })
        .await?;
        bench::report("week view (20 providers)", concurrency, &view);
        let slots = bench::run(&client, concurrency, requests, |i| {
            let from: NaiveDate = today + Duration::days((i % 60) as i64);
            (
                format!("http://{addr}/api/calendar/slots"),
                serde_json::json!({ "practice": practice, "type_id": type_id, "providers": [],
                                    "from": from, "to": from + Duration::days(27) }),
            )
        })
        .await?;
        bench::report("free-slot search (20 providers, 4 weeks)", concurrency, &slots);
    }
    running.stop();
    Ok(())
}

async fn count(url: &str) -> Result<i64, Failure> {
    let mut conn = PgConnection::connect(url).await?;
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM entries")
        .fetch_one(&mut conn)
        .await?;
    Ok(n)
}

/// The practice, its providers' weekly hours (Mon-Fri 08:00-17:00), 5,000 patients and ten
/// appointments a provider and working day over two years around today, with their claims.
/// Written as the database owner in bulk (the application's rules are not what is measured).
async fn seed(url: &str) -> Result<(uuid_like::Id, uuid_like::Id), Failure> {
    let hash = app::auth::password::hash(PASSWORD.into())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut c = PgConnection::connect(url).await?;
    let (practice,): (uuid_like::Id,) = sqlx::query_as(
        "INSERT INTO practices (name, time_zone) VALUES ('Benchmark Clinic', 'America/New_York') RETURNING id",
    )
    .fetch_one(&mut c)
    .await?;
    sqlx::query(
        "WITH u AS (INSERT INTO users (email, display_name)
                    SELECT 'bench.clinician' || i || '@example.test', 'Clinician ' || i
                    FROM generate_series(1, $3) i RETURNING id),
              c AS (INSERT INTO credentials (user_id, password_hash) SELECT id, $2 FROM u)
         INSERT INTO memberships (practice_id, user_id, role) SELECT $1, id, 'clinician' FROM u",
    )
    .bind(practice)
    .bind(&hash)
    .bind(PROVIDERS)
    .execute(&mut c)
    .await?;
    sqlx::query(
        "WITH u AS (INSERT INTO users (email, display_name)
                    VALUES ('bench.assistant@example.test', 'Bench Assistant') RETURNING id),
              c AS (INSERT INTO credentials (user_id, password_hash) SELECT id, $2 FROM u)
         INSERT INTO memberships (practice_id, user_id, role) SELECT $1, id, 'assistant' FROM u",
    )
    .bind(practice)
    .bind(&hash)
    .execute(&mut c)
    .await?;
    let (type_id,): (uuid_like::Id,) = sqlx::query_as(
        "INSERT INTO appointment_types (practice_id, name, minutes, buffer_after_minutes)
         VALUES ($1, 'Visit', 20, 5) RETURNING id",
    )
    .bind(practice)
    .fetch_one(&mut c)
    .await?;
    let statements = [
        "INSERT INTO availability_ranges (practice_id, provider_id, weekday, starts, ends, valid_from, created_by)
         SELECT $1, m.user_id, wd, '08:00', '17:00', current_date - 400, m.user_id
         FROM memberships m, generate_series(1, 5) wd WHERE m.practice_id = $1 AND m.role = 'clinician'",
        "INSERT INTO patients (practice_id, full_name) SELECT $1, 'Patient ' || i FROM generate_series(1, 5000) i",
        "INSERT INTO entries (practice_id, kind, patient_id, type_id, provider_id, starts_at, ends_at,
                              buffer_after_minutes, created_by)
         SELECT $1, 'appointment', p.id, $2, m.user_id, s.t, s.t + interval '20 minutes', 5, m.user_id
         FROM memberships m
         CROSS JOIN generate_series(current_date - 365, current_date + 365, interval '1 day') d
         CROSS JOIN generate_series(0, $3 - 1) k
         CROSS JOIN LATERAL (SELECT ((d::date + time '08:00' + k * interval '50 minutes')
                                     AT TIME ZONE 'America/New_York') AS t) s
         JOIN LATERAL (SELECT id FROM patients WHERE practice_id = $1
                       OFFSET (abs(hashtext(m.user_id::text || d::text || k)) % 5000) LIMIT 1) p ON true
         WHERE m.practice_id = $1 AND m.role = 'clinician' AND extract(isodow FROM d) < 6",
        "INSERT INTO busy_claims (practice_id, entry_id, resource_id, resource_kind, span)
         SELECT practice_id, id, provider_id, 'provider', tstzrange(starts_at, ends_at + interval '5 minutes')
         FROM entries WHERE practice_id = $1",
        "ANALYZE",
    ];
    for sql in statements {
        let q = sqlx::query(sql);
        let q = if sql.contains("$1") { q.bind(practice) } else { q };
        let q = if sql.contains("$2") { q.bind(type_id) } else { q };
        let q = if sql.contains("$3") { q.bind(PER_DAY) } else { q };
        q.execute(&mut c).await?;
    }
    c.close().await?;
    Ok((practice, type_id))
}

mod uuid_like {
    /// A row id as the benchmark passes it around (serialised as the UUID text).
    pub type Id = sqlx::types::Uuid;
}
