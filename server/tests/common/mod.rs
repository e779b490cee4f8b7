//! Test harness: the real application on port 0 against a fresh PostgreSQL database per
//! test (`#[sqlx::test]`), a cookie-keeping HTTP client, people in two practices, and the
//! cross-tenant check every server function must pass.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use app::db::{begin, Scope};
use app::error::AppError;
use app::model::{PracticeId, Role, UserId};
use serde::de::DeserializeOwned;
use server::{config::Config, Application};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use std::net::SocketAddr;
use uuid::Uuid;

pub const PASSWORD: &str = "password-for-tests";

pub struct TestApp {
    pub addr: SocketAddr,
    /// The application's pool, on the tests' own login (no superuser, no owner).
    pub pool: PgPool,
    /// The database's owner (the superuser the test database was made by): for a test that
    /// looks at rows no application transaction may see, such as stored secrets.
    pub owner: PgConnectOptions,
    running: server::Running,
}

impl TestApp {
    pub async fn spawn(conn: PgConnectOptions) -> TestApp {
        Self::spawn_with(conn, |_| {}).await
    }

    pub async fn spawn_with(conn: PgConnectOptions, tweak: impl FnOnce(&mut Config)) -> TestApp {
        server::telemetry::init();
        let mut config = Config::for_tests(String::new());
        tweak(&mut config);
        let pool = app_pool(&conn, config.pool_size).await;
        let app = Application::build_with_pool(config, &conn, pool.clone())
            .await
            .expect("build");
        let running = app.spawn();
        TestApp {
            addr: running.address,
            pool,
            owner: conn,
            running,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Signs in and returns the client holding the session cookie.
    pub async fn login(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let res = client
            .post(self.url("/api/auth/login"))
            .form(&[("email", email), ("password", PASSWORD), ("next", "")])
            .send()
            .await
            .expect("login request");
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "login of {email} failed: {}",
            res.status()
        );
        client
    }

    /// Calls a server function by its endpoint with form-encoded arguments.
    pub async fn call<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<T, AppError> {
        let res = client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/x-postcard")
            .form(form)
            .send()
            .await
            .expect("server function request");
        decode(endpoint, res).await
    }

    pub async fn close(self) {
        self.running.stop();
        self.pool.close().await;
    }

    /// Shuts down as on SIGTERM: background work finishes what it holds.
    pub async fn drain(mut self) {
        self.running.drain().await;
        self.pool.close().await;
    }

    /// Ends background work wherever it is, as a killed process would.
    pub async fn kill(mut self) {
        self.running.kill();
        self.pool.close().await;
    }
}

/// The application's pool on a test database, through the tests' login (made once per
/// PostgreSQL server, as a node's start-up would).
pub async fn app_pool(owner: &PgConnectOptions, size: u32) -> PgPool {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect_with(owner).await.expect("owner");
    server::database::provision_login(&mut conn, server::config::TEST_LOGIN, None)
        .await
        .expect("the tests' login");
    conn.close().await.expect("close");
    app::db::connect(owner.clone().username(server::config::TEST_LOGIN), size)
        .await
        .expect("pool")
}

/// The owner's view of a test database: rows past row-level security.
pub async fn owner_pool(owner: &PgConnectOptions) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(owner.clone())
        .await
        .expect("owner pool")
}

/// A server function's answer, as the browser reads it: its result or an `AppError`, in
/// postcard.
async fn decode<T: DeserializeOwned>(endpoint: &str, res: reqwest::Response) -> Result<T, AppError> {
    let status = res.status();
    let body = res.bytes().await.expect("body");
    if status.is_success() || status.is_redirection() {
        Ok(postcard::from_bytes(&body).unwrap_or_else(|e| panic!("{endpoint}: cannot decode {body:?}: {e}")))
    } else {
        Err(postcard::from_bytes(&body).unwrap_or_else(|e| panic!("{endpoint}: {status} {body:?}: {e}")))
    }
}

/// The resource data a server-rendered page carries to the browser (postcard, base64 in
/// `__RESOLVED_RESOURCES`), decoded: leak checks look here as well as in the HTML, where
/// the carried data is unreadable.
pub fn carried_data(html: &str) -> String {
    use base64::Engine;
    let mut all = String::new();
    for script in html.split("__RESOLVED_RESOURCES").skip(1) {
        let script = script.split("</script>").next().unwrap_or_default();
        for literal in script.split('"').skip(1).step_by(2) {
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(literal) {
                all.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    all
}

/// A count over every practice (tests look past row-level security on purpose).
pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    let mut tx = begin(pool, &Scope::All { user: None }).await.expect("tx");
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut *tx).await.expect(sql);
    tx.rollback().await.expect("rollback");
    n
}

/// Runs a statement over every practice.
pub async fn exec(pool: &PgPool, sql: &str) {
    let mut tx = begin(pool, &Scope::All { user: None }).await.expect("tx");
    sqlx::query(sql).execute(&mut *tx).await.expect(sql);
    tx.commit().await.expect("commit");
}

pub struct Person {
    pub id: UserId,
    pub email: String,
}

/// Two practices: A with an admin, a clinician and an assistant; B with an admin and a
/// clinician; and an agency admin.
pub struct World {
    pub a: PracticeId,
    pub b: PracticeId,
    pub a_admin: Person,
    pub a_clinician: Person,
    pub a_assistant: Person,
    pub b_admin: Person,
    pub b_clinician: Person,
    pub agency: Person,
}

pub async fn world(pool: &PgPool) -> World {
    let hash = app::auth::password::hash(PASSWORD.into()).await.expect("hash");
    let mut tx = begin(pool, &Scope::All { user: None }).await.expect("tx");
    let mut practice = async |name: &str| -> PracticeId {
        let (id,): (Uuid,) = sqlx::query_as(
            "INSERT INTO practices (name, time_zone, phone_script) VALUES ($1, 'America/New_York', $2) RETURNING id",
        )
        .bind(name)
        .bind(format!("Script of {name}"))
        .fetch_one(&mut *tx)
        .await
        .expect("practice");
        PracticeId(id)
    };
    let a = practice("Practice A").await;
    let b = practice("Practice B").await;
    let person =
        async |tx: &mut app::db::Tx, local: &str, membership: Option<(PracticeId, Role)>| -> Person {
            let email = format!("{local}@example.test");
            let id = app::auth::db::create_account(tx, &email, local, Some(&hash))
                .await
                .expect("user")
                .0;
            if let Some((p, role)) = membership {
                sqlx::query("INSERT INTO memberships (practice_id, user_id, role) VALUES ($1, $2, $3)")
                    .bind(p)
                    .bind(id)
                    .bind(role)
                    .execute(&mut **tx)
                    .await
                    .expect("membership");
            }
            Person {
                id: UserId(id),
                email,
            }
        };
    let w = World {
        a,
        b,
        a_admin: person(&mut tx, "a.admin", Some((a, Role::PracticeAdmin))).await,
        a_clinician: person(&mut tx, "a.clinician", Some((a, Role::Clinician))).await,
        a_assistant: person(&mut tx, "a.assistant", Some((a, Role::Assistant))).await,
        b_admin: person(&mut tx, "b.admin", Some((b, Role::PracticeAdmin))).await,
        b_clinician: person(&mut tx, "b.clinician", Some((b, Role::Clinician))).await,
        agency: person(&mut tx, "agency", None).await,
    };
    sqlx::query("INSERT INTO agency_admins (user_id) VALUES ($1)")
        .bind(w.agency.id.0)
        .execute(&mut *tx)
        .await
        .expect("agency admin");
    tx.commit().await.expect("commit");
    w
}

/// The check every server function must pass: each of `outsiders` (people of another
/// practice, or with too small a role) calling `endpoint` with `form` is refused.
pub async fn assert_refused(app: &TestApp, outsiders: &[&str], endpoint: &str, form: &[(&str, &str)]) {
    for email in outsiders {
        let client = app.login(email).await;
        let result = app.call::<serde_json::Value>(&client, endpoint, form).await;
        assert!(
            matches!(result, Err(AppError::Forbidden) | Err(AppError::NotFound)),
            "{email} calling {endpoint} should be refused, got {result:?}"
        );
    }
}

/// Anonymous callers are refused too.
pub async fn assert_needs_sign_in(app: &TestApp, endpoint: &str, form: &[(&str, &str)]) {
    let result = app.call::<serde_json::Value>(&app.client(), endpoint, form).await;
    assert_eq!(
        result,
        Err(AppError::Unauthenticated),
        "{endpoint} without a session"
    );
}

/// A real SMTP server on 127.0.0.1 that keeps what it receives; it can be made slow (each
/// message takes `delay` to accept) and refuse some recipients for good (550).
#[derive(Clone, Default)]
pub struct SmtpSink {
    pub received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedMail>>>,
    to: Vec<String>,
    data: Vec<u8>,
    delay: std::time::Duration,
    refuse: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub raw: String,
}

impl mailin_embedded::Handler for SmtpSink {
    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        if self.refuse.iter().any(|r| to.contains(r.as_str())) {
            mailin_embedded::response::NO_MAILBOX
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        std::thread::sleep(self.delay);
        let mail = ReceivedMail {
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&self.data).into(),
        };
        self.received.lock().unwrap().push(mail);
        mailin_embedded::response::OK
    }
}

impl SmtpSink {
    /// Starts the server on `listener` (bind 127.0.0.1:0 for a free port) in a thread.
    pub fn serve(listener: std::net::TcpListener) -> SmtpSink {
        Self::serve_with(listener, SmtpSink::default())
    }

    /// Starts a server that takes `delay` to accept each message and refuses recipients
    /// containing any of `refuse`.
    pub fn start_with(delay: std::time::Duration, refuse: &[&str]) -> (SmtpSink, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("smtp://{}", listener.local_addr().expect("addr"));
        let sink = SmtpSink {
            delay,
            refuse: refuse.iter().map(|r| r.to_string()).collect(),
            ..SmtpSink::default()
        };
        (Self::serve_with(listener, sink), url)
    }

    fn serve_with(listener: std::net::TcpListener, sink: SmtpSink) -> SmtpSink {
        let mut server = mailin_embedded::Server::new(sink.clone());
        server
            .with_name("sink.test")
            .with_ssl(mailin_embedded::SslConfig::None)
            .expect("ssl config")
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        sink
    }

    pub fn start() -> (SmtpSink, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("smtp://{}", listener.local_addr().expect("addr"));
        (Self::serve(listener), url)
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Waits (up to 10 s) until `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        for _ in 0..200 {
            if self.count() >= n {
                return self.received.lock().unwrap().clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {n} messages, the SMTP server received {}", self.count());
    }
}

impl TestApp {
    /// Calls a server function whose arguments travel as JSON.
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        args: serde_json::Value,
    ) -> Result<T, AppError> {
        let res = client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/x-postcard")
            .json(&args)
            .send()
            .await
            .expect("server function request");
        decode(endpoint, res).await
    }
}

/// Like [`assert_refused`], for server functions taking JSON.
pub async fn assert_refused_json(app: &TestApp, outsiders: &[&str], endpoint: &str, args: serde_json::Value) {
    for email in outsiders {
        let client = app.login(email).await;
        let result = app
            .call_json::<serde_json::Value>(&client, endpoint, args.clone())
            .await;
        assert!(
            matches!(result, Err(AppError::Forbidden) | Err(AppError::NotFound)),
            "{email} calling {endpoint} should be refused, got {result:?}"
        );
    }
}

/// Like [`assert_needs_sign_in`], for server functions taking JSON.
pub async fn assert_needs_sign_in_json(app: &TestApp, endpoint: &str, args: serde_json::Value) {
    let result = app
        .call_json::<serde_json::Value>(&app.client(), endpoint, args)
        .await;
    assert_eq!(
        result,
        Err(AppError::Unauthenticated),
        "{endpoint} without a session"
    );
}
