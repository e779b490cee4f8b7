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
    /// A change made at the same moment got in the way (the database chose this one to
    /// give way); nothing was changed, and trying again is safe.
    #[error("Someone changed this at the same moment. Nothing was saved; please try again.")]
    Busy,
    /// The database cannot be reached (down, or every connection busy for too long).
    #[error("We can't reach the database right now. Nothing was saved; we keep retrying.")]
    Unavailable,
}

/// What a request whose arguments could not be read is told: never the parser's words,
/// which quote the input.
pub const UNREADABLE_INPUT: &str =
    "Some of what was sent could not be read (a date, a number or a choice that is not \
     one of the options). Check the form and try again.";

impl AppError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        AppError::Invalid(msg.into())
    }
}

/// Errors travel as postcard too (see `wire.rs`).
impl FromServerFnError for AppError {
    type Encoder = PostcardEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server these name arguments that could not be read: bad input, answered
        // 422 with a message of ours (the decoder's text echoes what was sent).
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
        ) {
            return AppError::invalid(UNREADABLE_INPUT);
        }
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        let code = match &e {
            E::Database(d) => d.code().map(|c| c.into_owned()),
            _ => None,
        };
        match (&e, code.as_deref()) {
            // Deadlock or serialization failure: the transaction was rolled back.
            (_, Some("40P01" | "40001")) => {
                tracing::warn!(error = %e, "transaction gave way to a concurrent one");
                AppError::Busy
            }
            // Text with a NUL byte or that is not UTF-8 in the database's eyes.
            (_, Some("22021" | "22P05")) => AppError::invalid("Text may not contain control characters."),
            // A number or date outside what the column holds.
            (_, Some("22003" | "22008" | "22007")) => {
                AppError::invalid("A number or date is outside the range this form accepts.")
            }
            (E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_), _) => {
                tracing::error!(error = %e, "database unreachable");
                AppError::Unavailable
            }
            _ => {
                // sqlx's Display carries the server's message and constraint name, never row values.
                tracing::error!(error = %e, "database error");
                AppError::Internal
            }
        }
    }
}
