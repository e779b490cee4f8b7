//! What every server function can reach: the pool and the settings. Built once by the
//! server's `Application::build` and handed to Leptos as context.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Settings the app code needs at request time (the server's `Config` has the rest).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Mark cookies `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// This is a demo instance: the login page lists the demo accounts.
    pub demo: bool,
    /// Mail leaves through SMTP; otherwise it is kept and shown on the "Sent mail" page.
    pub smtp_configured: bool,
    /// The address people reach the site at, for links in e-mail (no trailing slash).
    pub public_url: String,
    /// Overrides every practice's idle-logout minutes (tests of the idle logout).
    pub idle_timeout_override_seconds: Option<i32>,
    /// Agency admins must use two-factor sign-in.
    pub require_agency_mfa: bool,
    /// Seals stored secrets (`auth::sealed`).
    pub secret_key: crate::auth::sealed::SecretKey,
    /// Proxies whose forwarding headers name the client (`SB_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<crate::auth::rules::Cidr>,
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
}

/// The state inside a server function or during server rendering.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        crate::error::AppError::Internal
    })
}
