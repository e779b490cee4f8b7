//! The Switchboard process: configuration, start-up, HTTP routes and background work.
//! `main` and every test start the application the same way: [`Application::build`].

#![recursion_limit = "256"]

pub mod config;
pub mod mail;
pub mod realtime;
pub mod routes;
pub mod seed;
pub mod telemetry;

use app::state::{AppState, Settings};
use config::Config;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgPool, Postgres};
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
}

/// A running application (tests): its address, and a way to stop its background work.
pub struct Running {
    pub address: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Running {
    /// Stops background tasks so they return their pooled connections.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// The migrations, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

impl Application {
    /// Creates the database if missing, migrates it, seeds the demo when asked, builds the
    /// router and binds the listener.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        if !Postgres::database_exists(&config.database_url).await? {
            tracing::info!("creating the database");
            Postgres::create_database(&config.database_url).await?;
        }
        let connect = PgConnectOptions::from_str(&config.database_url)?;
        {
            // Migrations run as the configured user, not as the application role.
            let mut conn = sqlx::PgConnection::connect_with(&connect).await?;
            MIGRATOR.run(&mut conn).await?;
            conn.close().await?;
        }
        let pool = app::db::connect(connect, config.pool_size).await?;
        Self::build_with_pool(config, pool).await
    }

    /// Builds on an existing (migrated) pool: for tests that own their database.
    pub async fn build_with_pool(config: Config, pool: PgPool) -> Result<Self, StartError> {
        let done =
            app::auth::sealed::seal_stored(&pool, &config.secret_key, config.previous_secret_key.as_ref())
                .await
                .map_err(|e| StartError::Other(format!("sealing stored secrets: {e:?}")))?;
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
        if config.demo {
            seed::seed_demo_if_empty(&pool)
                .await
                .map_err(|e| StartError::Other(format!("demo seed: {e}")))?;
        }
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
            }),
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let hub = realtime::Hub::start(state.pool.clone(), stopped.clone()).await?;
        if let Some(smtp_url) = &config.smtp_url {
            let settings = mail::MailSettings {
                smtp_url: smtp_url.clone(),
                from: config.mail_from.clone(),
                poll: config.mail_poll,
            };
            mail::spawn_worker(state.pool.clone(), settings, stopped).map_err(StartError::Other)?;
        }
        if let Some(every) = config.reminder_poll {
            spawn_reminders(
                state.pool.clone(),
                state.settings.public_url.clone(),
                every,
                stop.subscribe(),
            );
        }
        let router = routes::router(state.clone(), hub);
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Application {
            listener,
            router,
            state,
            stop,
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
        result
    }

    /// Serves in the background (tests).
    pub fn spawn(self) -> Running {
        let address = self.address();
        let stop = self.stop.clone();
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
        Running { address, stop }
    }
}

/// Queues the appointment reminders that fell due, every `every`, until `stop` turns true.
fn spawn_reminders(
    pool: PgPool,
    public_url: String,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {},
                _ = stop.wait_for(|s| *s) => break,
            }
            match app::calendar::notices::queue_reminders(&pool, &public_url).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "appointment reminders queued"),
                Err(e) => tracing::warn!(error = ?e, "queueing reminders failed"),
            }
        }
    });
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
