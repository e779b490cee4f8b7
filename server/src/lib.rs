//! The Switchboard process: configuration, start-up, HTTP routes and background work.
//! `main` and every test start the application the same way: [`Application::build`].

#![recursion_limit = "256"]

pub mod config;
pub mod database;
pub mod mail;
pub mod outage;
pub mod realtime;
pub mod routes;
pub mod seed;
pub mod telemetry;

use app::state::{AppState, Settings};
use config::Config;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgPool};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("listening: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// A built application: bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    stop: tokio::sync::watch::Sender<bool>,
    /// Background work that must finish what it holds before the process exits (the mail
    /// worker's message in hand).
    workers: Vec<tokio::task::JoinHandle<()>>,
}

/// A running application (tests): its address, and a way to stop its background work.
pub struct Running {
    pub address: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops background tasks so they return their pooled connections.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops, and waits until background work has finished what it held (a graceful
    /// shutdown, as on SIGTERM).
    pub async fn drain(&mut self) {
        self.stop();
        drain(std::mem::take(&mut self.workers)).await;
    }

    /// Ends background work at once, wherever it is (as a killed process would).
    pub fn kill(&mut self) {
        self.stop();
        for w in self.workers.drain(..) {
            w.abort();
        }
    }
}

/// Waits for `workers` to finish, 30 s at most.
async fn drain(workers: Vec<tokio::task::JoinHandle<()>>) {
    let all = futures::future::join_all(workers);
    if tokio::time::timeout(std::time::Duration::from_secs(30), all)
        .await
        .is_err()
    {
        tracing::warn!("background work did not finish within 30 s of shutdown");
    }
}

/// The migrations, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

impl Application {
    /// Creates the database if missing and migrates it (as the owner, `DATABASE_OWNER_URL`),
    /// makes sure the application's login exists, seeds the demo when asked, builds the
    /// router and binds the listener.
    ///
    /// Any number of nodes may start at once: creating the database tolerates another node
    /// doing it, migrations hold sqlx's advisory lock, and the steps after them hold ours
    /// ([`STARTUP_LOCK`]).
    pub async fn build(config: Config) -> Result<Self, StartError> {
        database::create_once(&config.owner_url).await?;
        let owner = PgConnectOptions::from_str(&config.owner_url)?;
        let login = PgConnectOptions::from_str(&config.database_url)?;
        let (user, password) = database::login_of(&config.database_url)?;
        {
            let mut conn = sqlx::PgConnection::connect_with(&owner).await?;
            MIGRATOR.run(&mut conn).await?;
            database::provision_login(&mut conn, &user, password.as_deref()).await?;
            conn.close().await?;
        }
        let pool = app::db::connect(login, config.pool_size).await?;
        Self::build_with_pool(config, &owner, pool).await
    }

    /// Builds on an existing (migrated) database: `owner` is its owner's login, `pool` the
    /// application's (tests that own their database make both).
    pub async fn build_with_pool(
        config: Config,
        owner: &PgConnectOptions,
        pool: PgPool,
    ) -> Result<Self, StartError> {
        database::check_login(&pool).await?;
        // One node at a time re-seals secrets, repairs zones and seeds the demo: two nodes
        // seeding an empty database together would both seed (and one would fail).
        let mut lock = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(STARTUP_LOCK)
            .execute(&mut *lock)
            .await?;
        let prepared = prepare_data(&config, owner, &pool).await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(STARTUP_LOCK)
            .execute(&mut *lock)
            .await;
        if unlocked.is_err() {
            // Closing the connection releases the lock all the same.
            let _ = lock.detach().close().await;
        }
        prepared?;
        let leptos_options = leptos::config::get_configuration(None)
            .map_err(|e| StartError::Other(format!("leptos configuration: {e}")))?
            .leptos_options;
        let mut leptos_options = leptos_options;
        leptos_options.site_root = config.site_root.clone().into();
        if leptos_options.output_name.is_empty() {
            // Plain `cargo` builds (tests) are not told the name by cargo-leptos.
            leptos_options.output_name = "switchboard".into();
        }
        leptos_options.site_addr = config.listen;
        let state = AppState {
            leptos_options,
            pool,
            settings: Arc::new(Settings {
                secure_cookies: config.secure_cookies,
                demo: config.demo,
                smtp_configured: config.smtp_url.is_some(),
                public_url: config.public_url.trim_end_matches('/').to_string(),
                idle_timeout_override_seconds: config.idle_timeout_override_seconds,
                require_agency_mfa: config.require_agency_mfa,
                secret_key: config.secret_key.clone(),
                trusted_proxies: config.trusted_proxies.clone(),
            }),
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut workers = Vec::new();
        let hub = realtime::Hub::start(state.pool.clone(), stopped.clone()).await?;
        if let Some(smtp_url) = &config.smtp_url {
            let settings = mail::MailSettings {
                smtp_url: smtp_url.clone(),
                from: config.mail_from.clone(),
                poll: config.mail_poll,
            };
            workers
                .push(mail::spawn_worker(state.pool.clone(), settings, stopped).map_err(StartError::Other)?);
        }
        if let Some(every) = config.reminder_poll {
            let (pool, url) = (state.pool.clone(), state.settings.public_url.clone());
            spawn_every(every, stop.subscribe(), move || {
                let (pool, url) = (pool.clone(), url.clone());
                async move {
                    match app::calendar::notices::queue_reminders(&pool, &url).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(reminders = n, "appointment reminders queued"),
                        Err(e) => tracing::warn!(error = ?e, "queueing reminders failed"),
                    }
                }
            });
        }
        if let Some(every) = config.task_clock {
            let (pool, url) = (state.pool.clone(), state.settings.public_url.clone());
            spawn_every(every, stop.subscribe(), move || {
                let (pool, url) = (pool.clone(), url.clone());
                async move {
                    match app::tasks::clock::tick(&pool, &url).await {
                        Ok(r) if r == app::tasks::clock::Round::default() => {}
                        Ok(r) => tracing::info!(back = r.back, escalated = r.escalated, "task clock"),
                        Err(e) => tracing::warn!(error = ?e, "the task clock failed"),
                    }
                }
            });
        }
        if let Some(every) = config.housekeeping {
            let pool = state.pool.clone();
            spawn_every(every, stop.subscribe(), move || {
                let pool = pool.clone();
                async move {
                    match housekeeping(&pool).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(rows = n, "old records purged"),
                        Err(e) => tracing::warn!(error = ?e, "housekeeping failed"),
                    }
                }
            });
        }
        let router = routes::router(state.clone(), hub);
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Application {
            listener,
            router,
            state,
            stop,
            workers,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C / SIGTERM, then stops background work.
    pub async fn run_until_stopped(self) -> Result<(), std::io::Error> {
        let result = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        let _ = self.stop.send(true);
        drain(self.workers).await;
        result
    }

    /// Serves in the background (tests).
    pub fn spawn(self) -> Running {
        let address = self.address();
        let stop = self.stop.clone();
        let workers = self.workers;
        let mut stopped = self.stop.subscribe();
        tokio::spawn(async move {
            let _ = axum::serve(
                self.listener,
                self.router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
        });
        Running {
            address,
            stop,
            workers,
        }
    }
}

/// The advisory lock start-up steps after migration hold (any number, unique to Switchboard).
pub const STARTUP_LOCK: i64 = 0x5357_4244_0001;

/// What start-up does to the data before serving: seal stored secrets (and re-seal them
/// after a key rotation), repair time zones, seed the demo. Runs under [`STARTUP_LOCK`].
async fn prepare_data(config: &Config, owner: &PgConnectOptions, pool: &PgPool) -> Result<(), StartError> {
    let mut conn = sqlx::PgConnection::connect_with(owner).await?;
    let done =
        app::auth::sealed::seal_stored(&mut conn, &config.secret_key, config.previous_secret_key.as_ref())
            .await
            .map_err(|e| StartError::Other(format!("sealing stored secrets: {e:?}")))?;
    conn.close().await?;
    if done.sealed > 0 || done.rotated > 0 {
        tracing::info!(
            done.sealed,
            done.rotated,
            "authenticator secrets sealed under SB_SECRET_KEY"
        );
    }
    if done.unreadable > 0 {
        tracing::error!(
            done.unreadable,
            "authenticator secrets open with neither SB_SECRET_KEY nor SB_SECRET_KEY_PREVIOUS: \
             their owners cannot sign in with their authenticator"
        );
    }
    repair_zones(pool).await?;
    if config.demo {
        seed::seed_demo_if_empty(pool)
            .await
            .map_err(|e| StartError::Other(format!("demo seed: {e}")))?;
    }
    Ok(())
}

/// Practices whose stored time zone the server cannot compute with (saved before names were
/// checked): a name that says which zone it meant (`posix/America/Chicago`) is repaired;
/// any other is reported, and that practice's calendar says so until an admin chooses one.
async fn repair_zones(pool: &PgPool) -> Result<(), StartError> {
    use app::practices::{db, rules};
    let mut tx = app::db::begin(pool, &app::db::Scope::All { user: None }).await?;
    for (practice, name) in db::all_zones(&mut tx).await? {
        if rules::zone(&name).is_some() {
            continue;
        }
        match rules::repaired_zone(&name) {
            Some(tz) => {
                db::set_zone(&mut tx, practice, tz.name()).await?;
                tracing::warn!(%practice, zone = tz.name(), "a practice's time zone was repaired");
            }
            None => tracing::error!(
                %practice,
                "a practice's time zone is unknown: a practice admin must choose one in Settings"
            ),
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Runs `job` every `every` (the first time after one period) until `stop` turns true.
fn spawn_every<F, Fut>(every: std::time::Duration, mut stop: tokio::sync::watch::Receiver<bool>, job: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {},
                _ = stop.wait_for(|s| *s) => break,
            }
            job().await;
        }
    });
}

/// Removes what is kept no longer: old login attempts, link misses and sessions, and the
/// bodies of mail sent before the retention period, and calendar changes whose undo ran out
/// a day ago. Returns how many rows it touched.
pub async fn housekeeping(pool: &PgPool) -> Result<u64, app::error::AppError> {
    let mut tx = app::db::begin(pool, &app::db::Scope::All { user: None }).await?;
    let old = app::auth::db::purge_old(&mut tx).await?;
    let bodies = app::mail::db::purge_sent_bodies(&mut tx).await?;
    let undos = app::calendar::db::purge_undos(&mut tx).await?;
    tx.commit().await?;
    Ok(old + bodies + undos)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
