//! The one error type of server functions. Client variants carry a message meant for the
//! person at the screen; `Internal` carries nothing: its cause is logged on the server
//! (without patient data) and never sent to the browser.

use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("You don't have access to that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    /// Bad input: the message says what to fix. Nothing was changed.
    #[error("{0}")]
    Invalid(String),
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    RateLimited,
    /// The password was right; the account's second factor is asked for next.
    #[error("Enter the 6-digit code from your authenticator app, or one of your recovery codes.")]
    SecondFactor,
    /// Signed in, but two-factor sign-in must be set up (Account page) before anything else.
    #[error("Set up two-factor sign-in on your Account page first.")]
    MfaRequired,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never reached the server function (network, encoding).
    #[error("The server could not be reached. Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        AppError::Invalid(msg.into())
    }
}

/// Errors travel as postcard too (see `wire.rs`).
impl FromServerFnError for AppError {
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        // sqlx's Display carries the server's message and constraint name, never row values.
        tracing::error!(error = %e, "database error");
        AppError::Internal
    }
}
